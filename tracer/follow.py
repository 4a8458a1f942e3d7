"""Follow a traced process tree through ptrace event stops only.

No syscall stops: tracees run freely between fork/vfork/clone/exec events.
A new process is held at its creation stop until the listener's
``process_started`` (which installs its audit rule) has returned, so the
new process cannot make one syscall before it is audited.  Threads share
their process's audit ``pid`` (the tgid), so they need no rule of their own.
"""
from __future__ import annotations

import enum
import os
import signal
from dataclasses import dataclass, field
from typing import Protocol

from . import ptrace_api
from .ptrace_api import PtraceEvent, Stop, StopKind


class StartKind(enum.Enum):
    SPAWN = "spawn"
    FORK = "fork"
    VFORK = "vfork"
    CLONE = "clone"


_START_KINDS = {PtraceEvent.FORK: StartKind.FORK, PtraceEvent.VFORK: StartKind.VFORK,
                PtraceEvent.CLONE: StartKind.CLONE}


@dataclass(frozen=True)
class ExitStatus:
    """How a process ended: an exit code, or a signal (with core dump flag)."""

    code: int | None = None
    signal: int | None = None
    core_dumped: bool = False

    @property
    def shell_status(self) -> int:
        """The exit status a shell reports (128+N for a signal)."""
        if self.signal is not None:
            return 128 + self.signal
        return self.code or 0


class FollowListener(Protocol):
    def process_started(self, pid: int, parent: int, kind: StartKind) -> None: ...
    def thread_started(self, tid: int, pid: int) -> None: ...
    def process_exec(self, pid: int) -> None: ...
    def thread_exited(self, tid: int, pid: int) -> None: ...
    def process_exited(self, pid: int, status: ExitStatus) -> None: ...


@dataclass
class Follower:
    """The ptrace side of a trace session (use from one thread only)."""

    root: int
    listener: FollowListener
    follow: bool = True
    processes: set[int] = field(default_factory=set)        # live tgids
    threads: dict[int, int] = field(default_factory=dict)   # non-leader tid -> tgid
    _held: set[int] = field(default_factory=set)            # initial stop seen, no parent event yet
    _awaiting_stop: set[int] = field(default_factory=set)   # known, initial stop not yet seen
    root_status: ExitStatus | None = None

    def start(self) -> None:
        """Set the options on the stopped root, report it, and let it run."""
        ptrace_api.set_options(self.root, ptrace_api.FOLLOW_OPTIONS if self.follow
                               else ptrace_api.NO_FOLLOW_OPTIONS)
        self.processes.add(self.root)
        self.listener.process_started(self.root, os.getpid(), StartKind.SPAWN)
        ptrace_api.resume(self.root, 0)

    @property
    def alive(self) -> bool:
        return bool(self.processes or self.threads or self._held)

    def tgid_of(self, tid: int) -> int:
        return self.threads.get(tid, tid)

    def pump(self, block: bool = False) -> int:
        """Handle every report ready now (or wait for one); return how many."""
        count = 0
        while True:
            stop = ptrace_api.wait_any(block and count == 0)
            if stop is None:
                return count
            self.handle(stop)
            count += 1

    def signal_all(self, sig: int) -> None:
        for pid in list(self.processes):
            try:
                os.kill(pid, sig)
            except OSError:
                pass

    # -- one report ---------------------------------------------------------
    def handle(self, stop: Stop) -> None:
        if stop.kind is StopKind.EVENT:
            self._on_event(stop)
        elif stop.kind is StopKind.SIGNAL:
            self._on_signal(stop)
        else:
            self._on_gone(stop)

    def _on_event(self, stop: Stop) -> None:
        pid = stop.pid
        kind = _START_KINDS.get(stop.event)
        if kind is not None:
            new = ptrace_api.event_message(pid)
            parent = self.tgid_of(pid)
            if kind is StartKind.CLONE and os.path.exists(f"/proc/{parent}/task/{new}"):
                self.threads[new] = parent
                self.listener.thread_started(new, parent)
            else:
                self.processes.add(new)
                self.listener.process_started(new, parent, kind)
            if new in self._held:
                self._held.discard(new)
                ptrace_api.resume(new, 0)
            else:
                self._awaiting_stop.add(new)
        elif stop.event is PtraceEvent.EXEC:
            former = ptrace_api.event_message(pid)
            if former != pid:
                self.threads.pop(former, None)
            self.listener.process_exec(pid)
        ptrace_api.resume(pid, 0)

    def _on_signal(self, stop: Stop) -> None:
        pid, sig = stop.pid, stop.code
        known = pid in self.processes or pid in self.threads
        if not known:
            # a new tracee's initial stop, before its parent's event: hold it
            self._held.add(pid)
            return
        if pid in self._awaiting_stop and sig == signal.SIGSTOP:
            self._awaiting_stop.discard(pid)
            ptrace_api.resume(pid, 0)
            return
        if sig in ptrace_api.STOPPING_SIGNALS and ptrace_api.in_group_stop(pid):
            ptrace_api.resume(pid, 0)
            return
        ptrace_api.resume(pid, sig)

    def _on_gone(self, stop: Stop) -> None:
        pid = stop.pid
        self._held.discard(pid)
        self._awaiting_stop.discard(pid)
        if pid in self.threads:
            tgid = self.threads.pop(pid)
            self.listener.thread_exited(pid, tgid)
            return
        if pid not in self.processes:
            return
        self.processes.discard(pid)
        if stop.kind is StopKind.EXITED:
            status = ExitStatus(code=stop.code)
        else:
            status = ExitStatus(signal=stop.code, core_dumped=stop.core_dumped)
        if pid == self.root:
            self.root_status = status
        self.listener.process_exited(pid, status)
