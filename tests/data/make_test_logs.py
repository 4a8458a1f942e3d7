#!/usr/bin/env python3
"""Write the small hand-made audit logs the ausearch tests read.

Run ``python3 tests/data/make_test_logs.py`` to (re)create them in
tests/data/logs/.  The records imitate what the reference auditd writes
(SYSCALL/PATH/CWD/SOCKADDR/EXECVE/PROCTITLE, user-space USER_*/ADD_USER,
ANOM_*, DAEMON_*, CONFIG_CHANGE) and add what real logs rarely hold:
node= prefixes, interleaved events, inet/inet6/unix/netlink socket
addresses, hex EXECVE arguments and a long argv, unknown users, UNKNOWN[n]
types, ENRICHED lines, and bad input (garbage, truncated lines, NUL bytes,
invalid UTF-8, a 100 KB line).  Output is deterministic.
"""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "logs")
T0 = 1795611223


def hexs(s: str | bytes) -> str:
    b = s.encode() if isinstance(s, str) else s
    return b.hex().upper()


def stamp(sec: int, ms: int, serial: int) -> str:
    return f"audit({sec}.{ms:03d}:{serial})"


def syscall_event(sec, ms, serial, *, syscall=257, success="yes", exit_=3, pid=4000,
                  ppid=3999, uid=0, auid=1000, comm="cat", exe="/usr/bin/cat",
                  key='"files"', names=(), cwd="/root", saddr=None, argv=None,
                  node=None, tty="pts0", ses=3, arch="c000003e", gid=0):
    pre = f"node={node} " if node else ""
    st = stamp(sec, ms, serial)
    out = [f"{pre}type=SYSCALL msg={st}: arch={arch} syscall={syscall} success={success} "
           f"exit={exit_} a0=ffffff9c a1=7ffd1 a2=0 a3=0 items={len(names)} ppid={ppid} "
           f"pid={pid} auid={auid} uid={uid} gid={gid} euid={uid} suid={uid} fsuid={uid} "
           f"egid={gid} sgid={gid} fsgid={gid} tty={tty} ses={ses} comm=\"{comm}\" "
           f"exe=\"{exe}\" key={key}"]
    if argv is not None:
        args = " ".join(f"a{i}={a}" for i, a in enumerate(argv))
        out.append(f"{pre}type=EXECVE msg={st}: argc={len(argv)} {args}")
    if saddr is not None:
        out.append(f"{pre}type=SOCKADDR msg={st}: saddr={saddr}")
    out.append(f"{pre}type=CWD msg={st}: cwd=\"{cwd}\"")
    for i, (name, nametype) in enumerate(names):
        out.append(f"{pre}type=PATH msg={st}: item={i} name={name} inode={100 + i} "
                   f"dev=fe:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype={nametype} "
                   "cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0")
    out.append(f"{pre}type=PROCTITLE msg={st}: proctitle={hexs(comm)}")
    return out


def inet(port: int, addr: str) -> str:
    a = bytes(int(x) for x in addr.split("."))
    return (b"\x02\x00" + port.to_bytes(2, "big") + a + b"\0" * 8).hex().upper()


def inet6(port: int, addr16: bytes) -> str:
    return (b"\x0a\x00" + port.to_bytes(2, "big") + b"\0" * 4 + addr16 + b"\0" * 4).hex().upper()


def unix(path: bytes) -> str:
    return (b"\x01\x00" + path).hex().upper()


