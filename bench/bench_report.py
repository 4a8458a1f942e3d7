#!/usr/bin/env python3
"""Benchmark audix aureport against the reference on a big log.

Usage: bench/bench_report.py [LOG] [--ours-only] [--runs N]

For each report (the default summary and ``-x --summary -i``) it runs the
reference /usr/sbin/aureport once and audix's aureport (best of N runs)
with TZ=UTC LC_ALL=C, checks that stdout, stderr and exit status are
identical, and prints wall and CPU (user+system) times, the speed-ups and
each run's peak RSS.  On a shared machine the CPU ratio is the fairer one.
The log defaults to /tmp/big/log/audit.log (../shared/bench/make_big_log.sh).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

REFERENCE = "/usr/sbin/aureport"
REPORTS = [[], ["-x", "--summary", "-i"]]
ENV = {"TZ": "UTC", "LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}


def measure(cmd: list[str]) -> tuple[float, float, int, bytes, bytes, int]:
    """Wall seconds, CPU seconds, peak RSS (KB), stdout, stderr, status of one run."""
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child: exec with pipes to temp files to avoid pipe stalls
        out = os.open("/tmp/.bench_report_out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open("/tmp/.bench_report_err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        try:
            os.execve(cmd[0], cmd, ENV)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    with open("/tmp/.bench_report_out", "rb") as f:
        stdout = f.read()
    with open("/tmp/.bench_report_err", "rb") as f:
        stderr = f.read()
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss, stdout, stderr, os.waitstatus_to_exitcode(status)


def ours_command() -> list[str]:
    return [sys.executable, "-m", "audix.analysis.cli.aureport"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log", nargs="?", default="/tmp/big/log/audit.log")
    ap.add_argument("--ours-only", action="store_true", help="skip the reference runs")
    ap.add_argument("--runs", type=int, default=1, help="runs of ours (best time kept)")
    a = ap.parse_args(argv)
    if not os.path.exists(a.log):
        print(f"no log at {a.log} (make one with shared/bench/make_big_log.sh)", file=sys.stderr)
        return 2
    size = os.path.getsize(a.log)
    print(f"log: {a.log} ({size / 1e6:.1f} MB)")
    failed = False
    for report in REPORTS:
        args = ["-if", a.log, *report]
        name = " ".join(report) or "(default summary)"
        best = None
        for _ in range(max(1, a.runs)):
            r = measure(ours_command() + args)
            if best is None or r[0] < best[0]:
                best = r
        line = (f"{name:20s} audix wall {best[0]:6.2f} s cpu {best[1]:6.2f} s "
                f"rss {best[2] / 1024:4.0f} MB")
        if not a.ours_only and os.access(REFERENCE, os.X_OK):
            ref = measure([REFERENCE] + args)
            same = best[3:] == ref[3:]
            failed |= not same
            line += (f" | reference wall {ref[0]:6.1f} s cpu {ref[1]:6.1f} s "
                     f"rss {ref[2] / 1024:4.0f} MB"
                     f" | wall x{ref[0] / best[0]:4.1f} cpu x{ref[1] / best[1]:4.1f}"
                     f" | output {'identical' if same else 'DIFFERS'}")
        print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
