"""auditd.conf model: defaults, parsing and the reference's validation messages.

The expected messages were taken from the reference daemon (``auditd -f -c DIR``
on each file); ``test_messages_match_reference_binary`` re-checks a few of them
against the binary itself when it is installed (they all exit before touching
the kernel).
"""

from __future__ import annotations

import os
import subprocess
import syslog

import pytest

from audix.daemon import config as C
from audix.daemon.config import ConfigError, load_config, parse_config

BAD_CASES = [
    ("space_left = 10\nadmin_space_left = 10\n",
     "Error - space_left(10) must be larger than admin_space_left(10)"),
    ("space_left = 5x\n", "Value x 5x should only be numbers or percent - line 1"),
    ("space_left = 150%\n", "Percentages should be less than 100 - line 1"),
    ("flush = incremental\nfreq = 0\nspace_left = 75\nadmin_space_left = 50\n",
     "Error - incremental flushing chosen, but 0 selected for freq"),
    ("log_format = BOGUS\n", "Option BOGUS not found - line 1"),
    ("num_logs = 1000\n", "num_logs must be 999 or less"),
    ("\nnum_logs = 12a\n", "Value 12a should only be numbers - line 2"),
    ("q_depth = 100000\n", "q_depth must be 99999 or less"),
    ("freq = 99999999999\n", "Error - converted number (99999999999) is too large - line 1"),
    ("freq = 999999999999999999999999\n",
     "Error converting string to a number (Numerical result out of range) - line 1"),
    ("disk_full_action = email\n", "Illegal option email for disk_full_action - line 1"),
    ("disk_error_action = rotate\n", "Illegal option rotate for disk_error_action - line 1"),
    ("disk_error_action = exec relative\n", "Absolute path needed for relative - line 1"),
    ("disk_error_action = exec /nonexistent\n",
     "Unable to stat /nonexistent (No such file or directory) - line 1"),
    ("space_left_action = exec\n", "Executable path needed for line 1"),
    ("tcp_listen_port = 0\n", "Error - converted number (0) is too small - line 1"),
    ("tcp_listen_port = 70000\n", "Error - converted number (70000) is too large - line 1"),
    ("tcp_client_ports = 10-5\n", "Error - converted range (10-5) is reversed - line 1"),
    ("tcp_client_ports = 1-\n",
     "Value 1- should only be numbers, or two numbers separated by a dash - line 1"),
    ("max_log_file_action = bogus\n", "Option bogus not found - line 1"),
    ("log_group = nosuchgroup\n", "Group ID is non-numeric and unknown (nosuchgroup) - line 1"),
    ("log_file = /x/a.log\n", "The directory name: /x is too short - line 1"),
    ("log_file = /tmp/nonexist-audix/a.log\n",
     "Could not open dir /tmp/nonexist-audix (No such file or directory)"),
    ("action_mail_acct = a\n", "email: a is too short, expecting at least 2 characters"),
    ("action_mail_acct = a@b\n", "email: a@b should have . after @"),
    ("action_mail_acct = a!b\n", "email: a!b has illegal character"),
    ("tcp_max_per_addr = 2000\n", "Error - converted number (2000) is too large - line 1"),
    ("space_left = 80\nadmin_space_left = 50\nlog_group = 4\nlog_file = /var/log/audit.log\n",
     "Error - log_file is directly in /var/log and chgrp will alter a system directory's "
     "permissions. Use another directory."),
    ("bogus = 1\n", 'Unknown keyword "bogus" in line 1 of {path}'),
    ("log_format = raw extra\n",
     'Keyword "log_format" has invalid option "extra" in line 1 of {path}'),
    ("log_format : raw\n", "Missing equal sign for line 1 in {path}"),
    ("log_format\n", "Wrong number of arguments for line 1 in {path}"),
    ("flush = incremental\nspace_left=2\n", "Wrong number of arguments for line 2 in {path}"),
]


def write_conf(tmp_path, text: str) -> str:
    d = tmp_path / "conf"
    d.mkdir(exist_ok=True)
    p = d / "auditd.conf"
    p.write_bytes(text.encode("latin-1"))
    os.chmod(p, 0o640)
    return str(d)


