"""Log writing: line format, modes, rotation, keep_logs, size/space/error actions."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from audix.analysis.record import make_record, parse_record
from audix.daemon.config import (DaemonConfig, FlushMode, LogFormat,
                                 SizeAction, parse_config)
from audix.daemon.logwriter import LineFormatter, LogWriter

SAMPLE_ENRICHED = "/work/shared/corpus/sample-enriched.log"


class FakeActions:
    """Records every action instead of executing it."""

    def __init__(self):
        self.logged: list[tuple[int, str]] = []
        self.execs: list[str | None] = []
        self.runlevels: list[str] = []
        self.mails: list[tuple[str, str, str]] = []

    def log(self, priority, text):
        self.logged.append((priority, text))

    def exec_program(self, path):
        self.execs.append(path)

    def change_runlevel(self, level):
        self.runlevels.append(level)

    def sendmail(self, subject, content, account):
        self.mails.append((subject, content, account))

    def texts(self):
        return [t for _, t in self.logged]


def make_cfg(tmp_path, **kw) -> DaemonConfig:
    base = dict(log_file=str(tmp_path / "log" / "audit.log"), log_format=LogFormat.RAW,
                space_left=0, admin_space_left=0)
    base.update(kw)
    (tmp_path / "log").mkdir(exist_ok=True)
    return DaemonConfig(**base)


def lines_of(path) -> list[str]:
    data = open(path, "rb").read().decode("latin-1")
    assert data == "" or data.endswith("\n")
    return [x for x in data.split("\n") if x]


# --- line format -------------------------------------------------------------

def test_raw_line_equals_core_make_record():
    fmt = LineFormatter(LogFormat.RAW)
    for rtype, text in [(1300, "audit(1.002:3): arch=c000003e syscall=2"),
                        (1320, "audit(1.002:3): "),
                        (1309, "audit(1.002:3): argc=2 a0=\"x\"\na1=\"y\""),
                        (9999, "audit(1.002:3): x=1")]:
        line = fmt.format(rtype, text)
        assert line == make_record(rtype, text.replace("\n", " ").rstrip(" ")).line
    assert fmt.format(1320, "audit(1.002:3): ") == "type=EOE msg=audit(1.002:3):"
    assert fmt.format(9999, "audit(1.002:3): x=1").startswith("type=UNKNOWN[9999] ")


def test_node_prefix():
    fmt = LineFormatter(LogFormat.RAW, node="box1")
    assert fmt.format(1305, "audit(1.002:3): op=x") == "node=box1 type=CONFIG_CHANGE msg=audit(1.002:3): op=x"


def test_enriched_lines_match_reference_sample():
    if not os.path.exists(SAMPLE_ENRICHED):
        pytest.skip("reference sample log absent")
    fmt = LineFormatter(LogFormat.ENRICHED)
    data = open(SAMPLE_ENRICHED, "rb").read().decode("latin-1")
    count = 0
    for line in data.split("\n"):
        if not line:
            continue
        rec = parse_record(line)
        text = rec.raw_text[rec.raw_text.index("msg=") + 4:]
        assert fmt.format(rec.type, text) == line
        count += 1
    assert count > 100


# --- files -------------------------------------------------------------------

def test_creates_log_0600_and_appends(tmp_path):
    cfg = make_cfg(tmp_path)
    w = LogWriter(cfg, FakeActions())
    w.start()
    assert w.write_lines(["type=A msg=audit(1.000:1): x=1", "type=A msg=audit(1.000:2): x=2"]) == 2
    w.close()
    assert stat.S_IMODE(os.stat(cfg.log_file).st_mode) == 0o600
    assert lines_of(cfg.log_file) == ["type=A msg=audit(1.000:1): x=1", "type=A msg=audit(1.000:2): x=2"]
    w2 = LogWriter(cfg, FakeActions())
    w2.start()
    w2.write_lines(["type=A msg=audit(1.000:3): x=3"])
    w2.close()
    assert len(lines_of(cfg.log_file)) == 3


def test_log_group_gives_0640(tmp_path):
    cfg = make_cfg(tmp_path, log_group=4)
    w = LogWriter(cfg, FakeActions())
    w.start()
    w.close()
    st = os.stat(cfg.log_file)
    assert stat.S_IMODE(st.st_mode) == 0o640 and st.st_gid == 4
    assert stat.S_IMODE(os.stat(os.path.dirname(cfg.log_file)).st_mode) == 0o750


def _fill(w, n, size=200, start=0):
    pad = "x" * size
    return w.write_lines([f"type=USER msg=audit(1.000:{start + i}): {pad}" for i in range(n)])


def test_rotation_by_size_keeps_every_line(tmp_path):
    cfg = make_cfg(tmp_path, max_log_file=1, num_logs=3,
                   max_log_file_action=SizeAction.ROTATE)
    acts = FakeActions()
    w = LogWriter(cfg, acts)
    w.start()
    total = 0
    for k in range(30):  # ~3.3 MB in batches
        total += _fill(w, 500, start=k * 500)
    w.close()
    assert total == 15000
    files = [cfg.log_file, cfg.log_file + ".1", cfg.log_file + ".2"]
    assert not os.path.exists(cfg.log_file + ".3")
    assert "Audit daemon rotating log files" in acts.texts()
    for f in files[1:]:
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o400
        assert os.path.getsize(f) >= 1024 * 1024
    serials = [int(l.split(":")[1].split(")")[0]) for f in reversed(files) for l in lines_of(f)]
    assert serials == sorted(serials) and serials[-1] == 14999
    assert serials == list(range(serials[0], 15000))  # oldest dropped, nothing in between


def test_keep_logs_shifts_without_limit(tmp_path):
    cfg = make_cfg(tmp_path, max_log_file=1, num_logs=2,
                   max_log_file_action=SizeAction.KEEP_LOGS)
    w = LogWriter(cfg, FakeActions())
    w.start()
    for k in range(40):
        _fill(w, 500, start=k * 500)
    w.close()
    rotated = sorted(f for f in os.listdir(tmp_path / "log") if f != "audit.log")
    assert rotated == ["audit.log.1", "audit.log.2", "audit.log.3", "audit.log.4"]
    count = sum(len(lines_of(tmp_path / "log" / f)) for f in os.listdir(tmp_path / "log"))
    assert count == 20000


def test_rotate_now_and_num_logs_below_two(tmp_path):
    cfg = make_cfg(tmp_path, num_logs=0)
    acts = FakeActions()
    w = LogWriter(cfg, acts)
    w.start()
    _fill(w, 3)
    w.rotate_now()
    assert "Log rotation disabled (num_logs < 2), skipping" in acts.texts()
    w.cfg = cfg.copy(num_logs=4)
    w.rotate_now()
    _fill(w, 2)
    w.close()
    assert len(lines_of(cfg.log_file + ".1")) == 3 and len(lines_of(cfg.log_file)) == 2


def test_excess_logs_removed(tmp_path):
    cfg = make_cfg(tmp_path, num_logs=2, max_log_file=8, max_log_file_action=SizeAction.ROTATE)
    for i in (1, 2, 3):
        open(f"{cfg.log_file}.{i}", "w").close()
    acts = FakeActions()
    w = LogWriter(cfg, acts)
    w.start()
    w.close()
    assert os.path.exists(cfg.log_file + ".1")
    assert not os.path.exists(cfg.log_file + ".2") and not os.path.exists(cfg.log_file + ".3")


def test_size_suspend_and_resume(tmp_path):
    cfg = make_cfg(tmp_path, max_log_file=1, max_log_file_action=SizeAction.SUSPEND)
    acts = FakeActions()
    w = LogWriter(cfg, acts)
    w.start()
    written = _fill(w, 10000)
    assert written < 10000 and w.state.suspended
    assert "Audit daemon is suspending logging due to logfile size." in acts.texts()
    assert _fill(w, 10) == 0
    os.rename(cfg.log_file, cfg.log_file + ".old")
    w.resume()
    assert _fill(w, 10) == 10
    w.close()
    assert len(lines_of(cfg.log_file)) == 10


def test_incremental_flush_needs_freq():
    with pytest.raises(Exception, match="0 selected for freq"):
        parse_config("flush = incremental\nspace_left = 2\n", "/c")


def test_data_flush_opens_dsync(tmp_path):
    cfg = make_cfg(tmp_path, flush=FlushMode.DATA)
    w = LogWriter(cfg, FakeActions())
    w.start()
    flags = int(open(f"/proc/self/fdinfo/{w.fd}").read().split("flags:")[1].split()[0], 8)
    w.close()
    assert flags & os.O_DSYNC and flags & os.O_APPEND


def test_reconfigure_switches_log_file(tmp_path):
    cfg = make_cfg(tmp_path)
    w = LogWriter(cfg, FakeActions())
    w.start()
    _fill(w, 2)
    new = cfg.copy(log_file=str(tmp_path / "log" / "other.log"))
    w.reconfigure(new)
    _fill(w, 3)
    w.close()
    assert len(lines_of(cfg.log_file)) == 2 and len(lines_of(new.log_file)) == 3


# --- disk full on a small tmpfs ---------------------------------------------

@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k,mode=0700", "audix-test", str(mnt)],
                       capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount tmpfs: {r.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


@pytest.mark.parametrize("action", ["ignore", "syslog", "rotate", "exec", "suspend", "single", "halt"])
def test_disk_full_actions(small_fs, action, tmp_path):
    prog = tmp_path / "act.sh"
    prog.write_text("#!/bin/sh\n")
    os.chmod(prog, 0o750)
    opt = f" {prog}" if action == "exec" else ""
    cfg = parse_config(f"log_file = {small_fs}/audit.log\nlog_format = raw\nnum_logs = 2\n"
                       f"space_left = 1\nadmin_space_left = 0\n"
                       f"disk_full_action = {action}{opt}\n", "/c")
    acts = FakeActions()
    w = LogWriter(cfg, acts)
    w.start()
    for k in range(40):
        _fill(w, 100, start=k * 100)
    w.close()
    texts = acts.texts()
    assert "Audit daemon has no space left on logging partition" in texts
    assert "Audit daemon is low on disk space for logging" not in texts  # space_left_action ignore
    if action == "single":
        assert acts.runlevels and set(acts.runlevels) == {"1"}
    elif action == "halt":
        assert acts.runlevels and set(acts.runlevels) == {"0"}
    else:
        assert acts.runlevels == []
    if action == "exec":
        assert acts.execs == [str(prog)]
    if action in ("suspend", "exec"):
        assert w.state.suspended
    if action == "rotate":
        assert "Audit daemon rotating log files" in texts
    # never a half-written line
    for f in os.listdir(small_fs):
        data = open(small_fs / f, "rb").read()
        assert data == b"" or data.endswith(b"\n")
        for line in data.split(b"\n")[:-1]:
            parse_record(line.decode("latin-1"))


def test_space_left_actions_fire_once(small_fs):
    cfg = parse_config(f"log_file = {small_fs}/audit.log\nlog_format = raw\n"
                       "space_left = 1\nspace_left_action = email\n"
                       "admin_space_left = 0\ndisk_full_action = suspend\n", "/c")
    cfg.space_left = 1  # MB: the 600k file system starts below it
    acts = FakeActions()
    w = LogWriter(cfg, acts)
    w.start()
    _fill(w, 10)
    w.close()
    assert len(acts.mails) == 1 and acts.mails[0][0] == "Audit Disk Space Alert"


def _break_fd(w):
    """Swap the log descriptor for a read-only one: the next write fails (EBADF)."""
    os.close(w.fd)
    w.fd = os.open(w.cfg.log_file, os.O_RDONLY)


@pytest.mark.parametrize("action", ["ignore", "syslog", "suspend", "exec", "single", "halt"])
def test_disk_error_actions(tmp_path, action):
    prog = tmp_path / "act.sh"
    prog.write_text("#!/bin/sh\n")
    os.chmod(prog, 0o750)
    (tmp_path / "log").mkdir()
    opt = f" {prog}" if action == "exec" else ""
    cfg = parse_config(f"log_file = {tmp_path}/log/audit.log\nlog_format = raw\nspace_left = 1\n"
                       f"disk_error_action = {action}{opt}\n", "/c")
    acts = FakeActions()
    w = LogWriter(cfg, acts)
    w.start()
    _fill(w, 2)
    _break_fd(w)
    for k in range(8):
        _fill(w, 1, start=10 + k)
    w.close()
    errors = [t for t in acts.texts() if "detected an error writing an event to disk" in t]
    if action == "syslog":
        assert len(errors) == 5 and errors[0].startswith("write: ")
    else:
        assert errors == []
    if action in ("suspend", "exec"):
        assert w.state.suspended
    if action == "exec":
        assert acts.execs == [str(prog)]
    expected_levels = {"single": ["1"] * 8, "halt": ["0"] * 8}.get(action, [])
    assert acts.runlevels == expected_levels
    assert len(lines_of(cfg.log_file)) == 2


@pytest.mark.parametrize("action,message", [
    ("ignore", None), ("syslog", "Audit daemon log file is larger than max size")])
def test_size_action_ignore_and_syslog_keep_writing(tmp_path, action, message):
    cfg = make_cfg(tmp_path, max_log_file=1, max_log_file_action=SizeAction(action))
    acts = FakeActions()
    w = LogWriter(cfg, acts)
    w.start()
    for k in range(12):
        _fill(w, 500, start=k * 500)
    w.close()
    assert len(lines_of(cfg.log_file)) == 6000
    assert not os.path.exists(cfg.log_file + ".1")
    if message:
        assert message in acts.texts()
    else:
        assert acts.texts() == []


def test_incremental_flush_syncs_every_freq(tmp_path, monkeypatch):
    cfg = make_cfg(tmp_path, flush=FlushMode.INCREMENTAL, freq=10)
    w = LogWriter(cfg, FakeActions())
    w.start()
    calls = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real(fd)))
    for k in range(25):
        _fill(w, 1, start=k)
    monkeypatch.setattr(os, "fsync", real)
    w.close()
    assert len(calls) == 2


def test_enriched_fields_never_cut_when_room_runs_out():
    from audix.daemon.logwriter import FORMAT_BUF_LEN, MAX_AUDIT_MESSAGE_LENGTH, fit_enriched
    assert fit_enriched(["A=1", "B=22"], 100) == "A=1 B=22"
    # a field that does not fit is skipped; a later, shorter one still goes in
    assert fit_enriched(["X=" + "y" * 80, "B=2"], 60) == " B=2"
    assert fit_enriched(["A=1"], 24) == ""
    fmt = LineFormatter(LogFormat.ENRICHED)
    text = "audit(1.000:1): arch=c000003e syscall=2 x=" + "y" * 9000 + " uid=0"
    line = fmt.format(1300, text)
    raw, _, extra = line.partition("\x1d")
    assert len(raw) == MAX_AUDIT_MESSAGE_LENGTH - 33  # the reference's snprintf bound
    assert extra == "ARCH=x86_64 SYSCALL=open" and len(line) < FORMAT_BUF_LEN


# Lines written by the reference auditd (ENRICHED, name_format=user, name=aurepnode);
# uids mapped to 0/unset so the names do not depend on this machine's accounts.
REFERENCE_USER_RECORDS = [
    'node=aurepnode type=LOGIN msg=audit(1795614041.242:2045604): pid=14899 uid=0 old-auid=4294967295 auid=0 tty=(none) old-ses=4294967295 ses=6 res=1\x1dUID="root" OLD-AUID="unset" AUID="root"',
    'node=aurepnode type=ANOM_PROMISCUOUS msg=audit(1795614042.002:2045951): dev=lo prom=256 old_prom=0 auid=0 uid=0 gid=0 ses=6\x1dAUID="root" UID="root" GID="root"',
    'node=aurepnode type=OBJ_PID msg=audit(1795614042.014:2045955): opid=15108 oauid=0 ouid=0 oses=6 ocomm="bash"\x1dOAUID="root" OUID="root"',
    'node=aurepnode type=ANOM_ABEND msg=audit(1795614042.014:2045956): auid=0 uid=0 gid=0 ses=6 pid=15108 comm="bash" exe="/usr/bin/bash" sig=11 res=1\x1dAUID="root" UID="root" GID="root"',
    'node=aurepnode type=USER_LOGIN msg=audit(1795614042.662:2046194): pid=15110 uid=0 auid=0 ses=6 msg=\'op=login id=0 exe="/usr/sbin/sshd" hostname=10.1.2.3 addr=10.1.2.3 terminal=ssh res=success\'\x1dUID="root" AUID="root" ID="root"',
    'node=aurepnode type=USER_AVC msg=audit(1795614042.790:2046205): pid=15110 uid=0 auid=0 ses=6 msg=\'avc:  denied  { send_msg } for  scontext=system_u:system_r:foo_t:s0 tcontext=system_u:system_r:bar_t:s0 tclass=dbus permissive=0  exe="/usr/bin/dbus-daemon" sauid=4294967295 hostname=? addr=? terminal=?\'\x1dUID="root" AUID="root" SAUID="unset"',
    'node=aurepnode type=USER_AVC msg=audit(1795614042.802:2046206): pid=15110 uid=0 auid=0 ses=6 msg=\'avc:  granted  { status } for auid=0 uid=0 gid=0 path="/lib/systemd/system/x.service" cmdline="systemctl status x" scontext=unconfined_u:unconfined_r:unconfined_t:s0 tcontext=system_u:object_r:systemd_unit_file_t:s0 tclass=service exe="/usr/lib/systemd/systemd" sauid=0 hostname=? addr=? terminal=?\'\x1dUID="root" AUID="root" AUID="root" UID="root" GID="root" SAUID="root"',
    'node=aurepnode type=ANOM_LOGIN_FAILURES msg=audit(1795614042.810:2046207): pid=15110 uid=0 auid=0 ses=6 msg=\'pam_faillock uid=0 exe="/usr/sbin/sshd" hostname=? addr=10.9.9.9 terminal=ssh res=success\'\x1dUID="root" AUID="root" UID="root"',
    'node=aurepnode type=CRYPTO_KEY_USER msg=audit(1795614042.842:2046210): pid=15110 uid=0 auid=0 ses=6 msg=\'op=destroy kind=server fp=SHA256:7a:bb direction=? spid=55 suid=0  exe="/usr/sbin/sshd" hostname=? addr=? terminal=? res=success\'\x1dUID="root" AUID="root" SUID="root"',
    'node=aurepnode type=USER_MAC_POLICY_LOAD msg=audit(1795614042.898:2046215): pid=15110 uid=0 auid=0 ses=6 msg=\'op=load-policy kind=selinux auid=0 exe="/usr/sbin/load_policy" hostname=? addr=? terminal=? res=success\'\x1dUID="root" AUID="root" AUID="root"',
]


def test_enriched_user_space_records_match_reference():
    fmt = LineFormatter(LogFormat.ENRICHED, node="aurepnode")
    for line in REFERENCE_USER_RECORDS:
        rec = parse_record(line)
        text = rec.raw_text[rec.raw_text.index("msg=") + 4:]
        assert fmt.format(rec.type, text) == line


def test_percent_thresholds_on_tmpfs(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "mnt8"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "audix-test", str(mnt)],
                       capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount tmpfs: {r.stderr.decode().strip()}")
    try:
        cfg = parse_config(f"log_file = {mnt}/audit.log\nlog_format = raw\n"
                           "space_left = 60%\nspace_left_action = syslog\n"
                           "admin_space_left = 40%\nadmin_space_left_action = single\n", "/c")
        acts = FakeActions()
        w = LogWriter(cfg, acts)
        w.start()
        assert (w.cfg.space_left, w.cfg.admin_space_left) == (4, 3)  # MB of 8 MB
        assert acts.texts() == [] and acts.runlevels == []
        for k in range(25):  # ~5.7 MB: below 4 MB free, then below 3 MB
            _fill(w, 1000, start=k * 1000)
        w.close()
        assert acts.texts().count("Audit daemon is low on disk space for logging") == 1
        assert "The audit daemon is now changing the system to single user mode" in acts.texts()
        assert acts.runlevels == ["1"]
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def _datagram(rtype: int, text: str) -> bytes:
    import struct
    payload = text.encode("latin-1")
    return struct.pack("=IHHII", 16 + len(payload), rtype, 0, 0, 0) + payload


@pytest.mark.parametrize("log_format", [LogFormat.RAW, LogFormat.ENRICHED])
def test_datagram_fast_path_equals_line_formatting(log_format):
    if not os.path.exists(SAMPLE_ENRICHED):
        pytest.skip("reference sample log absent")
    lines = [x for x in open(SAMPLE_ENRICHED, "rb").read().decode("latin-1").split("\n") if x]
    lines += REFERENCE_USER_RECORDS
    grams, expected = [], []
    slow = LineFormatter(log_format, node="n1")
    for line in lines:
        rec = parse_record(line)
        text = rec.raw_text[rec.raw_text.index("msg=") + 4:]
        grams.append(_datagram(rec.type, text))
        if not rec.type_name.startswith("DAEMON_"):
            expected.append(slow.format(rec.type, text))
    # odd ones: EOE (not logged), a body with a newline and a trailing space
    grams.append(_datagram(1320, "audit(1.000:9): "))
    grams.append(_datagram(1300, "audit(1.000:9): arch=c000003e syscall=2\nuid=0 "))
    expected.append(slow.format(1300, "audit(1.000:9): arch=c000003e syscall=2\nuid=0 "))
    fast = LineFormatter(log_format, node="n1")
    blob, count = fast.format_datagrams(grams)
    assert count == len(expected)
    assert blob.decode("latin-1") == "\n".join(expected) + "\n"


def test_quote_inside_a_value_is_not_a_field():
    fmt = LineFormatter(LogFormat.ENRICHED)
    text = "audit(1.000:1): pid=1 uid=0 auid=0 ses=1 msg='op=x comm=\"a'uid=5\" res=success'"
    assert fmt.format(1100, text).endswith('\x1dUID="root" AUID="root"')
    blob, n = fmt.format_datagrams([_datagram(1100, text)])
    assert blob.decode("latin-1").endswith('\x1dUID="root" AUID="root"\n') and n == 1
