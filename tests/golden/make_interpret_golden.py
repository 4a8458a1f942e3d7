#!/usr/bin/env python3
"""Regenerate the golden data of the interpretation tests with the reference.

Usage: make_interpret_golden.py [--no-kernel]

1. (unless --no-kernel, needs root) Records a workload under the reference
   auditd in ENRICHED format: builds tests/golden/interpret/workload.c, starts
   ``/usr/sbin/auditd -n -c DIR`` holding /run/lock/audix-kernel.lock, adds
   ``-S all`` rules for the workload's pid/ppid (b64 and b32), a user message
   (``auditctl -m``) and a promiscuous-mode change in a private network
   namespace and PAM sessions (``su``/``runuser`` to nobody), then removes its
   rules and stops its auditd by pid.  Writes
   ``workload-enriched.log`` (repetitive events dropped, see keep_varied);
   the RAW variant is the same records with the ENRICHED part cut off (what
   RAW format writes).
2. For every input log (the workload logs, the shared sample logs copied
   here and the hand-written ``edge-cases.log`` written by
   ``make_edge_cases.py``) runs ``/usr/sbin/ausearch -i`` on each record
   alone (TZ=UTC LC_ALL=C) and stores ``NAME.golden.json.gz`` with the
   expected output per input line (latin-1 text; without the ``----``
   separator and the final newline; null when it prints nothing).  The edge
   cases are also rendered with ``--escape raw|shell|shell_quote``, and their
   first records (plus ``tz-dst.log``) with other TZ values.
3. Stores the uid/gid names of this machine (``names.json``) so the tests can
   inject the same lookups the reference used.
"""
from __future__ import annotations

import fcntl
import gzip
import grp
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent / "interpret"
SAMPLES = Path("/work/shared/corpus")
AUSEARCH = "/usr/sbin/ausearch"
AUDITD = "/usr/sbin/auditd"
AUDITCTL = "/usr/sbin/auditctl"
KERNEL_LOCK = "/run/lock/audix-kernel.lock"
ESCAPES = ("tty", "raw", "shell", "shell_quote")
ENV = dict(os.environ, TZ="UTC", LC_ALL="C")

CONF = """log_file = {log}
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 64
num_logs = 2
max_log_file_action = ROTATE
space_left = 75
space_left_action = IGNORE
admin_space_left = 50
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = {plugins}
"""


def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=check, capture_output=True, env=ENV)


