"""audisp-remote.conf: defaults, every key, validation (checked against the
reference's exit status 6 on the same files)."""

from __future__ import annotations

import os

import pytest

from audix.daemon.remote.client_config import (ActionSetting, FailureAction, Format, Mode,
                                               OverflowAction, RemoteConfig, RemoteConfigError,
                                               Transport, load_config, parse_config)

from test_remote_support import run_reference_client, write_conf

BASE = "remote_server = 127.0.0.1\nport = 1\n"


def test_defaults_are_the_references():
    c = RemoteConfig()
    assert (c.port, c.local_port, c.transport, c.mode, c.queue_depth, c.format) == \
        (60, 0, Transport.TCP, Mode.IMMEDIATE, 2048, Format.MANAGED)
    assert (c.network_retry_time, c.max_tries_per_record, c.max_time_per_record,
            c.heartbeat_timeout) == (1, 3, 5, 0)
    assert c.network_failure_action.action is FailureAction.STOP
    assert c.disk_low_action.action is FailureAction.IGNORE
    assert c.disk_full_action.action is FailureAction.WARN_ONCE
    assert c.disk_error_action.action is FailureAction.WARN_ONCE
    assert c.remote_ending_action.action is FailureAction.RECONNECT
    assert c.generic_error_action.action is FailureAction.SYSLOG
    assert c.generic_warning_action.action is FailureAction.SYSLOG
    assert c.queue_error_action.action is FailureAction.STOP
    assert c.overflow_action is OverflowAction.SYSLOG
    assert c.startup_failure_action.action is FailureAction.WARN_ONCE_CONTINUE
    assert c.spool_path == "/var/spool/audit/remote.log"


def test_every_key_of_the_shipped_file(tmp_path):
    text = """remote_server = logs.example.com
port = 6000
local_port = any
transport = TCP
queue_file = /var/spool/audit/x.log
mode = forward
queue_depth = 10240
format = managed
network_retry_time = 2
max_tries_per_record = 4
max_time_per_record = 6
heartbeat_timeout = 7
network_failure_action = warn_once
disk_low_action = syslog
disk_full_action = suspend
disk_error_action = ignore
remote_ending_action = stop
generic_error_action = warn_once_continue
generic_warning_action = ignore
queue_error_action = halt
overflow_action = single
startup_failure_action = ignore
enable_krb5 = no
krb5_principal = auditd
krb5_client_name = auditd
krb5_key_file = /etc/audit/audisp-remote.key
"""
    c = parse_config(text)
    assert (c.remote_server, c.port, c.local_port, c.queue_file, c.mode, c.queue_depth) == \
        ("logs.example.com", 6000, 0, "/var/spool/audit/x.log", Mode.FORWARD, 10240)
    assert (c.network_retry_time, c.max_tries_per_record, c.max_time_per_record,
            c.heartbeat_timeout) == (2, 4, 6, 7)
    assert c.network_failure_action == ActionSetting(FailureAction.WARN_ONCE)
    assert c.disk_full_action.action is FailureAction.SUSPEND
    assert c.remote_ending_action.action is FailureAction.STOP
    assert c.queue_error_action.action is FailureAction.HALT
    assert c.overflow_action is OverflowAction.SINGLE
    assert c.krb5_key_file == "/etc/audit/audisp-remote.key"
    assert parse_config("local_port = 5000\n").local_port == 5000


def test_tls_keys():
    c = parse_config(BASE + "transport = tls\ntls_ca_file = /a/ca.pem\ntls_cert_file = /a/c.pem\n"
                     "tls_key_file = /a/k.pem\ntls_server_name = logs\n")
    assert c.transport is Transport.TLS and c.tls_server_name == "logs"
    with pytest.raises(RemoteConfigError, match="tls_cert_file, tls_key_file"):
        parse_config(BASE + "transport = tls\ntls_ca_file = /a/ca.pem\n")


def exe(tmp_path, mode=0o750):
    p = tmp_path / "action.sh"
    p.write_text("#!/bin/sh\n")
    os.chmod(p, mode)
    return str(p)