def mixed() -> list[str]:
    L: list[str] = []
    t = T0
    L.append(f"type=DAEMON_START msg={stamp(t, 1, 9001)}: op=start ver=3.0.9 format=raw "
             "kernel=6.18.44 auid=4294967295 pid=100 uid=0 ses=4294967295 res=success")
    L.append(f"type=CONFIG_CHANGE msg={stamp(t, 100, 10)}: auid=4294967295 ses=4294967295 "
             'op=add_rule key="files" list=4 res=1')
    L += syscall_event(t, 101, 11, names=[('"/etc/hosts"', "NORMAL")])
    L += syscall_event(t, 102, 12, comm="bash", exe="/usr/bin/bash", uid=12345, auid=12345,
                       names=[('"./rel/file"', "NORMAL"), ('"../up"', "PARENT")], cwd="/home/u",
                       key="(null)")
    # interleaved: 13 and 14 alternate
    a = syscall_event(t + 1, 5, 13, pid=4100, comm="curl", exe="/usr/bin/curl", syscall=42,
                      saddr=inet(443, "93.184.216.34"), key='"net"', exit_=-115, success="no")
    b = syscall_event(t + 1, 6, 14, pid=4101, comm="ping6", exe="/usr/bin/ping", syscall=42,
                      saddr=inet6(80, bytes.fromhex("20010db8000000000000000000000001")),
                      key='"net"')
    for x, y in zip(a, b):
        L += [x, y]
    L += a[len(b):] + b[len(a):]
    L += syscall_event(t + 1, 7, 15, pid=4102, comm="nc", exe="/usr/bin/nc", syscall=42,
                       saddr=unix(b"/run/sock\0"), key='"net"')
    L += syscall_event(t + 1, 8, 16, pid=4103, comm="ss", exe="/usr/bin/ss", syscall=44,
                       saddr="100000000000000000000000", key="(null)")
    L += syscall_event(t + 1, 9, 17, pid=4104, comm="abs", exe="/usr/bin/abs", syscall=42,
                       saddr=unix(b"\0abstract-name"), key="(null)")
    # hex EXECVE args, long argv, hex key with two keys
    L += syscall_event(t + 2, 1, 18, syscall=59, comm="echo", exe="/usr/bin/echo",
                       argv=['"echo"', hexs("two words"), hexs('quote"d'), '"x"'],
                       key=hexs("exec\x01second"))
    L += syscall_event(t + 2, 2, 19, syscall=59, comm="seq", exe="/usr/bin/seq",
                       argv=[f'"arg{i}"' for i in range(300)], key='"exec"')
    # user space records
    L.append(f"type=USER_AUTH msg={stamp(t + 3, 0, 20)}: pid=5000 uid=0 auid=1000 ses=3 "
             "subj=unconfined msg='op=PAM:authentication grantors=pam_unix acct=\"alice\" "
             "exe=\"/usr/bin/su\" hostname=host1 addr=10.0.0.5 terminal=pts/1 res=success'")
    L.append(f"type=USER_LOGIN msg={stamp(t + 3, 1, 21)}: pid=5001 uid=0 auid=1001 ses=4 "
             "msg='op=login id=1001 exe=\"/usr/sbin/sshd\" hostname=? addr=192.168.1.9 "
             "terminal=ssh res=failed'")
    L.append(f"type=ADD_USER msg={stamp(t + 3, 2, 22)}: pid=5002 uid=0 auid=1000 ses=3 "
             "msg='op=adding user id=1005 exe=\"/usr/sbin/useradd\" hostname=? addr=? "
             "terminal=pts/1 res=success'")
    L.append(f"type=USER msg={stamp(t + 3, 3, 23)}: pid=5003 uid=0 auid=4294967295 "
             "ses=4294967295 msg='text with\ttab and \x01 control exe=\"/bin/x\" res=success'")
    L.append(f"type=ANOM_ABEND msg={stamp(t + 3, 4, 24)}: auid=1000 uid=1000 gid=1000 ses=3 "
             "pid=5100 comm=\"crashy\" exe=\"/usr/bin/crashy\" sig=11 res=1")
    L.append(f"type=ANOM_PROMISCUOUS msg={stamp(t + 3, 5, 25)}: dev=eth0 prom=256 "
             "old_prom=0 auid=1000 uid=0 gid=0 ses=3")
    L.append(f"type=ANOM_LOGIN_FAILURES msg={stamp(t + 3, 6, 26)}: pid=5200 uid=0 "
             "auid=4294967295 ses=4294967295 msg='op=max-failed-logins acct=\"bob\" "
             "exe=\"/usr/sbin/sshd\" hostname=? addr=? terminal=? res=success'")
    L.append(f"type=UNKNOWN[1999] msg={stamp(t + 3, 7, 27)}: something=1 pid=77")
    L.append(f"type=DAEMON_ROTATE msg={stamp(t + 3, 8, 9002)}: op=rotate-logs auid=0 pid=1 "
             "subj=unconfined res=success")
    # node= events, one with same serial as a local one
    L += syscall_event(t + 4, 0, 28, node="alpha", comm="ls", exe="/usr/bin/ls", key='"files"',
                       names=[('"/etc/passwd"', "NORMAL")])
    L += syscall_event(t + 4, 0, 28, node="beta", comm="ls", exe="/usr/bin/ls", key='"files"',
                       names=[('"/etc/shadow"', "NORMAL")])
    L += syscall_event(t + 4, 0, 28, comm="ls", exe="/usr/bin/ls", key='"files"')
    # an event that arrives late, then out of order serials
    L += syscall_event(t + 2, 500, 29, comm="late", exe="/usr/bin/late", key='"late"')
    L.append(f"type=DAEMON_END msg={stamp(t + 9, 0, 9003)}: op=terminate auid=0 pid=1 "
             "subj=unconfined res=success")
    return L


