"""Helpers shared by the remote logging tests (no tests here)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from audix.daemon.remote.listener import Listener, ListenerSettings

REF_CLIENT = "/sbin/audisp-remote"
REF_AUDITD = "/usr/sbin/auditd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_conf(path, text: str) -> str:
    path = str(path)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o640)
    return path


def make_records(n: int, tag: str = "r", with_eoe: bool = False) -> list[str]:
    out = []
    for i in range(n):
        out.append(f"type=USER msg=audit(1700000000.{i % 1000:03d}:{i + 1}): pid={i} uid=0 "
                   f"msg='tag={tag} n={i}'")
        if with_eoe:
            out.append(f"type=EOE msg=audit(1700000000.{i % 1000:03d}:{i + 1}): ")
    return out


class Collector:
    """A listener whose write callback keeps the lines; events and log kept too."""

    def __init__(self, **settings) -> None:
        self.lines: list[str] = []
        self.events: list[tuple[int, str]] = []
        self.logs: list[tuple[int, str]] = []
        self.cond = threading.Condition()
        settings.setdefault("port", 0)
        settings.setdefault("max_per_addr", 16)
        self.listener = Listener(ListenerSettings(**settings), write=self._write,
                                 daemon_event=self._event, log=self._log)

    def _write(self, line: str) -> None:
        with self.cond:
            self.lines.append(line)
            self.cond.notify_all()

    def _event(self, t: int, text: str) -> None:
        with self.cond:
            self.events.append((t, text))
            self.cond.notify_all()

    def _log(self, p: int, m: str) -> None:
        with self.cond:
            self.logs.append((p, m))
            self.cond.notify_all()

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.2))
            return True

    @property
    def port(self) -> int:
        return self.listener.port

    def __enter__(self) -> "Collector":
        self.listener.start()
        return self

    def __exit__(self, *exc) -> None:
        self.listener.stop()


def client_conf(tmp_path, port: int, extra: str = "", name: str = "remote.conf") -> str:
    return write_conf(tmp_path / name,
                      f"remote_server = 127.0.0.1\nport = {port}\n"
                      f"queue_file = {tmp_path}/queue\n{extra}")


def our_client_cmd(conf: str) -> list[str]:
    return [sys.executable, "-m", "audix.daemon.cli.audisp_remote", "--config", conf,
            "--log-stderr"]


def run_our_client(conf: str, lines: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    data = "".join(line + "\n" for line in lines).encode("latin-1")
    return subprocess.run(our_client_cmd(conf), input=data, capture_output=True, timeout=timeout)


def need_unshare() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root (mount namespace for the reference's fixed paths)")
    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) not installed")


def run_reference_client(conf: str, lines: list[str], timeout: float = 60):
    """The reference /sbin/audisp-remote reads only /etc/audit/audisp-remote.conf:
    run it in a private mount namespace with ``conf`` bound over that path."""
    if not os.path.exists(REF_CLIENT):
        pytest.skip(f"reference {REF_CLIENT} not installed")
    need_unshare()
    data = "".join(line + "\n" for line in lines).encode("latin-1")
    script = f"mount --bind {conf} /etc/audit/audisp-remote.conf && exec {REF_CLIENT}"
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                          input=data, capture_output=True, timeout=timeout)


@contextlib.contextmanager
def reference_auditd(tmp_path, port: int, extra: str = "", plugins: dict | None = None):
    """The reference auditd as a pure aggregator (``local_events = no``: it
    never registers with the kernel), in a mount namespace with a private /run
    so its pid and state files touch nothing.  ``plugins``: file name -> text
    for its plugins.d.  Yields the log file path."""
    if not os.path.exists(REF_AUDITD):
        pytest.skip(f"reference {REF_AUDITD} not installed")
    need_unshare()
    d = tmp_path / "refd"
    (d / "plugins.d").mkdir(parents=True)
    (d / "log").mkdir()
    for name, text in (plugins or {}).items():
        write_conf(d / "plugins.d" / name, text)
    log = d / "log" / "audit.log"
    write_conf(d / "auditd.conf", f"""local_events = no
write_logs = yes
log_file = {log}
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 1
name_format = NONE
space_left = 2
admin_space_left = 1
space_left_action = ignore
admin_space_left_action = ignore
disk_full_action = ignore
disk_error_action = ignore
tcp_listen_port = {port}
tcp_listen_queue = 5
tcp_max_per_addr = 4
use_libwrap = no
plugin_dir = {d}/plugins.d
{extra}""")
    script = f"mount -t tmpfs none /run && exec {REF_AUDITD} -n -c {d}"
    proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"reference auditd exited {proc.returncode}: "
                            f"{proc.stderr.read().decode(errors='replace')}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("reference auditd did not start listening")
        yield log
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stderr:
            proc.stderr.close()


def wait_until(predicate, timeout: float = 10.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
