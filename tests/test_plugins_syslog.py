"""audisp-syslog: arguments, message text, and the reference's datagrams."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import syslog

import pytest

from audix.daemon.cli import audisp_syslog as cli
from audix.daemon.plugins.audisp_syslog import (ArgumentError, RecordFormatter, SyslogSettings,
                                                init_message, parse_args, run)

REF = "/sbin/audisp-syslog"

RECORDS = (
    'type=SYSCALL msg=audit(1700000000.123:45): arch=c000003e syscall=257 success=yes exit=3 '
    'a0=ffffff9c a1=7f a2=0 a3=0 items=1 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 '
    'egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm="cat" exe="/usr/bin/cat" key=(null)'
    '\x1dARCH=x86_64 SYSCALL=openat AUID="root" UID="root"\n'
    'type=CWD msg=audit(1700000000.123:45): cwd="/root"\n'
    'type=PATH msg=audit(1700000000.123:45): item=0 name="/etc/hosts" inode=12 dev=08:01 '
    'mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 '
    'cap_fver=0 cap_frootid=0\n'
    'type=PROCTITLE msg=audit(1700000000.123:45): proctitle=636174002F6574632F686F737473\n'
    'type=EOE msg=audit(1700000000.123:45): \n'
    'node=web1 type=DAEMON_START msg=audit(1700000001.000:46): op=start ver=3.0.9 '
    'format=enriched kernel=6.1 auid=4294967295 pid=10 uid=0 ses=4294967295 res=success\n'
)


def test_parse_args():
    assert parse_args([]) == SyslogSettings(syslog.LOG_INFO, syslog.LOG_USER, False)
    s = parse_args(["log_warning", "LOG_LOCAL3", "interpret"])
    assert (s.priority, s.facility, s.interpret, s.ident) == \
        (syslog.LOG_WARNING, syslog.LOG_LOCAL3, True, "audispd")
    assert parse_args(["LOG_USER"]).ident is None
    with pytest.raises(ArgumentError, match="Unknown log priority/facility LOG_BOGUS"):
        parse_args(["LOG_BOGUS"])
    assert init_message(parse_args(["LOG_ERR", "LOG_AUTH"])) == \
        "syslog plugin initialized with facility 32 and priority 3"


def test_plain_text_and_enriched_separator():
    fmt = RecordFormatter(SyslogSettings())
    assert fmt("type=X msg=audit(1.0:1): a=1\x1dA=b\n") == "type=X msg=audit(1.0:1): a=1 A=b\n"


def test_interpret_drops_eoe_and_counts():
    got = []
    lines = [x + "\n" for x in RECORDS.split("\n") if x]
    n = run(lines, SyslogSettings(interpret=True), lambda p, t: got.append((p, t)))
    assert n == 5 and all(p == syslog.LOG_INFO for p, _ in got)
    assert not any("EOE" in t for _, t in got)


def test_main_bad_argument_exits_1():
    logged = []

    class Err:
        text = ""

        def write(self, s):
            Err.text += s
    rc = cli.main(["LOG_NOPE"], cli.Environment(stderr=Err(), emit=lambda p, t: logged.append(t),
                                                openlog=lambda i, f: None))
    assert rc == 1 and logged == ["Unknown log priority/facility LOG_NOPE"]
    assert "LOG_NOPE" in Err.text


def test_main_reads_stdin():
    r, w = os.pipe()
    os.write(w, b"type=USER msg=audit(1.0:1): pid=1 msg='x'\ntype=EOE msg=audit(1.0:1): \n")
    os.close(w)
    logged, opened = [], []
    rc = cli.main(["LOG_ALERT", "LOG_DAEMON"], cli.Environment(
        stdin_fd=r, emit=lambda p, t: logged.append((p, t)), openlog=lambda *a: opened.append(a)))
    os.close(r)
    assert rc == 0 and opened == [("audispd", syslog.LOG_DAEMON)]
    assert logged[1:] == [(syslog.LOG_ALERT, "type=USER msg=audit(1.0:1): pid=1 msg='x'\n"),
                          (syslog.LOG_ALERT, "type=EOE msg=audit(1.0:1): \n")]


def capture(tmp_path, argv: list[str]) -> list[bytes]:
    """Run a syslog plugin in a mount namespace whose /dev/log is our socket."""
    path = str(tmp_path / "log.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.bind(path)
        s.settimeout(1.0)
        script = f'mount -t tmpfs none /dev && ln -s {path} /dev/log && exec "$@"'
        proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                               "sh", *argv], input=RECORDS.encode("latin-1"),
                              capture_output=True, timeout=30,
                              env={**os.environ, "TZ": "UTC", "LC_ALL": "C"})
        out = []
        while True:
            try:
                out.append(s.recv(65536))
            except socket.timeout:
                break
    os.unlink(path)
    # drop the time stamp: <PRI>Mmm dd HH:MM:SS
    return [proc.returncode] + [re.sub(rb"^(<\d+>)\w{3} [ \d]\d \d\d:\d\d:\d\d ", rb"\1", d)
                                for d in out]


@pytest.mark.reference
@pytest.mark.parametrize("args", [[], ["LOG_WARNING", "LOG_LOCAL3"], ["interpret"],
                                  ["LOG_ERR", "LOG_AUTHPRIV", "interpret"], ["LOG_NONSENSE"]])
def test_same_datagrams_as_reference(tmp_path, args):
    if not os.path.exists(REF):
        pytest.skip(f"reference {REF} not installed")
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) for a private /dev/log")
    ours = capture(tmp_path, [sys.executable, "-m", "audix.daemon.cli.audisp_syslog", *args])
    theirs = capture(tmp_path, [REF, *args])
    assert len(theirs) > 1
    assert ours == theirs
