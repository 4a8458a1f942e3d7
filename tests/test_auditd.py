"""auditd on the real kernel (serialised by the ``kernel`` fixture), plus the
pure parts of its command line and daemon records."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time

import pytest

from audix.analysis.record import parse_record
from audix.daemon import auditd_records as R
from audix.daemon.cli import auditd as cli
from auditd_helpers import (LAUNCH, REF_AUDITD, Daemon, auditctl, start_daemon, wait_for,
                            watched_file, watching, write_conf)
from auditd_helpers import audit_on  # noqa: F401  (a fixture)

REF_AUSEARCH = "/usr/sbin/ausearch"
REF_AUREPORT = "/usr/sbin/aureport"


# --- pure ---------------------------------------------------------------------

def test_usage_and_exit_codes():
    err = io.StringIO()
    assert cli.main(["-x"], cli.Environment(stderr=err, use_syslog=False)) == cli.EXIT_USAGE
    assert "Usage: auditd [-f] [-l] [-n] [-s disable|enable|nochange]" in err.getvalue()
    err = io.StringIO()
    assert cli.main(["-s", "bogus"], cli.Environment(stderr=err)) == cli.EXIT_USAGE
    assert "unknown startup mode 'bogus'" in err.getvalue()
    assert cli.main(["extra"], cli.Environment(stderr=io.StringIO())) == cli.EXIT_USAGE


def test_startup_state_prefixes():
    assert cli.parse_args(["-s", "n"], io.StringIO()).startup == "nochange"
    assert cli.parse_args(["--enable_state=dis"], io.StringIO()).startup == "disable"
    a = cli.parse_args(["-fl", "-cdir"], io.StringIO())
    assert a.foreground and a.allow_links and a.config_dir == "dir"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (exit 4 otherwise)")
def test_config_error_exits_6(tmp_path):
    (tmp_path / "auditd.conf").write_text("space_left = 1\nadmin_space_left = 5\n")
    os.chmod(tmp_path / "auditd.conf", 0o640)
    err = io.StringIO()
    rc = cli.main(["-f", "-c", str(tmp_path)], cli.Environment(stderr=err, use_syslog=False))
    assert rc == cli.EXIT_CONFIG
    assert "Error - space_left(1) must be larger than admin_space_left(5)" in err.getvalue()


def test_daemon_record_texts():
    me = R.SelfInfo(pid=10, uid=0, auid=R.UNSET, ses=R.UNSET, subj=None, kernel="6.1.0")
    assert R.start_text(me, "raw") == ("op=start ver=3.0.9 format=raw kernel=6.1.0 "
                                       "auid=4294967295 pid=10 uid=0 ses=4294967295 res=success")
    assert R.abort_text(me, "set-pid") == ("op=set-pid auid=4294967295 pid=10 uid=0 "
                                           "ses=4294967295 res=failed")
    gone = R.Sender(auid=0, pid=999999999)
    assert R.signal_text("terminate", gone, "success") == (
        "op=terminate auid=0 uid=4294967295 ses=4294967295 pid=999999999 res=success")
    assert R.reconfig_text(R.Sender(0, 5)) == (
        "op=reconfigure state=changed auid=0 pid=5 subj=? res=success")
    s = R.DaemonSerials()
    first = s.next()
    assert 0 <= first < 10000 and s.next() == first + 1
    assert R.stamp(7, 1700000000.0421) == "audit(1700000000.042:7)"


# --- kernel -------------------------------------------------------------------

def log_lines(log_dir):
    names = sorted((f for f in os.listdir(log_dir) if f.startswith("audit.log")),
                   key=lambda f: -int(f.rsplit(".", 1)[1]) if f[-1].isdigit() else 0)
    out = []
    for f in names:
        data = open(os.path.join(log_dir, f), "rb").read().decode("latin-1")
        assert data == "" or data.endswith("\n"), f"{f} ends with a partial line"
        out.extend(x for x in data.split("\n") if x)
    return out


def do_opens(path, n):
    for _ in range(n):
        fd = os.open(path, os.O_RDONLY)
        os.close(fd)




@pytest.mark.kernel
def test_daemon_lifecycle_signals_and_refusal(audit_on, tmp_path):
    conf, logd = tmp_path / "conf", tmp_path / "log"
    write_conf(conf, logd)
    target = watched_file(tmp_path)
    d = start_daemon(tmp_path, conf, audit_on)
    try:
        assert open(d.pid_file).read() == f"{d.proc.pid}\n"
        # a second daemon is refused with a clear line, and leaves the first alone
        second = Daemon(tmp_path, conf, name="second")
        assert second.proc.wait(30) == 1
        assert "registered" in second.stderr()
        assert audit_on.get_status().pid == d.proc.pid
        with watching(target, "h7life"):
            do_opens(str(target), 5)
            d.signal(signal.SIGUSR1)
            time.sleep(0.5)
            d.signal(signal.SIGCONT)
            time.sleep(0.5)
            assert "plugin queue size = 20000" in open(d.state_file).read()
            do_opens(str(target), 3)
    finally:
        rc = d.stop()
    assert rc == 0
    assert audit_on.get_status().pid == 0
    assert not os.path.exists(d.pid_file)
    rotated = (logd / "audit.log.1").read_bytes().decode("latin-1").split("\n")
    current = (logd / "audit.log").read_bytes().decode("latin-1").split("\n")
    assert rotated[0].startswith("type=DAEMON_START ")
    assert current[0].startswith("type=DAEMON_ROTATE ") and "op=rotate-logs" in current[0]
    assert f"pid={os.getpid()}" in current[0]
    assert current[-2].startswith("type=DAEMON_END ") and "op=terminate" in current[-2]
    lines = log_lines(logd)
    keyed = [l for l in lines if 'key="h7life"' in l and l.startswith("type=SYSCALL")]
    assert len(keyed) == 8
    # the reference ausearch reads our log the same way
    if os.path.exists(REF_AUSEARCH):
        out = subprocess.run([REF_AUSEARCH, "-if", str(logd / "audit.log.1"), "-k", "h7life",
                              "--raw"], capture_output=True)
        got = [l for l in out.stdout.decode("latin-1").split("\n") if l]
        ours = log_lines_file(logd / "audit.log.1")
        ids = {parse_record(l).event_id for l in ours if 'key="h7life"' in l}
        assert got == [l for l in ours if parse_record(l).event_id in ids]


def log_lines_file(path):
    return [x for x in open(path, "rb").read().decode("latin-1").split("\n") if x]


@pytest.mark.kernel
def test_sighup_changes_format(audit_on, tmp_path):
    conf, logd = tmp_path / "conf", tmp_path / "log"
    write_conf(conf, logd)
    target = watched_file(tmp_path)
    d = start_daemon(tmp_path, conf, audit_on)
    try:
        with watching(target, "h7hup"):
            do_opens(str(target), 2)
            # a bad configuration is refused: no DAEMON_CONFIG, the daemon goes on
            write_conf(conf, logd, log_format="BOGUS")
            d.signal(signal.SIGHUP)
            time.sleep(1)
            assert d.proc.poll() is None
            assert b"DAEMON_CONFIG" not in (logd / "audit.log").read_bytes()
            write_conf(conf, logd, log_format="ENRICHED")
            d.signal(signal.SIGHUP)
            wait_for(lambda: b"DAEMON_CONFIG" in (logd / "audit.log").read_bytes())
            do_opens(str(target), 2)
    finally:
        assert d.stop() == 0
    lines = log_lines(logd)
    cfg_at = next(i for i, l in enumerate(lines) if l.startswith("type=DAEMON_CONFIG "))
    assert "op=reconfigure state=changed" in lines[cfg_at]
    before = [l for l in lines[:cfg_at] if 'key="h7hup"' in l]
    after = [l for l in lines[cfg_at + 1:] if 'key="h7hup"' in l and l.startswith("type=SYSCALL")]
    assert before and all("\x1d" not in l for l in before)
    assert len(after) == 2 and all("\x1dARCH=x86_64 SYSCALL=openat" in l for l in after)


@pytest.mark.kernel
def test_rotation_under_load_loses_nothing(audit_on, tmp_path):
    conf, logd = tmp_path / "conf", tmp_path / "log"
    write_conf(conf, logd, max_log_file="1", num_logs="50")
    target = watched_file(tmp_path)
    first, step, signals = 2500, 500, 6
    n = first + step * signals
    d = start_daemon(tmp_path, conf, audit_on)
    try:
        lost0 = audit_on.get_status().lost

        def rotations():
            return sum(open(logd / f, "rb").read().count(b"type=DAEMON_ROTATE ")
                       for f in os.listdir(logd))
        with watching(target, "h7rot"):
            do_opens(str(target), first)  # ~2 MB: rotations by size
            for k in range(signals):
                do_opens(str(target), step)
                d.signal(signal.SIGUSR1)  # extra rotations in the middle of the load
                # signals of one kind coalesce: let each one be seen before the next
                assert wait_for(lambda: rotations() == k + 1, 20)
        lost1 = audit_on.get_status().lost
    finally:
        assert d.stop() == 0
    assert lost1 == lost0
    lines = log_lines(logd)
    for line in lines:
        parse_record(line)
    keyed = [l for l in lines if l.startswith("type=SYSCALL") and 'key="h7rot"' in l]
    assert len(keyed) == n
    rotated = [f for f in os.listdir(logd) if f.startswith("audit.log.")]
    firsts = [open(logd / f, "rb").readline() for f in rotated + ["audit.log"]]
    by_signal = sum(1 for x in firsts if x.startswith(b"type=DAEMON_ROTATE "))
    assert by_signal == signals
    assert len(rotated) - by_signal >= 1  # and at least one rotation by size
    assert sum(1 for l in lines if l.startswith("type=DAEMON_ROTATE ")) == signals


@pytest.mark.kernel
def test_sigkill_then_restart_appends_cleanly(audit_on, tmp_path):
    conf, logd = tmp_path / "conf", tmp_path / "log"
    write_conf(conf, logd)
    target = watched_file(tmp_path)
    d = start_daemon(tmp_path, conf, audit_on)
    try:
        auditctl("-w", str(target), "-p", "r", "-k", "h7kill")
        do_opens(str(target), 200)
        time.sleep(0.3)
        d.proc.kill()
        d.proc.wait()
        do_opens(str(target), 10)
        d2 = start_daemon(tmp_path, conf, audit_on, name="d2")
        try:
            do_opens(str(target), 10)
            auditctl("-W", str(target), "-p", "r", "-k", "h7kill")  # logged by d2
        finally:
            assert d2.stop() == 0
    finally:
        d.stop()
    data = (logd / "audit.log").read_bytes().decode("latin-1")
    assert data.endswith("\n")
    lines = log_lines(logd)
    for line in lines:
        parse_record(line)
    assert sum(1 for l in lines if l.startswith("type=DAEMON_START ")) == 2
    assert lines[-1].startswith("type=DAEMON_END ")
    starts = [i for i, l in enumerate(lines) if l.startswith("type=DAEMON_START ")]
    keyed_after = [l for l in lines[starts[1]:] if 'key="h7kill"' in l and "SYSCALL" in l[:13]]
    assert len(keyed_after) >= 10


# --- the same workload under the reference daemon and under ours ---------------

WORKLOAD = r"""
import os, sys
d = sys.argv[1]
for i in range(7):
    fd = os.open(d + "/watched", os.O_RDONLY); os.close(fd)
