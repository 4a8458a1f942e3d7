#!/usr/bin/env python3
"""Regenerate ausearch.golden.json.gz: the reference ausearch's output on our logs.

Inputs: logs written by the reference auditd on this machine
(tests/golden/interpret/{sample-raw,sample-enriched,workload-enriched}.log,
copies of ../shared/corpus and of the interpretation helper's workload run),
its edge-case log, and the hand-made logs of tests/data/logs (run
tests/data/make_test_logs.py first).  For every (log, flags) case the
reference's stdout and exit status are stored with the log's sha256, so the
golden test can run where the reference is absent and notices a changed log.

    TZ=UTC LC_ALL=C python3 tests/golden/ausearch/make_ausearch_golden.py
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(os.path.dirname(HERE))
LOGS = [
    "golden/interpret/sample-raw.log", "golden/interpret/sample-enriched.log",
    "golden/interpret/workload-enriched.log", "golden/interpret/edge-cases.log",
    "data/logs/mixed.log", "data/logs/mixed-enriched.log", "data/logs/bad.log",
]
FLAGS = [
    [], ["-r"], ["-i"], ["-m", "SYSCALL"], ["-m", "ALL", "-r"], ["-k", "net"], ["-k", "files"],
    ["-sv", "no"], ["-sv", "yes"], ["-ua", "0"], ["-ui", "0"], ["-x", "bash"], ["-c", "cat"],
    ["-f", "/etc"], ["-hn", "127.0.0.1"], ["-p", "4100"], ["-sc", "openat"], ["-e", "-2"],
    ["-m", "USER_LOGIN,USER_AUTH"], ["--escape", "shell", "-i"], ["-se", "unconfined"],
    ["--just-one"], ["-gi", "0"], ["-ul", "1000"],
]
OUT = os.path.join(HERE, "ausearch.golden.json.gz")


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main() -> int:
    env = {"TZ": "UTC", "LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/bin"}
    cases = []
    for rel in LOGS:
        path = os.path.join(TESTS, rel)
        if not os.path.exists(path):
            print(f"skipping absent {rel}", file=sys.stderr)
            continue
        digest = sha256(path)
        for flags in FLAGS:
            p = subprocess.run(["/usr/sbin/ausearch", "-if", path, *flags],
                               capture_output=True, env=env, stdin=subprocess.DEVNULL)
            cases.append({"log": rel, "sha256": digest, "flags": flags,
                          "stdout": p.stdout.decode("latin-1"), "status": p.returncode})
    with gzip.open(OUT, "wt", encoding="utf-8") as f:
        json.dump({"reference": "/usr/sbin/ausearch 3.0.9", "cases": cases}, f)
    print(f"wrote {len(cases)} cases to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
