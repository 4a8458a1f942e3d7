"""autrace's start-up on the real kernel: a traced run imports neither
pyroute2 (its control requests go through the struct codec) nor a renderer
nobody uses, and the run's exit paths still report the program's status."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.kernel

AUTRACE = [sys.executable, "-m", "audix.tracer.cli"]


def imported_modules(stderr: bytes) -> set[str]:
    """The module names ``python -X importtime`` reported."""
    names = set()
    for line in stderr.decode("latin-1").splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def test_a_run_whose_timeline_nobody_reads_imports_only_what_it_uses(kernel):
    done = subprocess.run([sys.executable, "-X", "importtime"] + AUTRACE[1:]
                          + ["-o", os.devnull, "/bin/sh", "-c", "exit 4"],
                          capture_output=True, timeout=60)
    assert done.returncode == 4, done.stderr.decode("latin-1")[-2000:]
    modules = imported_modules(done.stderr)
    assert "audix.tracer.session" in modules and "audix.daemon.netlink_codec" in modules
    assert not {m for m in modules if m.split(".")[0] == "pyroute2"}
    assert not modules & {"audix.daemon.netlink_marshal", "audix.analysis.timeline.text",
                          "audix.analysis.timeline.decode", "audix.analysis.timeline.jsonl"}
    assert b"autrace: 1 processes" in done.stderr


def test_the_module_entry_points_exit_with_the_programs_status(kernel, tmp_path):
    out = tmp_path / "timeline.txt"
    for entry in (["-m", "audix.tracer.cli"], ["-m", "audix.tracer"]):
        done = subprocess.run([sys.executable, *entry, "-o", str(out), "/bin/sh", "-c", "echo x; exit 7"],
                              capture_output=True, timeout=60)
        assert done.returncode == 7 and done.stdout == b"x\n"
        assert b"+++ exited with 7 +++" in out.read_bytes()
        assert done.stderr.endswith(b" records lost\n")