for i in range(3):
    with open(d + "/watched", "a") as f:
        f.write("x")
os.mkdir(d + "/sub"); os.rmdir(d + "/sub")
try:
    os.open(d + "/missing", os.O_RDONLY)
except FileNotFoundError:
    pass
"""

VOLATILE = {"pid", "ppid", "ses", "a0", "a1", "a2", "a3", "exit", "inode", "dev", "msg",
            "item", "items", "tty", "proctitle", "cap_fp", "cap_fi", "cap_fe", "cap_fver",
            "cap_frootid", "mode", "ouid", "ogid", "rdev"}


def normalized_events(out: str) -> list[tuple]:
    """ausearch -i output -> per event, its records' stable fields."""
    events = []
    for block in out.split("----\n"):
        recs = []
        for line in block.split("\n"):
            if not line.startswith("type="):
                continue
            head, _, body = line.partition(" : ")
            kept = tuple(tok for tok in body.split(" ")
                         if "=" in tok and tok.split("=", 1)[0] not in VOLATILE)
            recs.append((head.split(" ", 1)[0], kept))
        if recs:
            events.append(tuple(recs))
    return events


def run_workload_under(daemon_cmd, nl, tmp_path, name, log_format):
    """WORKLOAD under ``daemon_cmd`` (None: our auditd); its log and work directory."""
    conf, logd = tmp_path / f"{name}-conf", tmp_path / f"{name}-log"
    write_conf(conf, logd, log_format=log_format)
    work = tmp_path / f"{name}-work"
    work.mkdir()
    watched_file(work)
    d = start_daemon(tmp_path, conf, nl, name, cmd=daemon_cmd)
    try:
        auditctl("-w", str(work / "watched"), "-p", "rwa", "-k", "h7cmp_file")
        auditctl("-a", "always,exit", "-F", "arch=b64", "-S", "mkdir,rmdir", "-F",
                 f"dir={work}", "-k", "h7cmp_dir")
        auditctl("-a", "always,exit", "-F", "arch=b64", "-S", "openat", "-F", "success=0",
                 "-F", f"dir={work}", "-k", "h7cmp_fail")
        subprocess.run([sys.executable, "-c", WORKLOAD, str(work)], check=True)
        auditctl("-W", str(work / "watched"), "-p", "rwa", "-k", "h7cmp_file")
        auditctl("-d", "always,exit", "-F", "arch=b64", "-S", "mkdir,rmdir", "-F",
                 f"dir={work}", "-k", "h7cmp_dir")
        auditctl("-d", "always,exit", "-F", "arch=b64", "-S", "openat", "-F", "success=0",
                 "-F", f"dir={work}", "-k", "h7cmp_fail")
        time.sleep(0.3)
    finally:
        assert d.stop() == 0, d.stderr()
    return logd / "audit.log", work


