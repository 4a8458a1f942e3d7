"""Run a reference audit tool and audix's version on the same input; compare.

Shared by the ausearch tests (and reusable for aureport): each run gives
stdout bytes, stderr bytes and the exit status, with ``TZ=UTC LC_ALL=C``.
Our tool runs in-process through its ``main(argv, env)`` (fast) or as the
installed console script (``run_ours_subprocess``).
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sysconfig
import time
from dataclasses import dataclass
from typing import Callable

import pytest

REFERENCE_BIN = {"ausearch": "/usr/sbin/ausearch", "aureport": "/usr/sbin/aureport"}
BASE_ENV = {"TZ": "UTC", "LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}


@dataclass
class Result:
    stdout: bytes
    stderr: bytes
    status: int


def reference_path(tool: str) -> str | None:
    path = REFERENCE_BIN.get(tool) or shutil.which(tool)
    return path if path and os.access(path, os.X_OK) else None


def require_reference(tool: str) -> str:
    """The reference binary's path, or skip the test with the reason."""
    path = reference_path(tool)
    if path is None:
        pytest.skip(f"reference {tool} not installed ({REFERENCE_BIN.get(tool)} absent)")
    return path


def run_reference(tool: str, args: list[str], stdin: bytes | None = None,
                  timeout: float = 120) -> Result:
    path = require_reference(tool)
    p = subprocess.run([path, *args], input=stdin if stdin is not None else None,
                       stdin=None if stdin is not None else subprocess.DEVNULL,
                       capture_output=True, env=BASE_ENV, timeout=timeout)
    return Result(p.stdout, p.stderr, p.returncode)


def run_ours_subprocess(tool: str, args: list[str], stdin: bytes | None = None,
                        timeout: float = 120) -> Result:
    """Run the installed console script (``ausearch`` from audix)."""
    script = os.path.join(sysconfig.get_path("scripts"), tool)
    if not os.access(script, os.X_OK):
        pytest.skip(f"audix console script {tool} not installed in {os.path.dirname(script)}")
    p = subprocess.run([script, *args], input=stdin if stdin is not None else None,
                       stdin=None if stdin is not None else subprocess.DEVNULL,
                       capture_output=True, env=BASE_ENV, timeout=timeout)
    return Result(p.stdout, p.stderr, p.returncode)


class _C_Locale_UTC:
    """Context: TZ=UTC and LC_ALL=C for an in-process run."""

    def __enter__(self):
        self.saved = {k: os.environ.get(k) for k in ("TZ", "LC_ALL", "LC_TIME", "LANG")}
        os.environ["TZ"] = "UTC"
        os.environ["LC_ALL"] = "C"
        time.tzset()
        return self

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        time.tzset()


def run_inprocess(main: Callable, make_env: Callable, args: list[str],
                  stdin: bytes | None = None, **env_kw) -> Result:
    """Call ``main(args, env)``; ``make_env(stdin, stdout, stderr, pipe, **kw)`` builds env."""
    out, err = io.BytesIO(), io.BytesIO()
    src = io.BytesIO(stdin if stdin is not None else b"")
    with _C_Locale_UTC():
        status = main(args, make_env(src, out, err, stdin is not None, **env_kw))
    return Result(out.getvalue(), err.getvalue(), status)


def assert_same(ours: Result, ref: Result, compare_stderr: bool = False) -> None:
    assert ours.status == ref.status, (
        f"exit status {ours.status} != reference {ref.status}\n"
        f"our stderr: {ours.stderr[:400]!r}\nref stderr: {ref.stderr[:400]!r}")
    if ours.stdout != ref.stdout:
        a = ours.stdout.decode("latin-1").split("\n")
        b = ref.stdout.decode("latin-1").split("\n")
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                raise AssertionError(f"stdout differs at line {i + 1}:\nours: {x[:300]!r}\nref:  {y[:300]!r}")
        raise AssertionError(f"stdout differs in length: {len(a)} vs reference {len(b)} lines")
    if compare_stderr:
        assert ours.stderr == ref.stderr
