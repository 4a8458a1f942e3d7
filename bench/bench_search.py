#!/usr/bin/env python3
"""Time audix ausearch against the reference on the same large log.

Make the log once (root, reference auditd)::

    ../shared/bench/make_big_log.sh /tmp/big 300000

then::

    python3 bench/bench_search.py [--log /tmp/big/log/audit.log] [--only audix]

For each query both programs run on the same file with ``TZ=UTC LC_ALL=C``;
the script checks that stdout and exit status are identical and prints wall
and CPU seconds (audix: the median of ``--runs`` runs, default 3; the
reference: ``--ref-runs``, default 1) and the ratios reference/audix.  audix
runs cold: ``--cold-flag`` (default ``--no-index``; ``''`` for none) is added
to its command line.  The reference needs a few minutes per query on a
300000-event log, so run this rarely and alone.

Unless ``--no-index-phases``, each query then runs with the search index on
a copy of the log: ``index build`` (the first search, which builds the
index), ``index repeat`` (the same search again, median of ``--runs``) and
``index grown`` (after appending about 1% to the copy: the index is brought
up to date, then answers; its output is checked against a scan of the grown
copy, its ratio is to the reference on the original log).

The default queries: ``-k``, ``-m``, ``-p`` (the busiest openat pid),
``-sc ... -sv``, a ``-ts/-te`` window over the middle fifth of the log and
``-ts`` at four fifths; the times are read from the log itself and written
in the ``MM/DD/YY HH:MM:SS`` form ausearch takes in the C locale (UTC).
A narrow window costs the reference little (it drops the other lines
early); the cold scan still reads the whole file, so only wide windows can
show large ratios.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
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


_STAMP = re.compile(rb"msg=audit\((\d+)\.")


def second_at(log: str, fraction: float) -> int | None:
    """The time stamp (whole seconds) of the first record at ``fraction`` of the file."""
    size = os.path.getsize(log)
    with open(log, "rb") as f:
        f.seek(int(size * fraction))
        if fraction > 0:
            f.readline()                # the rest of a cut line
        for _ in range(1000):
            line = f.readline()
            if not line:
                return None
            m = _STAMP.search(line[:400])
            if m:
                return int(m.group(1))
    return None


def ausearch_time(sec: int) -> list[str]:
    """``MM/DD/YY HH:MM:SS`` (UTC), the date and time words of -ts/-te in the C locale."""
    t = time.gmtime(sec)
    return [time.strftime("%m/%d/%y", t), time.strftime("%H:%M:%S", t)]


def time_queries(log: str) -> list[list[str]]:
    """-ts/-te around the middle fifth of the log, and -ts at four fifths."""
    lo, hi, late = (second_at(log, f) for f in (0.4, 0.6, 0.8))
    queries = []
    if lo is not None and hi is not None:
        queries.append(["-ts", *ausearch_time(min(lo, hi)), "-te", *ausearch_time(max(lo, hi))])
    if late is not None:
        queries.append(["-ts", *ausearch_time(late)])
    return queries


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float, int, str, int, float]:
    """(wall s, cpu s, exit status, sha256 of stdout, stdout bytes, peak RSS MB)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, env=env or ENV)
    h = hashlib.sha256()
    size = 0
    while True:
        chunk = p.stdout.read(1 << 20)
        if not chunk:
            break
        h.update(chunk)
        size += len(chunk)
    _, wstatus, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(wstatus)
    wall = time.perf_counter() - t0
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, p.returncode, h.hexdigest(), size, usage.ru_maxrss / 1024


def measure(cmd: list[str], runs: int, env: dict | None = None
            ) -> tuple[float, float, int, str, int, bool, float]:
    """Median wall and CPU of ``runs`` runs, status, digest, size, all runs alike, peak MB."""
    results = [run(cmd, env) for _ in range(max(1, runs))]
    alike = len({(r[2], r[3]) for r in results}) == 1
    return (statistics.median(r[0] for r in results), statistics.median(r[1] for r in results),
            results[0][2], results[0][3], results[0][4], alike, max(r[5] for r in results))


