"""Start the program to trace: forked, traced, stopped before exec.

The child asks to be traced, stops itself with SIGSTOP and, once resumed,
execs the program.  An exec failure is written to a close-on-exec pipe as
``errno\\n`` and the child exits 127 (ENOENT) or 126 (anything else), like a
shell.  The PATH lookup is done in the parent, as a shell does it, so the
traced child makes exactly one execve.
"""
from __future__ import annotations

import errno
import os
import signal
from dataclasses import dataclass

from . import ptrace_api

EXIT_NOT_FOUND = 127
EXIT_NOT_EXECUTABLE = 126


@dataclass
class Lookup:
    """Result of the PATH lookup: the path to exec, or the errno that stops us."""

    path: str
    error: int = 0


def find_program(name: str, path_env: str | None) -> Lookup:
    """Resolve ``name`` as a shell does (names with a slash are used as given)."""
    if "/" in name:
        return Lookup(name)
    first_denied: str | None = None
    for entry in (path_env if path_env is not None else os.defpath).split(":"):
        candidate = os.path.join(entry or ".", name)
        if not os.path.isfile(candidate):
            continue
        if os.access(candidate, os.X_OK):
            return Lookup(candidate)
        first_denied = first_denied or candidate
    if first_denied:
        return Lookup(first_denied, errno.EACCES)
    return Lookup(name, errno.ENOENT)


def exit_code_for(err: int) -> int:
    return EXIT_NOT_FOUND if err == errno.ENOENT else EXIT_NOT_EXECUTABLE


@dataclass
class Spawned:
    pid: int
    error_fd: int           # read end of the CLOEXEC pipe (EOF = exec succeeded)


def spawn_stopped(path: str, argv: list[str], env: dict[str, str]) -> Spawned:
    """Fork a traced child stopped (SIGSTOP) before it execs ``path``.

    Returns once the child is in its stop; the caller sets ptrace options,
    installs audit rules and resumes it.
    """
    read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(read_fd)
            ptrace_api.trace_me()
            os.kill(os.getpid(), signal.SIGSTOP)
            os.execve(path, argv, env)
        except OSError as exc:
            code = exc.errno or errno.ENOEXEC
            try:
                os.write(write_fd, f"{code}\n".encode())
            finally:
                os._exit(exit_code_for(code))
        os._exit(EXIT_NOT_EXECUTABLE)  # pragma: no cover
    os.close(write_fd)
    stop = ptrace_api.wait_for(pid)
    if stop.kind is not ptrace_api.StopKind.SIGNAL:
        os.close(read_fd)
        raise OSError(errno.ECHILD, "traced child did not stop before exec")
    return Spawned(pid, read_fd)


def read_exec_error(fd: int) -> int | None:
    """Read the child's exec report: an errno, or None (exec succeeded)."""
    data = b""
    while True:
        chunk = os.read(fd, 64)
        if not chunk:
            break
        data += chunk
    os.close(fd)
    text = data.decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