@pytest.mark.kernel
@pytest.mark.reference
@pytest.mark.skipif(not (os.path.exists(REF_AUDITD) and os.path.exists(REF_AUSEARCH)),
                    reason="reference auditd/ausearch not installed")
@pytest.mark.parametrize("log_format", ["RAW", "ENRICHED"])
def test_reference_tools_agree_on_both_daemons_logs(audit_on, tmp_path, log_format):
    ref_log, ref_work = run_workload_under([REF_AUDITD], audit_on, tmp_path, "ref", log_format)
    our_log, our_work = run_workload_under(None, audit_on, tmp_path, "ours", log_format)
    env = dict(os.environ, TZ="UTC", LC_ALL="C")

    def tool(cmd, log, work):
        out = subprocess.run(cmd + ["-if", str(log)], capture_output=True, env=env)
        text = out.stdout.decode("latin-1")
        return out.returncode, text.replace(str(work), "WORK")

    for key in ("h7cmp_file", "h7cmp_dir", "h7cmp_fail"):
        ref = tool([REF_AUSEARCH, "-k", key, "-i"], ref_log, ref_work)
        ours = tool([REF_AUSEARCH, "-k", key, "-i"], our_log, our_work)
        assert ref[0] == ours[0] == 0
        assert normalized_events(ref[1]), f"no {key} events under the reference daemon"
        assert normalized_events(ours[1]) == normalized_events(ref[1])
    if log_format == "ENRICHED":
        # the interpreted part of every record of those events is the reference's
        def enriched(log, work):
            out = tool([REF_AUSEARCH, "-k", "h7cmp_file", "-k", "h7cmp_dir", "-k", "h7cmp_fail",
                        "--raw"], log, work)[1]
            return [(parse_record(l).type_name, parse_record(l).enriched)
                    for l in out.split("\n") if l]
        ref_e = enriched(ref_log, ref_work)
        assert any(e for _, e in ref_e)
        assert enriched(our_log, our_work) == ref_e
    ref = tool([REF_AUREPORT, "-k", "--summary"], ref_log, ref_work)[1]
    ours = tool([REF_AUREPORT, "-k", "--summary"], our_log, our_work)[1]
    pick = lambda t: sorted(l for l in t.split("\n") if "h7cmp_" in l)
    assert pick(ours) == pick(ref) and len(pick(ref)) == 3
    # every line of our log is one the reference tools parse, in the same form
    for line in our_log.read_bytes().decode("latin-1").split("\n"):
        if line:
            assert ("\x1d" in line) == (log_format == "ENRICHED" and any(
                f in line for f in (" uid=", " auid=", " arch=", " saddr=", " ouid=")))


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k,mode=0700", "audix-test",
                        str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount tmpfs: {r.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


@pytest.mark.kernel
def test_disk_full_suspends_then_usr2_resumes(audit_on, tmp_path, small_fs):
    conf = tmp_path / "conf"
    write_conf(conf, small_fs, space_left="1", admin_space_left="0",
               disk_full_action="SUSPEND", num_logs="0")
    target = watched_file(tmp_path)
    d = start_daemon(tmp_path, conf, audit_on)
    try:
        auditctl("-w", str(target), "-p", "r", "-k", "h7full")
        do_opens(str(target), 4000)
        d.signal(signal.SIGCONT)
        assert wait_for(lambda: os.path.exists(d.state_file)
                        and "logging suspended = yes" in open(d.state_file).read())
        full_size = os.path.getsize(small_fs / "audit.log")
        do_opens(str(target), 50)
        time.sleep(0.5)
        assert os.path.getsize(small_fs / "audit.log") == full_size  # suspended: no writes
        os.unlink(small_fs / "audit.log")  # the administrator makes room
        d.signal(signal.SIGUSR2)
        assert wait_for(lambda: (small_fs / "audit.log").exists()
                        and b"DAEMON_RESUME" in (small_fs / "audit.log").read_bytes())
        do_opens(str(target), 5)
        auditctl("-W", str(target), "-p", "r", "-k", "h7full")
    finally:
        assert d.stop() == 0
    lines = log_lines(small_fs)
    assert lines[0].startswith("type=DAEMON_RESUME ") and "op=resume-logging" in lines[0]
    assert lines[-1].startswith("type=DAEMON_END ")
    assert len([l for l in lines if 'key="h7full"' in l and l.startswith("type=SYSCALL")]) == 5


# --- the daemon against a fake kernel ----------------------------------------------

class FakeStatus:
    def __init__(self, pid=0, enabled=1):
        self.pid, self.enabled, self.lost = pid, enabled, 0


class FakeNetlink:
    """Enough of AuditNetlink for start-up paths (no records)."""

    registered_pid = 0
    refuse_with = None

    def __init__(self):
        self.enabled_set = []

    def get_status(self):
        return FakeStatus(FakeNetlink.registered_pid)

    def set_status(self, **kw):
        assert kw.get("enabled") != 2
        self.enabled_set.append(kw)

    def register_daemon(self, pid=None):
        if FakeNetlink.refuse_with:
            from audix.daemon.errors import AuditError
            raise AuditError(FakeNetlink.refuse_with, "set status")

    def unregister_daemon(self):
        pass

    def read_available(self, limit=None):
        return []

    def close(self):
        pass


def _fake_daemon(tmp_path, monkeypatch, registered_pid=0, refuse_with=None):
    from audix.daemon.auditd_daemon import AuditDaemon, DaemonOptions
    from audix.daemon.config import DaemonConfig, LogFormat
    monkeypatch.setattr(FakeNetlink, "registered_pid", registered_pid)
    monkeypatch.setattr(FakeNetlink, "refuse_with", refuse_with)
    (tmp_path / "log").mkdir()
    cfg = DaemonConfig(log_file=str(tmp_path / "log" / "audit.log"), log_format=LogFormat.RAW,
                       priority_boost=0)
    logged = []

    class Acts:
        def log(self, level, text):
            logged.append(text)

    opts = DaemonOptions(pid_file=str(tmp_path / "pid"), state_file=str(tmp_path / "state"),
                         startup="nochange")
    return AuditDaemon(cfg, opts, Acts(), FakeNetlink), cfg, logged


def test_refuses_before_writing_when_a_live_daemon_is_registered(tmp_path, monkeypatch):
    from audix.daemon.auditd_daemon import StartupError
    d, cfg, _ = _fake_daemon(tmp_path, monkeypatch, registered_pid=os.getppid())
    with pytest.raises(StartupError, match=f"pid {os.getppid()}"):
        d.start()
    assert not os.path.exists(cfg.log_file)


def test_registration_refused_by_kernel_writes_daemon_abort(tmp_path, monkeypatch):
    import errno as errno_mod
    from audix.daemon.auditd_daemon import StartupError
    d, cfg, _ = _fake_daemon(tmp_path, monkeypatch, refuse_with=errno_mod.EEXIST)
    with pytest.raises(StartupError, match="Unable to set audit pid"):
        d.start()
    lines = open(cfg.log_file).read().split("\n")
    assert lines[0].startswith("type=DAEMON_START ") and "format=raw" in lines[0]
    assert lines[1].startswith("type=DAEMON_ABORT ") and "op=set-pid" in lines[1]
    assert lines[1].endswith(" res=failed")
    assert not os.path.exists(tmp_path / "pid")


@pytest.mark.kernel
def test_foreground_writes_records_to_stdout_and_no_log(audit_on, tmp_path):
    conf, logd = tmp_path / "conf", tmp_path / "log"
    write_conf(conf, logd)
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(tmp_path / "f.pid"), str(tmp_path / "f.state"),
         "-f", "-s", "nochange", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: audit_on.get_status().pid == proc.pid, 15)
        audit_on.send_user_message("h7 foreground test")
        time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    lines = [l for l in out.decode("latin-1").split("\n") if l]
    assert lines[0].startswith("type=DAEMON_START ") and lines[-1].startswith("type=DAEMON_END ")
    assert any(l.startswith("type=USER ") and "h7 foreground test" in l for l in lines)
    assert not (logd / "audit.log").exists()
    assert b"Config file " in err and b"opened for parsing" in err