def test_defaults_match_reference_clear_config():
    d = C.DEFAULTS
    assert d.log_file == "/var/log/audit/audit.log"
    assert d.log_format is C.LogFormat.ENRICHED and d.flush is C.FlushMode.NONE
    assert (d.q_depth, d.overflow_action, d.max_restarts) == (2000, C.OverflowAction.SYSLOG, 10)
    assert d.disk_error_action is C.FailureAction.SYSLOG
    assert d.disk_full_action is C.FailureAction.IGNORE
    assert (d.priority_boost, d.end_of_event_timeout, d.num_logs) == (4, 2, 0)
    assert (d.tcp_client_min_port, d.tcp_client_max_port) == (0, 65535)


@pytest.mark.parametrize("text,message", BAD_CASES)
def test_bad_config_message(tmp_path, text, message):
    path = os.path.join(write_conf(tmp_path, text), "auditd.conf")
    logged = []
    with pytest.raises(ConfigError) as err:
        parse_config(text, path, log=lambda lvl, t: logged.append((lvl, t)))
    expected = message.format(path=path)
    assert str(err.value).rstrip("\n") == expected
    errors = [t for lvl, t in logged if lvl <= syslog.LOG_ERR]
    assert errors[0].rstrip("\n") == expected


def test_full_config_parses(tmp_path):
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    text = (
        "# a comment\n\n"
        f"log_file = {log_dir}/audit.log\n"
        "LOG_FORMAT = RAW\nflush = INCREMENTAL_ASYNC\nfreq = 50\nnum_logs = 5\n"
        "max_log_file = 8\nmax_log_file_action = keep_logs\nspace_left = 25%\n"
        "admin_space_left = 10%\nspace_left_action = SYSLOG\nadmin_space_left_action = suspend\n"
        "disk_full_action = rotate\ndisk_error_action = halt\nname_format = user\nname = box1\n"
        "q_depth = 4000\noverflow_action = ignore\nplugin_dir = /etc/audit/plugins.d\n"
        "end_of_event_timeout = 5\ntcp_client_ports = 1024-65535\nlocal_events = no\n"
        "write_logs = yes\nlog_group = 0\npriority_boost = 0\nmax_restarts = 3\n"
    )
    cfg = parse_config(text, str(tmp_path / "auditd.conf"))
    assert cfg.log_file == f"{log_dir}/audit.log"
    assert cfg.log_format is C.LogFormat.RAW and cfg.flush is C.FlushMode.INCREMENTAL_ASYNC
    assert (cfg.freq, cfg.num_logs, cfg.max_log_file) == (50, 5, 8)
    assert cfg.max_log_file_action is C.SizeAction.KEEP_LOGS
    assert (cfg.space_left, cfg.space_left_percent) == (0, 25)
    assert cfg.admin_space_left_percent == 10
    assert cfg.disk_full_action is C.FailureAction.ROTATE
    assert cfg.disk_error_action is C.FailureAction.HALT
    assert (cfg.name_format, cfg.name) == (C.NameFormat.USER, "box1")
    assert cfg.plugin_dir == "/etc/audit/plugins.d/"
    assert (cfg.tcp_client_min_port, cfg.tcp_client_max_port) == (1024, 65535)
    assert cfg.local_events is False and cfg.end_of_event_timeout == 5
    assert cfg.q_depth == 4000 and cfg.overflow_action is C.OverflowAction.IGNORE


def test_nolog_format_turns_off_write_logs():
    warnings = []
    cfg = parse_config("log_format = NOLOG\nspace_left = 2\n", "/x",
                       log=lambda lvl, t: warnings.append(t))
    assert cfg.write_logs is False
    assert any("deprecated" in w for w in warnings)


def test_last_line_without_newline_is_skipped():
    logged = []
    cfg = parse_config("space_left = 3\nlog_format = raw", "/c/auditd.conf",
                       log=lambda lvl, t: logged.append(t))
    assert cfg.log_format is C.LogFormat.ENRICHED
    assert "Skipping line 2 in /c/auditd.conf: too long" in logged


def test_too_long_line_skipped_and_counted():
    long_line = "# " + "x" * 200
    with pytest.raises(ConfigError) as err:
        parse_config(f"{long_line}\nbogus = 1\n", "/c/auditd.conf")
    assert "in line 2 of" in str(err.value)


def test_empty_file_skips_sanity_check():
    cfg = parse_config("", "/c/auditd.conf")
    assert cfg.space_left == 0 and cfg.admin_space_left == 0