# (extra text, error message fragment or None)
CASES = [
    ("", None),
    ("port = 65535\n", None),
    ("port = 65536\n", "too large"),
    ("port = 12a\n", "should only be numbers"),
    ("port = -1\n", "should only be numbers"),
    ("queue_depth = 0\n", "too small"),
    ("queue_depth = 2147483648\n", "too large"),
    ("network_retry_time = 0\n", "too small"),
    ("heartbeat_timeout = 0\n", None),
    ("mode = later\n", "Option later not found"),
    ("mode = FORWARD\n", None),
    ("mode = forward\nformat = ascii\n", '"mode=forward" is valid only with "format=managed"'),
    ("format = ascii\n", None),
    ("queue_file = relative/path\n", "Absolute path needed"),
    ("bogus_key = 1\n", 'Unknown keyword "bogus_key"'),
    ("port 60\n", "Missing equal sign"),
    ("port\n", "Wrong number of arguments"),
    ("port + 60\n", "Missing equal sign"),
    ("port = 60 extra\n", 'has invalid option "extra"'),
    ("remote_server = \n", "Wrong number of arguments"),
    ("network_failure_action = exec\n", "Executable path needed"),
    ("network_failure_action = exec relative\n", "Absolute path needed"),
    ("network_failure_action = reconnect\n", "Option reconnect not found"),
    ("remote_ending_action = reconnect\n", None),
    ("remote_ending_action = suspend\n", None),
    ("overflow_action = stop\n", "Option stop not found"),
    ("overflow_action = halt\n", None),
    ("startup_failure_action = stop\n", "startup_failure_action has invalid option"),
    ("startup_failure_action = exec EXE\n", None),
    ("disk_full_action = exec EXE\n", None),
    ("disk_full_action = exec EXE777\n", "permissions should be 0750"),
    ("disk_low_action = Warn_Once\n", None),
    ("PORT = 61\n", None),
    ("# comment = x y z\n\n", None),
]


def _materialise(tmp_path, extra: str) -> str:
    if "EXE777" in extra:
        return extra.replace("EXE777", exe(tmp_path, 0o777))
    return extra.replace("EXE", exe(tmp_path))


@pytest.mark.parametrize("extra,error", CASES)
def test_validation(tmp_path, extra, error):
    text = BASE + _materialise(tmp_path, extra)
    if error is None:
        parse_config(text)
    else:
        with pytest.raises(RemoteConfigError) as exc:
            parse_config(text)
        assert error in str(exc.value)


@pytest.mark.reference
@pytest.mark.parametrize("extra,error", CASES)
def test_validation_agrees_with_reference(tmp_path, extra, error):
    """The reference exits 6 exactly on the files we refuse."""
    conf = write_conf(tmp_path / "r.conf", BASE + _materialise(tmp_path, extra))
    proc = run_reference_client(conf, [])
    assert (proc.returncode == 6) == (error is not None), (extra, proc.returncode)


def test_the_shipped_default_file_is_refused_like_the_reference():
    # "remote_server = " has no value: the reference exits 6 on its own file
    path = "/etc/audit/audisp-remote.conf"
    if not os.path.exists(path):
        pytest.skip("no shipped audisp-remote.conf")
    with pytest.raises(RemoteConfigError, match="Wrong number of arguments for line"):
        load_config(path)


def test_file_checks(tmp_path):
    p = write_conf(tmp_path / "c.conf", BASE)
    assert load_config(p).remote_server == "127.0.0.1"
    os.chmod(p, 0o646)
    with pytest.raises(RemoteConfigError, match="world writable"):
        load_config(p)
    missing = load_config(str(tmp_path / "none.conf"))
    assert missing == RemoteConfig() and "doesn't exist" in missing.warnings[0]
    os.chmod(p, 0o640)
    os.symlink(p, tmp_path / "link.conf")   # followed, as the reference does
    assert load_config(str(tmp_path / "link.conf")).remote_server == "127.0.0.1"
    os.mkdir(tmp_path / "dir.conf")
    with pytest.raises(RemoteConfigError, match="not a regular file"):
        load_config(str(tmp_path / "dir.conf"))