def record_workload(work: Path) -> list[str]:
    """Run the workload under the reference auditd; return the log lines."""
    exe = work / "workload"
    run("gcc", "-O0", "-w", "-o", str(exe), str(HERE / "workload.c"), "-lrt")
    (work / "conf" / "plugins.d").mkdir(parents=True)
    (work / "files").mkdir()
    log = work / "audit.log"
    (work / "conf" / "auditd.conf").write_text(
        CONF.format(log=log, plugins=work / "conf" / "plugins.d"))
    lock = os.open(KERNEL_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(lock, fcntl.LOCK_EX)
    auditd = None
    rules: list[list[str]] = []
    try:
        if run(AUDITCTL, "-l").stdout.strip() != b"No rules":
            sys.exit("refusing: audit rules are loaded")
        auditd = subprocess.Popen([AUDITD, "-n", "-c", str(work / "conf")], env=ENV)
        for _ in range(100):
            if f"pid {auditd.pid}".encode() in run(AUDITCTL, "-s").stdout:
                break
            time.sleep(0.1)
        wl = subprocess.Popen([str(exe), str(work / "files")], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for arch in ("b64", "b32"):
            for who in ("pid", "ppid"):
                rules.append(["-a", "always,exit", "-F", f"arch={arch}", "-S", "all",
                              "-F", f"{who}={wl.pid}", "-k", f"wl-{who}"])
        for rule in rules:
            run(AUDITCTL, *rule)
        time.sleep(0.2)
        wl.stdin.write(b"g")
        wl.stdin.close()
        wl.wait(timeout=60)
        for rule in rules:
            run(AUDITCTL, "-d", *rule[1:], check=False)
        rules = []
        run(AUDITCTL, "-m", "interp golden: user message", check=False)
        # PAM sessions: USER_ACCT, CRED_ACQ, USER_START, USER_END, CRED_DISP ...
        run("su", "-s", "/bin/true", "nobody", check=False)
        run("runuser", "-u", "nobody", "--", "/bin/true", check=False)
        run("su", "-s", "/bin/true", "no-such-user-audix", check=False)
        if shutil.which("unshare"):
            run("unshare", "-n", "sh", "-c",
                "ip link set lo promisc on; ip link set lo promisc off", check=False)
        time.sleep(1)
    finally:
        for rule in rules:
            run(AUDITCTL, "-d", *rule[1:], check=False)
        if auditd is not None:
            auditd.send_signal(signal.SIGTERM)
            auditd.wait(timeout=30)
        os.close(lock)
    return log.read_bytes().decode("latin-1").split("\n")[:-1]


def _event_id(line: str) -> str:
    return line.split(")", 1)[0].split("(", 1)[1] if "(" in line and ")" in line else ""


def keep_varied(lines: list[str], per_kind: int = 1) -> list[str]:
    """Drop repetitive events, keeping at most ``per_kind`` events per (arch,
    syscall, small argument values); events with records other than
    SYSCALL/PROCTITLE/CWD/PATH are always kept."""
    plain = {"SYSCALL", "PROCTITLE", "CWD", "PATH"}
    special = {_event_id(line) for line in lines
               if line.split(" ", 1)[0][5:] not in plain}
    seen: dict[tuple, int] = {}
    dropped: set[str] = set()
    for line in lines:
        if not line.startswith("type=SYSCALL ") or _event_id(line) in special:
            continue
        fields = dict(t.split("=", 1) for t in line.split("\x1d")[0].split(" ") if "=" in t)
        key = (fields.get("arch"), fields.get("syscall"), fields.get("success"),
               *(fields.get(a) if len(fields.get(a, "")) <= 4 else "ptr"
                 for a in ("a0", "a1", "a2", "a3")))
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > per_kind:
            dropped.add(_event_id(line))
    return [line for line in lines if _event_id(line) not in dropped]


def reference_line(line: str, escape: str, work: Path, tz: str = "UTC") -> str | None:
    """What ``ausearch -i`` prints for this record alone (None: nothing)."""
    one = work / "one.log"
    one.write_bytes((line + "\n").encode("latin-1"))
    argv = [AUSEARCH, "-i", "-if", str(one)]
    if escape != "tty":
        argv += ["--escape", escape]
    env = dict(ENV, TZ=tz)
    out = subprocess.run(argv, capture_output=True, env=env).stdout.decode("latin-1")
    if not out.startswith("----\n"):
        return None
    return out[5:-1]


def make_golden(name: str, source: str, escapes: tuple[str, ...], work: Path,
                strip_enriched: bool = False, tz: str = "UTC", limit: int | None = None) -> None:
    """Write ``NAME.golden.json`` for the records of ``source`` (a log in this folder).

    ``{"input": source, "strip_enriched": bool, "tty": [out or null per line],
    "raw": {index: out}, ...}``: other escape modes keep only the outputs
    that differ from the tty ones.
    """
    lines = read_log(HERE / source)[:limit]
    if strip_enriched:
        lines = [line.split("\x1d", 1)[0] for line in lines]
    data: dict = {"input": source, "strip_enriched": strip_enriched, "tz": tz,
                  "tty": [reference_line(line, "tty", work, tz) for line in lines]}
    for escape in escapes[1:]:
        data[escape] = {}
        for i, (line, tty) in enumerate(zip(lines, data["tty"])):
            expected = reference_line(line, escape, work, tz)
            if expected != tty:
                data[escape][str(i)] = expected
    with gzip.open(HERE / f"{name}.golden.json.gz", "wt", encoding="ascii") as out:
        out.write(json.dumps(data, indent=0) + "\n")
    print(f"{name}: {len(lines)} records")


def write_names() -> None:
    names = {"uids": {str(p.pw_uid): p.pw_name for p in pwd.getpwall()},
             "gids": {str(g.gr_gid): g.gr_name for g in grp.getgrall()}}
    (HERE / "names.json").write_text(json.dumps(names, indent=0, sort_keys=True) + "\n")


def read_log(path: Path) -> list[str]:
    return path.read_bytes().decode("latin-1").split("\n")[:-1]


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="audix-interp-") as tmp:
        work = Path(tmp)
        if "--no-kernel" not in argv:
            lines = record_workload(work)
            (HERE / "workload-enriched.log").write_bytes(
                ("\n".join(keep_varied(lines)) + "\n").encode("latin-1"))
        write_names()
        for sample in ("sample-raw", "sample-enriched"):
            if (SAMPLES / f"{sample}.log").exists():
                shutil.copyfile(SAMPLES / f"{sample}.log", HERE / f"{sample}.log")
            make_golden(sample, f"{sample}.log", ("tty",), work)
        subprocess.run([sys.executable, str(HERE / "make_edge_cases.py")], check=True)
        make_golden("edge-cases", "edge-cases.log", ESCAPES, work)
        make_golden("workload-enriched", "workload-enriched.log", ("tty",), work)
        make_golden("workload-raw", "workload-enriched.log", ("tty",), work, strip_enriched=True)
        for tz in ("America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"):
            make_golden("tz-" + tz.split("/")[1].lower(), "edge-cases.log", ("tty",), work,
                        tz=tz, limit=40)
        make_golden("tz-new_york-dst", "tz-dst.log", ("tty",), work, tz="America/New_York")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