def test_exec_action_checks_program(tmp_path):
    prog = tmp_path / "act.sh"
    prog.write_text("#!/bin/sh\n")
    os.chmod(prog, 0o644)
    with pytest.raises(ConfigError, match="permissions should be 0750, 0755, 0555 or 0550"):
        parse_config(f"space_left_action = exec {prog}\n", "/c")
    os.chmod(prog, 0o750)
    cfg = parse_config(f"space_left = 3\nspace_left_action = exec {prog}\n", "/c")
    assert cfg.space_left_action is C.FailureAction.EXEC and cfg.space_left_exe == str(prog)


def test_load_config_file_checks(tmp_path):
    d = write_conf(tmp_path, "space_left = 3\n")
    assert load_config(d).space_left == 3
    os.chmod(os.path.join(d, "auditd.conf"), 0o646)
    with pytest.raises(ConfigError, match="is world writable"):
        load_config(d)
    os.chmod(os.path.join(d, "auditd.conf"), 0o640)
    link_dir = tmp_path / "linked"
    link_dir.mkdir()
    os.symlink(os.path.join(d, "auditd.conf"), link_dir / "auditd.conf")
    with pytest.raises(ConfigError, match="Error opening config file"):
        load_config(str(link_dir))
    assert load_config(str(link_dir), allow_links=True).space_left == 3
    missing = load_config(str(tmp_path / "nothing"))
    assert missing.log_file == C.DEFAULTS.log_file


def test_percent_to_mb():
    # 1,000,000 blocks of 4096 bytes, 10 % -> 100,000 blocks -> 390 MB
    assert C.percent_to_mb(10, 1_000_000, 4096) == 390


REFERENCE = "/usr/sbin/auditd"


@pytest.mark.reference
@pytest.mark.skipif(not os.path.exists(REFERENCE), reason="reference auditd not installed")
@pytest.mark.parametrize("index", [0, 4, 9, 15, 28])
def test_messages_match_reference_binary(tmp_path, index):
    text, message = BAD_CASES[index]
    d = write_conf(tmp_path, text)
    if os.geteuid() != 0:
        pytest.skip("the reference auditd refuses to run without root")
    # every case fails in config parsing (exit 6) before any kernel contact
    proc = subprocess.run([REFERENCE, "-f", "-s", "nochange", "-c", d], capture_output=True,
                          timeout=10)
    assert proc.returncode == 6
    err = proc.stderr.decode("latin-1").split("\n")
    assert message.format(path=os.path.join(d, "auditd.conf")) in err


INIT = os.path.join(os.path.dirname(__file__), "..", "init")


def test_default_auditd_conf_parses_to_the_documented_values():
    text = open(os.path.join(INIT, "audit", "auditd.conf"), encoding="latin-1").read()
    if not os.path.isdir("/var/log/audit"):
        text = text.replace("/var/log/audit/audit.log", "/tmp/audit.log")
    cfg = parse_config(text, "/etc/audit/auditd.conf")
    assert cfg.log_format is C.LogFormat.ENRICHED and cfg.flush is C.FlushMode.INCREMENTAL_ASYNC
    assert (cfg.freq, cfg.max_log_file, cfg.num_logs) == (50, 8, 5)
    assert cfg.max_log_file_action is C.SizeAction.ROTATE
    assert (cfg.space_left, cfg.admin_space_left) == (75, 50)
    assert cfg.admin_space_left_action is C.FailureAction.SUSPEND
    assert cfg.disk_full_action is C.FailureAction.SUSPEND
    assert cfg.disk_error_action is C.FailureAction.SUSPEND
    assert cfg.plugin_dir == "/etc/audit/plugins.d/" and cfg.q_depth == 2000


def test_systemd_unit_starts_daemon_and_loads_rules():
    import configparser
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(os.path.join(INIT, "auditd.service"))
    svc = unit["Service"]
    assert svc["Type"] == "forking" and svc["PIDFile"] == "/run/auditd.pid"
    assert svc["ExecStart"].endswith("/auditd")
    assert svc["ExecStartPost"].endswith("auditctl -R /etc/audit/audit.rules")
    assert svc["RestartPreventExitStatus"].split() == ["2", "4", "6"]
    rules = open(os.path.join(INIT, "audit", "audit.rules")).read().split("\n")
    assert rules[1] == "-D" and "-f 1" in rules and "-b 8192" in rules