def enriched(lines: list[str]) -> list[str]:
    """Add an ENRICHED part to SYSCALL lines (what log_format=ENRICHED writes)."""
    out = []
    for line in lines:
        if " type=SYSCALL " in f" {line}" or line.startswith("type=SYSCALL"):
            uid = line.split(" uid=")[1].split(" ")[0]
            name = "root" if uid == "0" else f"unknown({uid})"
            line += f'\x1dARCH=x86_64 SYSCALL=openat AUID="{name}" UID="{name}" GID="root"'
        out.append(line)
    return out


def bad_lines() -> list[bytes]:
    good = syscall_event(T0 + 20, 0, 100, comm="ok", exe="/usr/bin/ok", key='"bad"')
    out = [b"garbage that is not a record",
           b"type=SYSCALL msg=audit(",
           b"type=SYSCALL msg=audit(abc.def:ghi): x=1",
           "type=USER msg=audit(1795611243.001:101): pid=1 uid=0 msg='caf\xc3\xa9 \xff\xfe bad utf8 res=success'".encode("latin-1"),
           b"type=USER msg=audit(1795611243.002:102): pid=1 uid=0 msg='nul\x00byte res=success'",
           b"",
           b"   ",
           b"node=x",
           b"type=PATH msg=audit(1795611243.003:103): item=0 name=\"/tmp/" + b"A" * 100_000 + b"\"",
           b"type=SYSCALL msg=audit(1795611243.004:104): arch=c000003e syscall=2",
           ]
    out += [x.encode("latin-1") for x in good]
    out.append(b"type=SYSCALL msg=audit(1795611243.005:105): truncated no newline")
    return out


def rotated() -> dict[str, list[str]]:
    """audit.log.2 (oldest) .. audit.log; an event spans .1 and audit.log."""
    ev = syscall_event(T0 + 30, 0, 200, comm="span", exe="/usr/bin/span", key='"rot"',
                       names=[('"/var/x"', "NORMAL")])
    return {
        "audit.log.2": syscall_event(T0 + 28, 0, 198, comm="old", exe="/usr/bin/old", key='"rot"'),
        "audit.log.1": syscall_event(T0 + 29, 0, 199, comm="mid", exe="/usr/bin/mid", key='"rot"')
        + ev[:2],
        "audit.log": ev[2:] + syscall_event(T0 + 31, 0, 201, comm="new", exe="/usr/bin/new",
                                            key='"rot"'),
    }


def write(path: str, lines, binary=False) -> None:
    with open(path, "wb") as f:
        if binary:
            f.write(b"\n".join(lines))     # the last line has no newline
        else:
            f.write(("\n".join(lines) + "\n").encode("latin-1"))


def main() -> int:
    os.makedirs(OUT, exist_ok=True)
    m = mixed()
    write(os.path.join(OUT, "mixed.log"), m)
    write(os.path.join(OUT, "mixed-enriched.log"), enriched(m))
    write(os.path.join(OUT, "bad.log"), bad_lines(), binary=True)
    rot = os.path.join(OUT, "rotated")
    os.makedirs(rot, exist_ok=True)
    for name, lines in rotated().items():
        write(os.path.join(rot, name), lines)
    os.makedirs(os.path.join(OUT, "nologs"), exist_ok=True)
    with open(os.path.join(OUT, "nologs", "README"), "w") as f:
        f.write("a directory without audit.log\n")
    write(os.path.join(OUT, "empty.log"), [], binary=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
