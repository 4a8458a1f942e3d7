#!/usr/bin/env python3
"""autrace benchmark: medians of a few runs, ratios printed (never a timed test).

    python bench/bench_autrace.py [--workload "find /usr/share -type f"] [--runs 3]
                                  [--no-reference] [--no-floor] [--baseline DIR]

1. ``find /usr/share -type f`` (every syscall traced), runs interleaved so
   that load from elsewhere hits all alike: wall time (and CPU seconds of the
   whole process tree) untraced, under ``strace -f -o /dev/null``, under the
   reference ``/usr/sbin/autrace`` (only when no audit rule is loaded: it
   refuses otherwise, and deletes every rule afterwards), under audix
   ``autrace -o /dev/null`` and ``autrace -o FILE`` (the timeline rendered).
   Goal: audix <= 0.5x strace, 0 records lost.
2. The floor: the workload alone under its audit rule, with nobody reading
   the records until it has exited (what the kernel's auditing costs the
   traced program; no tracer can beat it).
3. A fork-heavy loop (``sh -c 'for i in $(seq 300); do /bin/true; done'``):
   every one of the 300 execve calls must be in the timeline, 0 lost; also
   how long after autrace's exit its last rule is gone (deleting a rule costs
   the kernel ~12 ms; the leftovers of exited processes are deleted by a
   detached process).

Printed per candidate: the median wall time, the median CPU time of its
process tree and every run's wall time (a spread shows a busy machine);
then each median as a ratio to ``strace -f`` and to the floor.  With
``--baseline DIR`` another audix tree (say ``git archive HEAD~3 analysis
daemon tracer | tar -x -C DIR``) is timed in the same rounds, for
before/after figures under the same load.

Audit is enabled for the benchmark if it is off (and switched off again
afterwards): with audit off the kernel makes no records, so the reference
autrace and the floor would measure nothing.  audix's modules are
byte-compiled first (``compileall``), as an installed package is, so that no
run pays for compiling them (this environment may set PYTHONDONTWRITEBYTECODE).

Takes the shared kernel lock (/run/lock/audix-kernel.lock) for the kernel parts.
Run as root, on a calm machine (see ``uptime``).
"""
from __future__ import annotations

import argparse
import atexit
import compileall
import contextlib
import fcntl
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

