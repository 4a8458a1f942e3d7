#!/usr/bin/env python3
"""Burst benchmark: audix auditd against the reference daemon.

The workload of ``/work/shared/bench/make_big_log.sh``: N audited opens
(``-S openat -F dir=/tmp/bigwork``), an ``echo >> secret; /bin/true`` every
5000, with ``-b 65536 -r 0 --backlog_wait_time 60000``.  For each daemon it
reports the burst wall time, the kernel's lost delta, the events on disk
(SYSCALL records with key=bigopen) and the daemon's CPU seconds.

Needs root and the kernel lock; run it alone, once:

    flock /run/lock/audix-kernel.lock python3 bench/bench_auditd.py 300000

It restores the rules it found (``auditctl -D`` + nothing: the lab keeps
no rules between tests) and the status fields it changed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

AUDITCTL = "/usr/sbin/auditctl"
REF_AUDITD = "/usr/sbin/auditd"
WORK = "/tmp/bigwork"

CONF = """log_file = {out}/log/audit.log
log_format = {fmt}
flush = INCREMENTAL_ASYNC
freq = 1000
max_log_file = 2000
num_logs = 2
max_log_file_action = ROTATE
space_left = 75
space_left_action = IGNORE
admin_space_left = 50
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
q_depth = {q_depth}
overflow_action = IGNORE
plugin_dir = {out}/conf/plugins.d
"""

WORKLOAD = r"""
import sys, os
n = int(sys.argv[1])
for i in range(n):
    try:
        fd = os.open("/tmp/bigwork/f%d" % (i % 120), os.O_RDONLY); os.close(fd)
    except FileNotFoundError:
        pass
    if i % 5000 == 0:
        os.system("echo x >> /tmp/bigwork/secret; /bin/true")
"""


def auditctl(*args: str) -> str:
    return subprocess.run([AUDITCTL, *args], capture_output=True, text=True, check=True).stdout


def status() -> dict[str, int]:
    out = {}
    for line in auditctl("-s").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].lstrip("-").isdigit():
            out[parts[0]] = int(parts[1])
    return out


def daemon_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def run_one(name: str, command: list[str], out: str, events: int, q_depth: int,
            fmt: str) -> dict:
    os.makedirs(f"{out}/conf/plugins.d", exist_ok=True)
    os.makedirs(f"{out}/log", exist_ok=True)
    with open(f"{out}/conf/auditd.conf", "w") as f:
        f.write(CONF.format(out=out, q_depth=q_depth, fmt=fmt))
    os.chmod(f"{out}/conf/auditd.conf", 0o640)
    os.makedirs(WORK, exist_ok=True)
    for i in range(1, 101):
        with open(f"{WORK}/f{i}", "w") as f:
            f.write(f"{i}\n")
    open(f"{WORK}/secret", "w").close()
    auditctl("-D")
    proc = subprocess.Popen(command + ["-n", "-c", f"{out}/conf", "-s", "nochange"])
    try:
        for _ in range(300):
            if status().get("pid") == proc.pid:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"{name}: daemon did not register")
        auditctl("-b", "65536", "-r", "0", "--backlog_wait_time", "60000")
        auditctl("-a", "always,exit", "-F", "arch=b64", "-S", "openat", "-F", f"dir={WORK}",
                 "-k", "bigopen")
        auditctl("-a", "always,exit", "-F", "arch=b64", "-S", "execve", "-k", "exec")
        auditctl("-w", f"{WORK}/secret", "-p", "wa", "-k", "secret")
        lost0 = status()["lost"]
        cpu0 = daemon_cpu(proc.pid)
        t0 = time.monotonic()
        subprocess.run([sys.executable, "-c", WORKLOAD, str(events)], check=True)
        t1 = time.monotonic()
        lost1 = status()["lost"]
        auditctl("-D")
        time.sleep(1)
        cpu1 = daemon_cpu(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)
    on_disk = 0
    lines = 0
    log_dir = f"{out}/log"
    for fname in os.listdir(log_dir):
        with open(os.path.join(log_dir, fname), "rb") as f:
            for line in f:
                lines += 1
                if line.startswith(b"type=SYSCALL") and b'key="bigopen"' in line:
                    on_disk += 1
    shutil.rmtree(WORK, ignore_errors=True)
    return {"daemon": name, "events": events, "burst_seconds": round(t1 - t0, 3),
            "lost": lost1 - lost0, "bigopen_events_on_disk": on_disk, "lines": lines,
            "daemon_cpu_seconds_during_burst": round(cpu1 - cpu0, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("events", type=int, nargs="?", default=300000)
    ap.add_argument("--q-depth", type=int, default=20000)
    ap.add_argument("--format", default="RAW", choices=["RAW", "ENRICHED"])
    ap.add_argument("--only", choices=["reference", "audix"])
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("bench_auditd: needs root", file=sys.stderr)
        return 1
    before = status()
    if before.get("pid"):
        print(f"bench_auditd: a daemon (pid {before['pid']}) is registered; stop it first",
              file=sys.stderr)
        return 1
    audix_cmd = [sys.executable, "-m", "audix.daemon.cli.auditd"]
    runs = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-auditd-") as tmp:
            if args.only != "audix" and os.path.exists(REF_AUDITD):
                runs.append(run_one("reference", [REF_AUDITD], f"{tmp}/ref", args.events,
                                    args.q_depth, args.format))
            if args.only != "reference":
                runs.append(run_one("audix", audix_cmd, f"{tmp}/audix", args.events,
                                    args.q_depth, args.format))
    finally:
        auditctl("-D")
        auditctl("-b", str(before.get("backlog_limit", 8192)), "-r",
                 str(before.get("rate_limit", 0)), "--backlog_wait_time",
                 str(before.get("backlog_wait_time", 60000)))
    for r in runs:
        print(json.dumps(r))
    if len(runs) == 2:
        ref, ours = runs
        ratio = ours["burst_seconds"] / ref["burst_seconds"] if ref["burst_seconds"] else 0
        print(json.dumps({"wall_ratio_audix_over_reference": round(ratio, 3),
                          "same_events_on_disk": ref["bigopen_events_on_disk"]
                          == ours["bigopen_events_on_disk"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
