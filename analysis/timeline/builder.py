"""Turn a stream of audit events into timeline items, adding process lifecycle lines.

The builder sees the syscall events of the traced processes (in the order
they should be shown) and derives:

* a START line the first time a process shows up (after the parent's
  fork/vfork/clone, or at its own first syscall when that comes first);
* THREAD_START for a clone that made a thread (a live tracer says so with
  :meth:`note_thread`; from logs, the clone flags say so);
* EXEC after a successful execve/execveat;
* EXIT/KILLED: from the tracer (:meth:`note_exit`, which knows about signals),
  placed after the process's ``exit_group`` record when that is coming;
  from logs alone (forensic mode), from the ``exit_group`` record itself.

Items go to ``emit`` as they are decided.
"""
from __future__ import annotations

import time as _time
from dataclasses import dataclass
from typing import Callable

from ..event import Event
from .model import (LostMarker, ProcessChange, ProcessEvent, SyscallEvent, TimelineItem,
                    syscall_event)

CLONE_THREAD = 0x10000
_FORKS = {"fork": "fork", "vfork": "vfork", "clone": "clone", "clone3": "clone"}
_EXECS = frozenset({"execve", "execveat"})
EXIT_HOLD_SECONDS = 0.3
ANOM_ABEND = 1701


@dataclass
class _PendingExit:
    item: ProcessEvent
    deadline: float


