#!/usr/bin/env python3
"""Regenerate golden.json: what the reference auditctl does with each line of cases.txt.

For every case the kernel's rule list is emptied, the reference auditctl runs
with the case's arguments, and the script records its exit status, stdout and
stderr, the raw ``AUDIT_LIST_RULES`` replies (hex) and ``auditctl -l``.  The
rules found before are restored at the end.

Needs root, a kernel with audit, and the reference at /usr/sbin/auditctl.
Takes /run/lock/audix-kernel.lock itself (do not wrap it in flock):

    python tests/golden/rules/regenerate.py
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = "/usr/sbin/auditctl"
LOCK = "/run/lock/audix-kernel.lock"
ENV = {"LC_ALL": "C", "TZ": "UTC", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}


def load_cases() -> list[list[str]]:
    cases = []
    for line in (HERE / "cases.txt").read_text(encoding="latin-1").splitlines():
        if line.strip() and not line.startswith("#"):
            cases.append(shlex.split(line))
    return cases


def run_reference(args: list[str]) -> dict:
    proc = subprocess.run([REFERENCE] + args, capture_output=True, env=ENV, timeout=30)
    return {"rc": proc.returncode, "stdout": proc.stdout.decode("latin-1"),
            "stderr": proc.stderr.decode("latin-1")}


def main() -> int:
    sys.path.insert(0, str(HERE.parents[2]))
    from audix.daemon.netlink import AuditNetlink

    fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(fd, fcntl.LOCK_EX)
    out = []
    with AuditNetlink() as nl:
        before = nl.list_rules()
        try:
            for args in load_cases():
                for data in nl.list_rules():
                    nl.delete_rule(data)
                result = run_reference(args)
                raw = nl.list_rules()
                listing = run_reference(["-l"])["stdout"]
                out.append({"args": args, **result, "rules": [r.hex() for r in raw], "listing": listing})
        finally:
            for data in nl.list_rules():
                nl.delete_rule(data)
            for data in before:
                nl.add_rule(data)
    (HERE / "golden.json").write_text(json.dumps(out, indent=1, ensure_ascii=True) + "\n")
    print(f"wrote {len(out)} cases to {HERE / 'golden.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