KERNEL_LOCK = "/run/lock/audix-kernel.lock"
AUTRACE = [sys.executable, "-m", "audix.tracer.cli"]
SUMMARY = re.compile(rb"autrace: (\d+) processes, (\d+) syscalls, (\d+) records lost")


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds of the process tree, result); the program's
    output is thrown away (the reference's stdout is kept, with stderr)."""
    before = os.times()
    start = time.monotonic()
    reference = argv[0] == "/usr/sbin/autrace"      # says "Trace complete" on stdout
    res = subprocess.run(argv, stdout=subprocess.PIPE if reference else subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env)
    wall = time.monotonic() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    res.stderr = (res.stderr or b"") + (res.stdout or b"")
    return wall, cpu, res


def rules_loaded() -> bool:
    out = subprocess.run(["/usr/sbin/auditctl", "-l"], capture_output=True, text=True).stdout
    return "No rules" not in out


def our_rules_left() -> bool:
    out = subprocess.run(["/usr/sbin/auditctl", "-l"], capture_output=True, text=True).stdout
    return "autrace-" in out


@contextlib.contextmanager
def audit_enabled():
    """Audit on for the block (as found afterwards)."""
    from audix.daemon.netlink import AuditNetlink

    with AuditNetlink() as nl:
        was = nl.get_status().enabled
        if was == 0:
            nl.set_status(enabled=1)
        try:
            yield was
        finally:
            if was == 0:
                nl.set_status(enabled=0)


def compile_audix() -> None:
    import audix.analysis
    import audix.daemon
    import audix.tracer

    for package in (audix.analysis, audix.daemon, audix.tracer):
        for folder in package.__path__:
            compileall.compile_dir(folder, quiet=1)


def floor_run(workload: list[str]) -> tuple[float, float, int, int]:
    """The workload under its rule, records read only after it exited:
    (its wall seconds, its CPU seconds, records received, records lost)."""
    import resource
    import socket

    from audix.daemon.netlink import AuditNetlink, DatagramReader, MulticastReader, set_receive_buffer
    from audix.tracer import ptrace_api, spawn
    from audix.tracer.process_rules import RuleSet, host_arches, key_for
    from audix.tracer.session import RECEIVE_BUFFER

    control = AuditNetlink()
    status = control.get_status()
    reader = None
    if status.pid == 0:
        reader = AuditNetlink()
        reader.register_daemon()
    else:
        reader = MulticastReader()
    sock = socket.socket(fileno=os.dup(reader.fileno()))
    set_receive_buffer(sock, RECEIVE_BUFFER)
    datagrams = DatagramReader(sock)
    datagrams.read_datagrams()
    lost_before = status.lost
    rules = RuleSet(control, key_for(os.getpid()), {arch: None for arch in host_arches()})
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        saved = os.dup(1)
        os.dup2(devnull, 1)
        try:
            child = spawn.spawn_stopped(workload[0], workload, dict(os.environ))
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        ptrace_api.set_options(child.pid, ptrace_api.NO_FOLLOW_OPTIONS)
        rules.add(child.pid)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        ptrace_api.resume(child.pid, 0)
        while True:
            stop = ptrace_api.wait_any(block=True)
            if stop.kind in (ptrace_api.StopKind.EXITED, ptrace_api.StopKind.KILLED):
                break
            ptrace_api.resume(stop.pid, 0)
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
        spawn.read_exec_error(child.error_fd)
        count = 0
        quiet = time.monotonic()
        while time.monotonic() - quiet < 0.3:
            got = len(datagrams.read_datagrams(4096))
            if got:
                count += got
                quiet = time.monotonic()
            else:
                time.sleep(0.01)
        lost = (control.get_status().lost - lost_before) & 0xFFFFFFFF
    finally:
        rules.remove_all()
        if isinstance(reader, AuditNetlink):
            reader.unregister_daemon()
        reader.close()
        sock.close()
        control.close()
    return wall, cpu, count, lost


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workload", default="find /usr/share -type f")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--baseline", metavar="DIR",
                    help="also time another audix tree (e.g. from `git archive`): DIR holds "
                         "analysis/, daemon/, tracer/ as the repository does")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench_autrace: run as root", file=sys.stderr)
        return 1
    workload = shlex.split(args.workload)
    workload[0] = shutil.which(workload[0]) or workload[0]     # the reference wants a path
    out_file = tempfile.NamedTemporaryFile(suffix=".txt")
    candidates: dict[str, list[str]] = {"untraced": workload}
    if shutil.which("strace"):
        candidates["strace -f"] = ["strace", "-f", "-o", "/dev/null"] + workload
    candidates["audix -o /dev/null"] = AUTRACE + ["-o", "/dev/null"] + workload
    candidates["audix -o FILE"] = AUTRACE + ["-o", out_file.name] + workload
    baseline_env = None
    if args.baseline:
        baseline_env = baseline_environment(args.baseline)
        candidates["baseline -o /dev/null"] = AUTRACE + ["-o", "/dev/null"] + workload
        candidates["baseline -o FILE"] = AUTRACE + ["-o", out_file.name] + workload
    compile_audix()
    lock = os.open(KERNEL_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    print(f"waiting for {KERNEL_LOCK} ...", file=sys.stderr)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        with audit_enabled() as was:
            if was == 0:
                print("audit was disabled: enabled for the benchmark")
            return measure(args, workload, candidates, out_file, baseline_env)
    finally:
        out_file.close()
        os.close(lock)


def baseline_environment(tree: str) -> dict[str, str]:
    """An environment whose ``python -m audix.tracer.cli`` runs the tree ``tree``:
    an ``audix`` package (a regular one, found before the editable install)
    whose subpackages are the tree's folders; byte-compiled like ours."""
    shim = tempfile.mkdtemp(prefix="audix-baseline-")
    atexit.register(shutil.rmtree, shim, True)
    package = os.path.join(shim, "audix")
    os.mkdir(package)
    with open(os.path.join(package, "__init__.py"), "w") as fh:
        fh.write("")
    for name in ("analysis", "daemon", "tracer"):
        os.symlink(os.path.abspath(os.path.join(tree, name)), os.path.join(package, name))
    compileall.compile_dir(package, quiet=1)
    env = dict(os.environ)
    env["PYTHONPATH"] = shim
    return env


def measure(args, workload, candidates, out_file, baseline_env=None) -> int:
    """The timed runs and the printed table (kernel lock held, audit on)."""
    print(f"load: {os.getloadavg()[0]:.2f} (1 min)")
    use_reference = (not args.no_reference and os.path.exists("/usr/sbin/autrace"))
    if use_reference and rules_loaded():
        print("reference autrace: skipped (audit rules are loaded; it would refuse)")
        use_reference = False
    if use_reference:
        candidates["reference autrace"] = ["/usr/sbin/autrace"] + workload
    subprocess.run(workload, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm caches
    walls: dict[str, list[float]] = {name: [] for name in candidates}
    cpus: dict[str, list[float]] = {name: [] for name in candidates}
    notes: dict[str, str] = {}
    floors: list[float] = []
    floor_cpus: list[float] = []
    for _ in range(args.runs):
        for name, argv in candidates.items():
            wall, cpu, res = timed(argv, baseline_env if name.startswith("baseline") else None)
            if name == "reference autrace" and b"Trace complete" not in res.stderr:
                first = (res.stderr.decode("latin-1").strip().split("\n") or [""])[0]
                notes[name] = f"failed ({res.returncode}): {first}"
                continue
            walls[name].append(wall)
            cpus[name].append(cpu)
            m = SUMMARY.search(res.stderr)
            if m:
                notes[name] = f"{int(m.group(2))} syscalls, {int(m.group(3))} records lost"
        if not args.no_floor:
            wall, cpu, count, lost = floor_run(workload)
            floors.append(wall)
            floor_cpus.append(cpu)
            notes["audit floor"] = f"{count} records, {lost} lost"
    print(f"workload: {args.workload}   (median of {args.runs}; wall s / CPU s of the tree)")
    med = {name: statistics.median(v) for name, v in walls.items() if v}
    for name in candidates:
        if name in med:
            runs = " ".join(f"{w:.2f}" for w in walls[name])
            print(f"  {name:<21} {med[name]:7.3f} s  cpu {statistics.median(cpus[name]):6.3f} s"
                  f"  [{runs}]  {notes.get(name, '')}")
        elif name in notes:
            print(f"  {name:<21} {notes[name]}")
    if floors:
        runs = " ".join(f"{w:.2f}" for w in floors)
        print(f"  {'audit floor':<21} {statistics.median(floors):7.3f} s  cpu "
              f"{statistics.median(floor_cpus):6.3f} s  [{runs}]  (the workload alone under its rule, "
              f"records read afterwards; {notes.get('audit floor', '')})")
        if "audix -o /dev/null" in cpus:
            own = statistics.median(cpus["audix -o /dev/null"]) - statistics.median(floor_cpus)
            print(f"  {'':<21} autrace's own CPU (tree minus the traced workload): ~{own:.2f} s")
    base = med.get("strace -f")
    floor = statistics.median(floors) if floors else None
    print("  ratios (medians)      to strace -f   to the floor")
    for name in ("audix -o /dev/null", "audix -o FILE", "baseline -o /dev/null", "baseline -o FILE",
                 "reference autrace", "untraced"):
        if name in med:
            to_strace = f"{med[name] / base:10.2f}" if base else f"{'-':>10}"
            to_floor = f"{med[name] / floor:14.2f}" if floor else f"{'-':>14}"
            print(f"  {name:<24}{to_strace}{to_floor}")
    if floor and base:
        print(f"  {'audit floor':<24}{floor / base:10.2f}{1.0:14.2f}")
    if base and "audix -o /dev/null" in med:
        ratio = med["audix -o /dev/null"] / base
        print(f"  goal audix/strace <= 0.50: {'met' if ratio <= 0.5 else 'NOT met'}"
              + (f" (the floor alone is {floor / base:.2f})" if floor else ""))

    loop = ["sh", "-c", "for i in $(seq 300); do /bin/true; done"]
    with tempfile.NamedTemporaryFile(suffix=".txt") as out:
        wall, cpu, res = timed(AUTRACE + ["-o", out.name] + loop)
        returned = time.monotonic()
        while our_rules_left() and time.monotonic() - returned < 60:
            time.sleep(0.05)
        gone = time.monotonic() - returned
        execs = open(out.name, "rb").read().count(b'execve("/bin/true"')
    m = SUMMARY.search(res.stderr)
    lost = int(m.group(3)) if m else -1
    print(f"fork-heavy loop: {execs}/300 execve shown, {lost} records lost, {wall:.3f} s "
          f"({'ok' if execs == 300 and lost == 0 else 'FAILED'}); last rule gone {gone:.2f} s "
          f"after autrace returned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