def index_phases(log: str, q: list[str], runs: int, work: str) -> dict:
    """audix with its index, on a copy of the log (its index kept in ``work``):
    the first search (builds the index), the same search again, and the
    search after the log grew by about 1% (checked against a scan of the grown copy)."""
    copy = os.path.join(work, "audit.log")
    if not os.path.exists(copy):
        shutil.copyfile(log, copy)
    env = {**ENV, "AUDIX_INDEX_DIR": os.path.join(work, "index")}
    shutil.rmtree(env["AUDIX_INDEX_DIR"], ignore_errors=True)
    os.mkdir(env["AUDIX_INDEX_DIR"], 0o700)
    cmd = audix_command() + ["-if", copy, *q]
    out = {"build": measure(cmd, 1, env), "repeat": measure(cmd, runs, env)}
    size = os.path.getsize(copy)
    with open(copy, "rb") as f:
        extra = f.read(size // 100)
    with open(copy, "ab") as f:
        f.write(extra[:extra.rfind(b"\n") + 1])
    out["grown"] = measure(cmd, 1, env)
    scan = measure(audix_command() + ["-if", copy, "--no-index", *q], 1)
    out["grown_ok"] = scan[2:4] == out["grown"][2:4]
    os.truncate(copy, size)                 # back to the original for the next query
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", default="/tmp/big/log/audit.log")
    ap.add_argument("--only", choices=["audix", "both"], default="both")
    ap.add_argument("--query", action="append", default=None,
                    help="a query as one string (e.g. '-k secret'); repeatable")
    ap.add_argument("--runs", type=int, default=3, help="audix runs per query (median)")
    ap.add_argument("--ref-runs", type=int, default=1, help="reference runs per query (median)")
    ap.add_argument("--cold-flag", default="--no-index",
                    help="added to audix's command line for a cold run ('' for none)")
    ap.add_argument("--no-index-phases", action="store_true",
                    help="skip the runs with the search index (build, repeat, grown)")
    ap.add_argument("--work", default=None,
                    help="directory for the log copy and index of the index runs (temporary)")
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
                   ["-sc", "openat", "-sv", "no"], *time_queries(a.log)]
    cold = a.cold_flag.split()
    size = os.path.getsize(a.log)
    print(f"log: {a.log} ({size / 1e6:.0f} MB); audix: median of {a.runs} runs"
          + (f", with {a.cold_flag}" if cold else ""))
    print(f"{'query':44} {'audix wall/cpu':>16} {'ref wall/cpu':>16} "
          f"{'ratio wall':>10} {'ratio cpu':>9}  output")
    ok = True
    work = None if a.no_index_phases else (a.work or tempfile.mkdtemp(prefix="audix-bench-"))
    if work is not None:
        os.makedirs(work, mode=0o700, exist_ok=True)
    for q in queries:
        ours = measure(audix_command() + ["-if", a.log, *cold, *q], a.runs)
        ok &= ours[5]
        steady = "" if ours[5] else ", RUNS DIFFER"
        ix = index_phases(a.log, q, a.runs, work) if work is not None else None
        if a.only == "audix":
            print(f"{' '.join(q):44} {ours[0]:7.2f}/{ours[1]:<7.2f}  status {ours[2]}, "
                  f"{ours[4]} bytes, {size / 1e6 / ours[0]:.0f} MB/s, {ours[6]:.0f} MB{steady}",
                  flush=True)
            ref = None
        else:
            ref = measure([REFERENCE, "-if", a.log, *q], a.ref_runs)
            same = ours[2] == ref[2] and ours[3] == ref[3]
            ok &= same
            print(f"{' '.join(q):44} {ours[0]:7.2f}/{ours[1]:<7.2f}  {ref[0]:7.2f}/{ref[1]:<7.2f}  "
                  f"{ref[0] / ours[0]:9.1f}x {ref[1] / max(ours[1], 1e-6):8.1f}x  "
                  f"{'identical' if same else 'DIFFERENT'} ({ours[4]} bytes, status {ours[2]}, "
                  f"{size / 1e6 / ours[0]:.0f} MB/s, peak {ours[6]:.0f} MB vs {ref[6]:.0f} MB)"
                  f"{steady}", flush=True)
        if ix is not None:
            for phase in ("build", "repeat", "grown"):
                r = ix[phase]
                same = r[2:4] == ours[2:4] if phase != "grown" else ix["grown_ok"]
                ok &= same
                ratio = f"{ref[0] / r[0]:9.1f}x" if ref is not None else ""
                print(f"{'  index ' + phase:44} {r[0]:7.2f}/{r[1]:<7.2f}  {ratio} "
                      f"{'identical' if same else 'DIFFERENT'} (peak {r[6]:.0f} MB)", flush=True)
    if work is not None and a.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
