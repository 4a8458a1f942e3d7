"""The few ptrace requests autrace needs, in snake_case, over python-ptrace.

Everything ptrace-specific lives here: the request wrappers, the option and
event constants, and :func:`wait_any`, which turns ``waitpid`` statuses into
:class:`Stop` values.  Errors come out as ``OSError`` (python-ptrace's
``PtraceError`` is translated here, once).
"""
from __future__ import annotations

import ctypes
import enum
import errno
import os
import signal
from dataclasses import dataclass

from ptrace.binding import func as _pt
from ptrace.error import PtraceError

PTRACE_O_TRACEFORK = _pt.PTRACE_O_TRACEFORK
PTRACE_O_TRACEVFORK = _pt.PTRACE_O_TRACEVFORK
PTRACE_O_TRACECLONE = _pt.PTRACE_O_TRACECLONE
PTRACE_O_TRACEEXEC = _pt.PTRACE_O_TRACEEXEC
PTRACE_O_EXITKILL = 0x00100000

FOLLOW_OPTIONS = (PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE
                  | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)
NO_FOLLOW_OPTIONS = PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL

WALL = 0x40000000  # __WALL: wait for threads and non-children tracees too
_PTRACE_GETEVENTMSG = 0x4201
_PTRACE_GETSIGINFO = 0x4202


class PtraceEvent(enum.IntEnum):
    NONE = 0
    FORK = _pt.PTRACE_EVENT_FORK
    VFORK = _pt.PTRACE_EVENT_VFORK
    CLONE = _pt.PTRACE_EVENT_CLONE
    EXEC = _pt.PTRACE_EVENT_EXEC
    VFORK_DONE = _pt.PTRACE_EVENT_VFORK_DONE
    EXIT = _pt.PTRACE_EVENT_EXIT


class StopKind(enum.Enum):
    EXITED = "exited"        # gone, with an exit code
    KILLED = "killed"        # gone, killed by a signal
    EVENT = "event"          # a PTRACE_EVENT_* stop
    SIGNAL = "signal"        # signal-delivery-stop (or group-stop)


@dataclass(frozen=True, slots=True)
class Stop:
    """One ``waitpid`` report about a tracee (a thread id)."""

    pid: int
    kind: StopKind
    code: int = 0            # exit code (EXITED) or signal number (KILLED, SIGNAL)
    event: PtraceEvent = PtraceEvent.NONE
    core_dumped: bool = False


def _translate(exc: PtraceError) -> OSError:
    code = exc.errno or errno.EIO
    return OSError(code, f"ptrace: {os.strerror(code)}")


def trace_me() -> None:
    """In a freshly forked child: let the parent trace us."""
    try:
        _pt.ptrace_traceme()
    except PtraceError as exc:
        raise _translate(exc) from None


def set_options(pid: int, options: int) -> None:
    try:
        _pt.ptrace_setoptions(pid, options)
    except PtraceError as exc:
        raise _translate(exc) from None


def resume(pid: int, sig: int = 0) -> None:
    """PTRACE_CONT (no syscall stops); ESRCH (already gone) is ignored."""
    try:
        _pt.ptrace_cont(pid, sig)
    except PtraceError as exc:
        if exc.errno != errno.ESRCH:
            raise _translate(exc) from None


def detach(pid: int, sig: int = 0) -> None:
    try:
        _pt.ptrace_detach(pid, sig)
    except PtraceError as exc:
        if exc.errno != errno.ESRCH:
            raise _translate(exc) from None


def event_message(pid: int) -> int:
    """PTRACE_GETEVENTMSG: the new pid (fork/clone), former tid (exec)..."""
    value = ctypes.c_ulong()
    try:
        _pt.ptrace(_PTRACE_GETEVENTMSG, pid, 0, ctypes.addressof(value))
    except PtraceError as exc:
        raise _translate(exc) from None
    return value.value


def in_group_stop(pid: int) -> bool:
    """True when a SIGSTOP-like stop is a group-stop (no siginfo), not a delivery."""
    buf = ctypes.create_string_buffer(128)
    try:
        _pt.ptrace(_PTRACE_GETSIGINFO, pid, 0, ctypes.addressof(buf))
    except PtraceError as exc:
        return exc.errno == errno.EINVAL
    return False


def decode_status(pid: int, status: int) -> Stop:
    if os.WIFEXITED(status):
        return Stop(pid, StopKind.EXITED, os.WEXITSTATUS(status))
    if os.WIFSIGNALED(status):
        return Stop(pid, StopKind.KILLED, os.WTERMSIG(status), core_dumped=os.WCOREDUMP(status))
    sig = os.WSTOPSIG(status)
    event = (status >> 16) & 0xFF
    if event:
        try:
            ev = PtraceEvent(event)
        except ValueError:
            ev = PtraceEvent.NONE
        return Stop(pid, StopKind.EVENT, sig, ev)
    return Stop(pid, StopKind.SIGNAL, sig)


def wait_any(block: bool = False) -> Stop | None:
    """The next tracee report, or None (nothing ready / no tracee left)."""
    flags = WALL | (0 if block else os.WNOHANG)
    while True:
        try:
            pid, status = os.waitpid(-1, flags)
        except ChildProcessError:
            return None
        except InterruptedError:  # pragma: no cover - PEP 475 retries
            continue
        if pid == 0:
            return None
        return decode_status(pid, status)


def wait_for(pid: int) -> Stop:
    """Block until ``pid`` reports."""
    _, status = os.waitpid(pid, WALL)
    return decode_status(pid, status)


STOPPING_SIGNALS = frozenset((signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU))