# --- remote clients (tcp_listen_port), without the kernel ------------------------

LAUNCH_FAKE_KERNEL = (
    "import sys\n"
    "from audix.daemon.cli.auditd import main, Environment\n"
    "class Status:\n"
    "    pid = 0; enabled = 1; lost = 0\n"
    "class NoKernel:\n"
    "    def get_status(self): return Status()\n"
    "    def signal_info(self):\n"
    "        import os\n"
    "        from audix.daemon.netlink import SignalInfo\n"
    "        return SignalInfo(0, os.getppid(), '')\n"
    "    def close(self): pass\n"
    "sys.exit(main(sys.argv[3:], Environment(pid_file=sys.argv[1], state_file=sys.argv[2],"
    " use_syslog=False, netlink_factory=NoKernel)))\n"
)


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_remote_client_records_are_written_and_acked(tmp_path):
    import socket
    import struct
    from audix.daemon.remote.protocol import MessageType, encode_record
    port = _free_port()
    conf, logd = tmp_path / "conf", tmp_path / "log"
    write_conf(conf, logd, local_events="no", tcp_listen_port=str(port))
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH_FAKE_KERNEL, str(tmp_path / "r.pid"),
                             str(tmp_path / "r.state"), "-n", "-c", str(conf)],
                            stderr=subprocess.PIPE)
    line = "node=remote1 type=USER msg=audit(1700000000.123:77): pid=1 uid=0 msg='hello there'"
    try:
        sock = None
        deadline = time.monotonic() + 15
        while sock is None:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=2)
            except OSError:
                assert time.monotonic() < deadline, "listener did not come up"
                time.sleep(0.1)
        with sock:
            sock.sendall(encode_record(7, line))
            reply = b""
            while len(reply) < 16:
                chunk = sock.recv(16 - len(reply))
                assert chunk, "connection closed before the ACK"
                reply += chunk
            magic, _hv, _mv, rtype, length, seq = struct.unpack("<IBBIHI", reply)
            assert (rtype, seq) == (MessageType.ACK, 7)
        time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    lines = log_lines(logd)
    assert lines[0].startswith("type=DAEMON_START ")
    assert line in lines
    assert any(l.startswith("type=DAEMON_ACCEPT ") for l in lines)
    assert lines[-1].startswith("type=DAEMON_END ")
    assert lines.index(line) < len(lines) - 1


