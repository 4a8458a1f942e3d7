"""Random records through the reference ``/usr/sbin/ausearch -i`` and through us.

Bodies are built from field names, values and free text that stress the line
layout (quotes, commas, ``msg='``, MAC labels, ENRICHED parts, nodes).  Each
record is searched alone (TZ=UTC LC_ALL=C); records the reference does not
print are skipped.  Skipped when the reference binary is absent.
"""
from __future__ import annotations

import os
import random
import subprocess
import time
from pathlib import Path

import pytest

from audix.analysis.interpret import EscapeMode, Interpreter, NameLookup
from audix.analysis.record import parse_record

AUSEARCH = Path("/usr/sbin/ausearch")
pytestmark = [pytest.mark.reference,
              pytest.mark.skipif(not AUSEARCH.exists(), reason="reference ausearch not installed")]

TYPES = ["SYSCALL", "PATH", "CWD", "EXECVE", "SOCKADDR", "USER_AUTH", "USER_LOGIN", "AVC",
         "CONFIG_CHANGE", "TTY", "USER_TTY", "SECCOMP", "ANOM_ABEND", "TRUSTED_APP",
         "NETFILTER_PKT", "MQ_OPEN", "ADD_GROUP", "DAEMON_START", "PROCTITLE", "UNKNOWN[1999]",
         "KERNEL", "CRYPTO_KEY_USER", "LOGIN", "BPRM_FCAPS"]
NAMES = ["arch", "syscall", "a0", "a1", "a2", "a3", "uid", "auid", "gid", "exit", "mode", "perm",
         "name", "comm", "exe", "key", "saddr", "proctitle", "data", "msg", "acct", "res", "ses",
         "sig", "flags", "obj", "subj", "list", "id", "op", "cap_fp", "fp", "argc", "a1_len",
         "a1[0]", "x", "tty", "per", "code", "oflag", "hook", "proto", "family", "resolve"]
VALUES = ["0", "1", "2", "c000003e", "40000003", "ffffffff", "-2", "abc", '"quoted"', '"a b"',
          "'s q'", "2F746D70", "41420043", "u:r:t:s0:c1,c2", "a,b", "x,", ",", "(null)", "?",
          "4294967295", "0100644", "success", "yes", "7ffd", "02000050090102030000000000000000",
          "01002F78", "6B0179", "0A1B7F"]
ENRICHED = ["x", '"root"', "unknown-x", "{ a }"]


def random_line(rnd: random.Random, serial: int) -> str:
    def value() -> str:
        r = rnd.random()
        if r < 0.7:
            return rnd.choice(VALUES)
        if r < 0.85:
            return "%x" % rnd.getrandbits(rnd.choice([4, 8, 16, 32, 64]))
        return "".join(rnd.choice("abc,=' \"019xyz:(){}") for _ in range(rnd.randint(0, 6)))

    parts = []
    for _ in range(rnd.randint(0, 8)):
        r = rnd.random()
        if r < 0.8:
            parts.append(f"{rnd.choice(NAMES)}={value()}")
        elif r < 0.9:
            parts.append(rnd.choice(["avc:", "denied", "{ read }", "for", "", "msg='op=x",
                                     "res=success'", "text"]))
        else:
            parts.append(f"msg='{rnd.choice(NAMES)}={value()}")
    body = " ".join(parts)
    if rnd.random() < 0.15:
        body += "\x1d" + " ".join(rnd.choice(NAMES).upper() + "=" + rnd.choice(ENRICHED)
                                  for _ in range(rnd.randint(0, 4)))
    node = f"node=h{serial} " if rnd.random() < 0.1 else ""
    return (f"{node}type={rnd.choice(TYPES)} msg=audit({1700000000 + serial}."
            f"{rnd.randint(0, 999):03d}:{serial}): {body}")


def reference(line: str, mode: str, tmp_path: Path) -> str | None:
    log = tmp_path / "one.log"
    log.write_bytes((line + "\n").encode("latin-1"))
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    out = subprocess.run([str(AUSEARCH), "-i", "-if", str(log), "--escape", mode],
                         capture_output=True, env=env, timeout=30).stdout.decode("latin-1")
    return out[5:-1] if out.startswith("----\n") else None


@pytest.mark.parametrize("seed,mode", [(1, "tty"), (2, "shell_quote"), (3, "raw")])
def test_random_records_match_the_reference(seed, mode, tmp_path):
    rnd = random.Random(seed)
    interp = Interpreter(EscapeMode(mode), names=NameLookup(), localtime=time.gmtime)
    compared, diffs = 0, []
    for serial in range(1, 81):
        line = random_line(rnd, serial)
        expected = reference(line, mode, tmp_path)
        if expected is None:
            continue
        compared += 1
        got = interp.format_record(parse_record(line))
        if got != expected:
            diffs.append(f"{line!r}\n  expected {expected!r}\n  got      {got!r}")
    assert compared > 40
    assert not diffs, "\n".join(diffs[:5])


def test_syscall_arguments_carry_over_like_the_reference(tmp_path):
    """ausearch keeps a0/a1 of the last SYSCALL record it printed: a later SECCOMP
    record for i386 socketcall shows that a0's call name."""
    lines = [
        "type=SYSCALL msg=audit(1700000000.001:1): arch=c000003e syscall=2 success=yes exit=3 "
        "a0=1 a1=42 a2=1b6 a3=0 items=0 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
        'egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="x" exe="/x" key=(null)',
        'type=SECCOMP msg=audit(1700000005.001:2): auid=0 uid=0 gid=0 ses=1 pid=5 comm="x" '
        'exe="/x" sig=0 arch=40000003 syscall=102 compat=1 ip=0x7f code=0x50000',
    ]
    log = tmp_path / "two.log"
    log.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    out = subprocess.run([str(AUSEARCH), "-i", "-if", str(log)], capture_output=True, env=env,
                         timeout=30).stdout.decode("latin-1")
    interp = Interpreter(names=NameLookup(), localtime=time.gmtime)
    ours = "".join("----\n" + interp.format_record(parse_record(line)) + "\n" for line in lines)
    assert "syscall=socketcall(socket)" in out
    assert ours == out
