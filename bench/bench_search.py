#!/usr/bin/env python3
"""Time audix ausearch against the reference on the same large log.

Make the log once (root, reference auditd)::

    ../shared/bench/make_big_log.sh /tmp/big 300000

then::

    python3 bench/bench_search.py [--log /tmp/big/log/audit.log] [--only audix]

For each query both programs run on the same file with ``TZ=UTC LC_ALL=C``;
the script checks that stdout and exit status are identical and prints wall
and CPU seconds and the ratios reference/audix.  The reference needs a few
minutes per query on a 300000-event log, so run this rarely and alone.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import resource
import subprocess
import sys
import sysconfig
import time

REFERENCE = "/usr/sbin/ausearch"
ENV = {"TZ": "UTC", "LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/bin"}


def audix_command() -> list[str]:
    script = os.path.join(sysconfig.get_path("scripts"), "ausearch")
    if os.access(script, os.X_OK):
        return [script]
    return [sys.executable, "-m", "audix.analysis.cli.ausearch"]


def busiest_openat_pid(log: str, lines: int = 200000) -> str:
    """The pid with the most openat (syscall=257) records near the log start."""
    counts: dict[str, int] = {}
    pat = re.compile(rb"syscall=257 .* pid=(\d+) ")
    with open(log, "rb") as f:
        for i, line in enumerate(f):
            if i >= lines:
                break
            m = pat.search(line)
            if m:
                counts[m.group(1).decode()] = counts.get(m.group(1).decode(), 0) + 1
    return max(counts, key=counts.get) if counts else "1"


def run(cmd: list[str]) -> tuple[float, float, int, str, int]:
    """(wall s, cpu s, exit status, sha256 of stdout, stdout bytes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, env=ENV)
    h = hashlib.sha256()
    size = 0
    while True:
        chunk = p.stdout.read(1 << 20)
        if not chunk:
            break
        h.update(chunk)
        size += len(chunk)
    status = p.wait()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, status, h.hexdigest(), size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", default="/tmp/big/log/audit.log")
    ap.add_argument("--only", choices=["audix", "both"], default="both")
    ap.add_argument("--query", action="append", default=None,
                    help="a query as one string (e.g. '-k secret'); repeatable")
    a = ap.parse_args(argv)
    if not os.path.exists(a.log):
        print(f"no log at {a.log}: make it with ../shared/bench/make_big_log.sh /tmp/big 300000",
              file=sys.stderr)
        return 2
    if a.query:
        queries = [q.split() for q in a.query]
    else:
        pid = busiest_openat_pid(a.log)
        queries = [["-k", "secret"], ["-m", "EXECVE"], ["-p", pid],
                   ["-sc", "openat", "-sv", "no"]]
    size = os.path.getsize(a.log)
    print(f"log: {a.log} ({size / 1e6:.0f} MB)")
    print(f"{'query':28} {'audix wall/cpu':>16} {'ref wall/cpu':>16} "
          f"{'ratio wall':>10} {'ratio cpu':>9}  output")
    ok = True
    for q in queries:
        ours = run(audix_command() + ["-if", a.log, *q])
        if a.only == "audix":
            print(f"{' '.join(q):28} {ours[0]:7.2f}/{ours[1]:<7.2f}  status {ours[2]}, "
                  f"{ours[4]} bytes")
            continue
        ref = run([REFERENCE, "-if", a.log, *q])
        same = ours[2] == ref[2] and ours[3] == ref[3]
        ok &= same
        print(f"{' '.join(q):28} {ours[0]:7.2f}/{ours[1]:<7.2f}  {ref[0]:7.2f}/{ref[1]:<7.2f}  "
              f"{ref[0] / ours[0]:9.1f}x {ref[1] / max(ours[1], 1e-6):8.1f}x  "
              f"{'identical' if same else 'DIFFERENT'} ({ours[4]} bytes, status {ours[2]})",
              flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