LAUNCH_WITH_DISPATCHER = LAUNCH_FAKE_KERNEL.replace(
    "sys.exit(main(",
    "class Recorder:\n"
    "    def __init__(self, cfg, log, actions):\n"
    "        self.out = open(sys.argv[2] + '.dispatched', 'w')\n"
    "    def dispatch(self, records):\n"
    "        for t, text, line in records: self.out.write(f'{t}|{text}|{line}\\n')\n"
    "        self.out.flush()\n"
    "    def reconfigure(self, cfg): self.out.write('reconfigure\\n')\n"
    "    def stop(self): self.out.write('stop\\n'); self.out.close()\n"
    "sys.exit(main(").replace("netlink_factory=NoKernel)", "netlink_factory=NoKernel, "
                              "dispatcher_factory=Recorder)")


def test_dispatcher_gets_daemon_and_network_records(tmp_path):
    import socket
    from audix.daemon.remote.protocol import encode_record
    port = _free_port()
    conf, logd = tmp_path / "conf", tmp_path / "log"
    write_conf(conf, logd, local_events="no", tcp_listen_port=str(port),
               distribute_network="yes", log_format="ENRICHED")
    state = tmp_path / "r.state"
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH_WITH_DISPATCHER, str(tmp_path / "r.pid"),
                             str(state), "-n", "-c", str(conf)], stderr=subprocess.PIPE)
    line = "node=h2 type=USER msg=audit(1700000000.123:78): pid=1 uid=0 msg='x'"
    try:
        deadline = time.monotonic() + 15
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        with sock:
            sock.sendall(encode_record(1, line))
            assert len(sock.recv(16)) == 16
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    got = open(str(state) + ".dispatched").read().split("\n")
    assert got[0].startswith("1200|audit(") and "|type=DAEMON_START " in got[0]
    assert "\x1dAUID=" in got[0]  # the line as logged (ENRICHED)
    assert f"1005|None|{line}" in got
    assert "reconfigure" in got and got[-2] == "stop"
    assert got[-3].startswith("1201|audit(")  # DAEMON_END, then stop
    assert not any(x.startswith("1203|") for x in got)  # DAEMON_CONFIG is not dispatched


