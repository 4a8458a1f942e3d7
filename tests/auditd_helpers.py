"""What the tests that run an audit daemon on the real kernel share.

* :data:`OURS` -- the command that starts our auditd (its pid and state
  files come first, then auditd's own arguments);
* :func:`write_conf` / :func:`make_conf` -- an ``auditd.conf`` (and an empty
  ``plugins.d``) for a test directory;
* :class:`Daemon` -- our auditd or the reference, started with ``-n``, its
  stderr kept in a file; :func:`start_daemon` also waits until it registered;
* :func:`audit_on` -- a fixture: auditing enabled, no daemon registered
  (import it into the test module to use it);
* :func:`auditctl` / :func:`watching` -- rules through the reference auditctl;
* :func:`watched_file`, :func:`program`, :func:`lines_of`, :func:`wait_for` --
  small file and polling helpers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

REF_AUDITD = "/usr/sbin/auditd"
REF_AUDITCTL = "/usr/sbin/auditctl"

LAUNCH = (
    "import sys\n"
    "from audix.daemon.cli.auditd import main, Environment\n"
    "sys.exit(main(sys.argv[3:], Environment(pid_file=sys.argv[1], state_file=sys.argv[2],"
    " use_syslog=False)))\n"
)
OURS = [sys.executable, "-c", LAUNCH]

def write_conf(conf_dir: Path, log_dir: Path, **keys: str) -> None:
    """``conf_dir/auditd.conf`` logging to ``log_dir/audit.log``, plugins in
    ``conf_dir/plugins.d``, nothing that acts on the machine (no space action
    beyond syslog, no priority change); ``keys`` override or add settings."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    settings = dict(log_file=f"{log_dir}/audit.log", log_format="RAW", flush="INCREMENTAL_ASYNC",
                    freq="50", max_log_file="8", num_logs="5", max_log_file_action="ROTATE",
                    space_left="75", admin_space_left="50", space_left_action="IGNORE",
                    admin_space_left_action="IGNORE", disk_full_action="IGNORE",
                    disk_error_action="SYSLOG", plugin_dir=f"{conf_dir}/plugins.d",
                    q_depth="20000", priority_boost="0")
    settings.update(keys)
    (conf_dir / "auditd.conf").write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
    os.chmod(conf_dir / "auditd.conf", 0o640)
    (conf_dir / "plugins.d").mkdir(exist_ok=True)


def make_conf(tmp_path: Path, tag: str, **keys: str) -> tuple[Path, Path]:
    """A configuration in ``tmp_path/<tag>-conf`` logging to ``tmp_path/<tag>-log``
    (small logs, a plugin queue of 2000); returns (conf dir, log file)."""
    conf, logd = tmp_path / f"{tag}-conf", tmp_path / f"{tag}-log"
    write_conf(conf, logd, **{"max_log_file": "50", "num_logs": "2", "q_depth": "2000", **keys})
    return conf, logd / "audit.log"


class Daemon:
    """An auditd started with ``-n -s <startup> -c <conf_dir>``: ours (pid and
    state files ``tmp_path/<name>.pid|.state``) or ``cmd`` (the reference)."""

    def __init__(self, tmp_path: Path, conf_dir: Path, name: str = "d",
                 startup: str = "nochange", cmd: list[str] | None = None):
        if cmd is None:
            self.pid_file: str | None = str(tmp_path / f"{name}.pid")
            self.state_file: str | None = str(tmp_path / f"{name}.state")
            cmd = OURS + [self.pid_file, self.state_file]
        else:
            self.pid_file = self.state_file = None
        self.stderr_path = tmp_path / f"{name}.stderr"
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd + ["-n", "-s", startup, "-c", str(conf_dir)],
                                         stderr=err)

    def stderr(self) -> str:
        return self.stderr_path.read_bytes().decode("latin-1")

    def wait_registered(self, nl, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while nl.get_status().pid != self.proc.pid:
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited {self.proc.returncode}: {self.stderr()}")
            if time.monotonic() > deadline:
                raise AssertionError("daemon did not register")
            time.sleep(0.05)

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then its exit status (killed after ``timeout`` seconds)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def start_daemon(tmp_path: Path, conf_dir: Path, nl, name: str = "d", startup: str = "nochange",
                 cmd: list[str] | None = None) -> Daemon:
    """A :class:`Daemon` the kernel has registered (stopped again if it does not)."""
    d = Daemon(tmp_path, conf_dir, name, startup, cmd)
    try:
        d.wait_registered(nl)
    except BaseException:
        d.stop()
        raise
    return d


@pytest.fixture
def audit_on(kernel, clean_status, clean_rules):
    """The kernel with auditing enabled and no daemon registered (skips otherwise)."""
    if kernel.get_status().enabled == 0:
        kernel.set_status(enabled=1)
    if kernel.get_status().pid:
        pytest.skip("another audit daemon is registered")
    return kernel


def auditctl(*args: str) -> None:
    subprocess.run([REF_AUDITCTL, *args], check=True, capture_output=True)


@contextlib.contextmanager
def watching(path: Path, key: str, perms: str = "r") -> Iterator[None]:
    """A watch on ``path`` for the body of the ``with``, removed after it."""
    auditctl("-w", str(path), "-p", perms, "-k", key)
    try:
        yield
    finally:
        auditctl("-W", str(path), "-p", perms, "-k", key)


def watched_file(d: Path, name: str = "watched") -> Path:
    """A small file ``d/name`` for a watch to see."""
    p = d / name
    p.write_text("x")
    return p


def program(d: Path, name: str, text: str) -> str:
    """An executable script ``d/name`` holding ``text``; its path."""
    p = d / name
    p.write_text(text)
    os.chmod(p, 0o750)
    return str(p)


def lines_of(path: Path) -> list[str]:
    """The lines of a log that must end with a whole line."""
    data = path.read_bytes().decode("latin-1")
    assert data.endswith("\n")
    return data[:-1].split("\n")


def wait_for(pred: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False
