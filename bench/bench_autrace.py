#!/usr/bin/env python3
"""autrace benchmark: one run of each, ratios printed (never a timed test).

    python bench/bench_autrace.py [--workload "find /usr/share -type f"] [--no-reference]

1. ``find /usr/share -type f`` (every syscall traced): wall time untraced,
   under ``strace -f -o /dev/null``, under the reference ``/usr/sbin/autrace``
   (only when no audit rule is loaded: it refuses otherwise, and deletes every
   rule afterwards), and under audix ``autrace -o /dev/null``.  Goal: audix
   <= 0.5x strace, 0 records lost.
2. A fork-heavy loop (``sh -c 'for i in $(seq 300); do /bin/true; done'``):
   every one of the 300 execve calls must be in the timeline, 0 lost.

Takes the shared kernel lock (/run/lock/audix-kernel.lock) for the kernel parts.
Run as root.
"""
from __future__ import annotations

import argparse
import fcntl
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

KERNEL_LOCK = "/run/lock/audix-kernel.lock"
AUTRACE = [sys.executable, "-m", "audix.tracer.cli"]
SUMMARY = re.compile(rb"autrace: (\d+) processes, (\d+) syscalls, (\d+) records lost")


def timed(argv: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    start = time.monotonic()
    res = subprocess.run(argv, stdout=subprocess.PIPE if argv[0] == "/usr/sbin/autrace" else subprocess.DEVNULL,
                         stderr=subprocess.PIPE, **kw)
    if argv[0] == "/usr/sbin/autrace":
        res.stderr = (res.stderr or b"") + (res.stdout or b"")
    return time.monotonic() - start, res


def rules_loaded() -> bool:
    out = subprocess.run(["/usr/sbin/auditctl", "-l"], capture_output=True, text=True).stdout
    return "No rules" not in out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workload", default="find /usr/share -type f")
    ap.add_argument("--no-reference", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench_autrace: run as root", file=sys.stderr)
        return 1
    workload = shlex.split(args.workload)
    workload[0] = shutil.which(workload[0]) or workload[0]     # the reference wants a path
    lock = os.open(KERNEL_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    print(f"waiting for {KERNEL_LOCK} ...", file=sys.stderr)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        subprocess.run(workload, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm caches
        results: dict[str, float] = {}
        results["untraced"], _ = timed(workload)
        if shutil.which("strace"):
            results["strace -f"], _ = timed(["strace", "-f", "-o", "/dev/null"] + workload)
        if not args.no_reference and os.path.exists("/usr/sbin/autrace"):
            if rules_loaded():
                print("reference autrace: skipped (audit rules are loaded; it would refuse)")
            else:
                secs, ref = timed(["/usr/sbin/autrace"] + workload)
                if ref.returncode != 0 or b"Trace complete" not in ref.stderr + b"":
                    first = (ref.stderr.decode("latin-1").strip().split("\n") or [""])[0]
                    print(f"reference autrace: failed ({ref.returncode}): {first}")
                else:
                    results["reference autrace"] = secs
        wall, res = timed(AUTRACE + ["-o", "/dev/null"] + workload)
        results["audix autrace"] = wall
        m = SUMMARY.search(res.stderr)
        print(f"workload: {args.workload}")
        for name, secs in results.items():
            print(f"  {name:<18} {secs:7.3f} s")
        if m:
            print(f"  audix: {int(m.group(2))} syscalls, {int(m.group(3))} records lost")
        base = results.get("strace -f")
        if base:
            ratio = results["audix autrace"] / base
            print(f"  ratio audix/strace = {ratio:.2f} (goal <= 0.50: {'met' if ratio <= 0.5 else 'NOT met'})")
        if "untraced" in results:
            print(f"  ratio audix/untraced = {results['audix autrace'] / results['untraced']:.1f}")

        loop = ["sh", "-c", "for i in $(seq 300); do /bin/true; done"]
        with tempfile.NamedTemporaryFile(suffix=".txt") as out:
            wall, res = timed(AUTRACE + ["-o", out.name] + loop)
            execs = open(out.name, "rb").read().count(b'execve("/bin/true"')
        m = SUMMARY.search(res.stderr)
        lost = int(m.group(3)) if m else -1
        print(f"fork-heavy loop: {execs}/300 execve shown, {lost} records lost, {wall:.3f} s "
              f"({'ok' if execs == 300 and lost == 0 else 'FAILED'})")
    finally:
        os.close(lock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