class RecordingDispatcher:
    """A dispatcher for the daemon's side of the interface: it keeps what it gets."""

    needs_lines = True

    def __init__(self, cfg, log, actions):
        self.actions = actions
        self.seen = []

    def dispatch(self, records):
        self.seen.extend(records)

    def reconfigure(self, cfg):
        pass

    def state_lines(self):
        return ["Number of active plugins = 1", "plugin fake.conf (/bin/fake) running",
                "plugin records dropped = 0"]

    def stop(self):
        self.seen.append("stop")


class ActionsStub:
    def log(self, level, text):
        pass


@contextlib.contextmanager
def _dispatching_daemon(tmp_path, monkeypatch, factory, log_format="RAW"):
    """A started daemon on a fake kernel with ``factory``'s dispatcher; closed after."""
    from audix.daemon.auditd_daemon import AuditDaemon, DaemonOptions
    from audix.daemon.config import DaemonConfig, LogFormat
    monkeypatch.setattr(FakeNetlink, "registered_pid", 0)
    monkeypatch.setattr(FakeNetlink, "refuse_with", None)
    (tmp_path / "log").mkdir()
    cfg = DaemonConfig(log_file=str(tmp_path / "log" / "audit.log"),
                       log_format=LogFormat[log_format], priority_boost=0)
    opts = DaemonOptions(pid_file=None, state_file=str(tmp_path / "state"), startup="nochange")
    d = AuditDaemon(cfg, opts, ActionsStub(), FakeNetlink, factory)
    d.start()
    try:
        yield d
    finally:
        d.writer.close()
        d.close_sockets()