class TimelineBuilder:
    """Events in, timeline items out (see module doc)."""

    def __init__(self, emit: Callable[[TimelineItem], None], root_pid: int | None = None,
                 exits_from_records: bool = False, clock: Callable[[], float] = _time.monotonic):
        self._emit = emit
        self._known: set[int] = set()
        if root_pid is not None:
            self._known.add(root_pid)
        self._threads: dict[int, int] = {}           # tid -> tgid (hints)
        self._first_time: dict[int, float] = {}      # pid -> time of its START
        self._hints: dict[int, tuple[int, str]] = {}  # pid -> (parent, how) from the tracer
        self._exit_seen: set[int] = set()            # pids whose exit_group record came
        self._pending: dict[int, _PendingExit] = {}  # exit notices waiting for exit_group
        self._thread_exits: dict[int, list[_PendingExit]] = {}   # tgid -> waiting for an exit record
        self._exits_from_records = exits_from_records
        self._clock = clock
        self.syscalls = 0
        self.processes = len(self._known)

    # -- hints from a live tracer -------------------------------------------
    def add_root(self, pid: int) -> None:
        """The traced program's pid: it needs no START line."""
        if pid not in self._known:
            self._known.add(pid)
            self.processes += 1

    def note_start(self, pid: int, parent: int, how: str) -> None:
        """The tracer saw ``pid`` created by ``parent`` (fork|vfork|clone): used for its START line."""
        self._hints[pid] = (parent, how)

    def note_thread(self, tid: int, tgid: int) -> None:
        self._threads[tid] = tgid

    def note_thread_exit(self, tid: int, tgid: int, when: float | None = None) -> None:
        """Shown after the next ``exit`` record of the process (the thread's own), or
        :data:`EXIT_HOLD_SECONDS` later."""
        item = ProcessEvent(ProcessChange.THREAD_EXIT, tgid, when, tid=tid)
        self._thread_exits.setdefault(tgid, []).append(
            _PendingExit(item, self._clock() + EXIT_HOLD_SECONDS))

    def note_exit(self, pid: int, code: int | None, signal: int | None,
                  core_dumped: bool = False, when: float | None = None) -> None:
        """The tracer saw ``pid`` end (exit code, or killing signal).

        Shown after the process's ``exit_group`` record if that is still to
        come (records travel slower than ptrace reports), at the latest
        :data:`EXIT_HOLD_SECONDS` later.
        """
        if signal is not None:
            item = ProcessEvent(ProcessChange.KILLED, pid, when, code=signal, core_dumped=core_dumped)
        else:
            item = ProcessEvent(ProcessChange.EXIT, pid, when, code=code)
        if pid in self._exit_seen:
            self._exit_seen.discard(pid)
            self._emit_exit(item)
        else:
            self._pending[pid] = _PendingExit(item, self._clock() + EXIT_HOLD_SECONDS)

    def note_lost(self, count: int, when: float | None = None, source: str = "serial") -> None:
        if count > 0:
            self._emit(LostMarker(count, when, source))

    # -- the audit stream -----------------------------------------------------
    def add_event(self, event: Event, ev: SyscallEvent | None = None) -> SyscallEvent | None:
        if ev is None:
            ev = syscall_event(event)
        if ev is not None:
            self.add_syscall(ev)
        elif event.type == ANOM_ABEND and self._exits_from_records:
            self._abend(event)
        return ev

    def _abend(self, event: Event) -> None:
        """ANOM_ABEND (a crash) in the logs: the process was killed by ``sig``."""
        try:
            pid = int(event.get("pid") or "")
            sig = int(event.get("sig") or "")
        except ValueError:
            return
        self._emit_exit(ProcessEvent(ProcessChange.KILLED, pid, event.id.time, code=sig))

    def add_syscall(self, ev: SyscallEvent) -> None:
        pid = ev.pid
        if pid not in self._known:
            self._start(pid, ev.ppid, None, ev.time)
        self.syscalls += 1
        self._emit(ev)
        name = ev.name
        if name in _FORKS and ev.success and ev.exit and ev.exit > 0:
            child = ev.exit
            is_thread = child in self._threads or (name == "clone" and ev.args[0] & CLONE_THREAD)
            if is_thread:
                self._threads.setdefault(child, pid)
                self._emit(ProcessEvent(ProcessChange.THREAD_START, pid, ev.time, tid=child))
            elif child not in self._known and not self._first_time.get(child, -1.0) >= ev.time:
                # (a vfork child runs, and may exit, before its parent's vfork returns)
                self._start(child, pid, _FORKS[name], ev.time)
        elif name in _EXECS and ev.success:
            self._emit(ProcessEvent(ProcessChange.EXEC, pid, ev.time, path=ev.exe))
        elif name == "exit" and self._thread_exits.get(pid):
            self._emit(self._thread_exits[pid].pop(0).item)
        elif name == "exit_group":
            pending = self._pending.pop(pid, None)
            if pending is not None:
                self._emit_exit(pending.item)
            elif self._exits_from_records:
                self._emit(ProcessEvent(ProcessChange.EXIT, pid, ev.time, code=ev.signed(ev.args[0]) & 0xFF))
                self._known.discard(pid)
            else:
                self._exit_seen.add(pid)

    def forget(self, pid: int) -> None:
        """``pid`` is gone (a later process with the same number is a new one)."""
        self._known.discard(pid)

    def is_known(self, pid: int) -> bool:
        return pid in self._known

    def _start(self, pid: int, parent: int | None, how: str | None, when: float | None) -> None:
        hint = self._hints.pop(pid, None)
        if hint is not None:
            parent, how = hint
        self._known.add(pid)
        if when is not None:
            self._first_time[pid] = when
        self.processes += 1
        self._emit(ProcessEvent(ProcessChange.START, pid, when, parent=parent, how=how))

    # -- time -------------------------------------------------------------------
    def tick(self) -> None:
        """Release exit notices whose exit_group record did not come in time."""
        if not self._pending and not self._thread_exits:
            return
        now = self._clock()
        for tgid, waiting in list(self._thread_exits.items()):
            while waiting and waiting[0].deadline <= now:
                self._emit(waiting.pop(0).item)
            if not waiting:
                del self._thread_exits[tgid]
        for pid, p in sorted(self._pending.items(), key=lambda kv: kv[1].deadline):
            if p.deadline <= now:
                del self._pending[pid]
                self._emit_exit(p.item)

    def flush(self) -> None:
        for waiting in self._thread_exits.values():
            for p in waiting:
                self._emit(p.item)
        self._thread_exits.clear()
        for pid in list(self._pending):
            self._emit_exit(self._pending.pop(pid).item)

    def _emit_exit(self, item: ProcessEvent) -> None:
        if item.pid not in self._known:          # none of its syscalls was shown
            self._start(item.pid, None, None, item.time)
        self._known.discard(item.pid)
        self._emit(item)