def _gram(t, text):
    import struct
    body = text.encode()
    return struct.pack("=IHHII", 16 + len(body), t, 0, 0, 0) + body


KERNEL_BATCH = [_gram(1300, "audit(5.000:9): arch=c000003e syscall=2"),
                _gram(1320, "audit(5.000:9): ")]


def test_kernel_batches_reach_the_dispatcher_with_eoe(tmp_path, monkeypatch):
    with _dispatching_daemon(tmp_path, monkeypatch, RecordingDispatcher) as d:
        seen = d.dispatcher.seen
        d._handle(KERNEL_BATCH)
    assert [t for t, _, _ in seen[:1]] == [1200]  # DAEMON_START
    assert seen[1] == (1300, "audit(5.000:9): arch=c000003e syscall=2",
                       "type=SYSCALL msg=audit(5.000:9): arch=c000003e syscall=2")
    assert seen[2] == (1320, "audit(5.000:9): ", "type=EOE msg=audit(5.000:9):")
    assert seen[-1] == "stop"
    log = open(d.cfg.log_file).read()
    assert "type=SYSCALL" in log and "type=EOE" not in log


def test_dispatcher_factory_gets_the_daemons_actions(tmp_path, monkeypatch):
    with _dispatching_daemon(tmp_path, monkeypatch, RecordingDispatcher) as d:
        assert d.dispatcher.actions is d.actions


def test_no_lines_formatted_for_a_dispatcher_that_does_not_need_them(tmp_path, monkeypatch):
    class TextOnly(RecordingDispatcher):
        needs_lines = False
    with _dispatching_daemon(tmp_path, monkeypatch, TextOnly) as d:
        seen = d.dispatcher.seen
        d._handle(KERNEL_BATCH)
        d._handle(d.daemon_record(1305, "op=test"))
    assert seen[0][0] == 1200  # DAEMON_START (its line is written anyway)
    assert seen[1:3] == [(1300, "audit(5.000:9): arch=c000003e syscall=2", None),
                         (1320, "audit(5.000:9): ", None)]
    assert seen[3][0] == 1305 and seen[3][1].endswith("): op=test") and seen[3][2] is None
    log = open(d.cfg.log_file).read()  # the log itself is still written
    assert "type=SYSCALL msg=audit(5.000:9): arch=c000003e syscall=2\n" in log


@pytest.mark.parametrize("log_format, lines", [("RAW", False), ("ENRICHED", True)])
def test_real_dispatcher_asks_for_lines_only_when_enriched(tmp_path, monkeypatch, log_format,
                                                          lines):
    from audix.daemon.auditd_daemon import default_dispatcher_factory

    def factory(cfg, log, actions):
        (tmp_path / "plugins.d").mkdir()
        cfg.plugin_dir = str(tmp_path / "plugins.d")  # no plugin of this machine
        return default_dispatcher_factory(cfg, log, actions=actions)
    with _dispatching_daemon(tmp_path, monkeypatch, factory, log_format) as d:
        assert d.dispatcher.actions is d.actions
        assert (d._line_formatter() is not None) is lines


def _state_report(tmp_path, monkeypatch, factory):
    """The SIGCONT state file's lines (the writer thread runs for the barrier)."""
    import threading
    with _dispatching_daemon(tmp_path, monkeypatch, factory) as d:
        writer = threading.Thread(target=d._write_loop, daemon=True)
        writer.start()
        try:
            d.on_cont()
        finally:
            d.queue.close()
            writer.join(10)
    return open(d.opts.state_file).read().split("\n")


def test_state_report_orders_plugin_count_before_the_queue(tmp_path, monkeypatch):
    lines = _state_report(tmp_path, monkeypatch, RecordingDispatcher)
    count = lines.index("Number of active plugins = 1")
    assert lines[count - 1].startswith("disk error detected = ")  # after the logging state
    assert lines[count + 1].startswith("current plugin queue depth = ")
    assert lines[count + 5].startswith("plugin queueing suspended = ")
    assert lines[count + 6:count + 8] == ["plugin fake.conf (/bin/fake) running",
                                          "plugin records dropped = 0"]


def test_state_report_without_a_dispatcher_counts_no_plugins(tmp_path, monkeypatch):
    lines = _state_report(tmp_path, monkeypatch, None)
    count = lines.index("Number of active plugins = 0")
    assert lines[count + 1].startswith("current plugin queue depth = ")


@pytest.mark.kernel
def test_startup_state_enable_turns_auditing_on(audit_on, tmp_path):
    audit_on.set_status(enabled=0)  # clean_status (through audit_on) restores it
    conf, logd = tmp_path / "conf", tmp_path / "log"
    write_conf(conf, logd)
    d = start_daemon(tmp_path, conf, audit_on, startup="enable")
    try:
        assert audit_on.get_status().enabled == 1
    finally:
        assert d.stop() == 0
    assert log_lines(logd)[0].startswith("type=DAEMON_START ")


def test_process_exists_tells_live_from_gone_processes():
    from audix.daemon.processes import process_exists
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its pid is free again
    assert process_exists(os.getpid())
    assert process_exists(1)  # init: signal 0 allowed (root) or refused (EPERM), never ESRCH
    assert not process_exists(child.pid)
