"""The builder of a run whose timeline nobody reads (``-o /dev/null``): it only counts.

It has :class:`~audix.analysis.timeline.builder.TimelineBuilder`'s
interface as the tracer uses it, so the session runs unchanged while the
decoding and rendering of every event (most of autrace's CPU time) is
skipped.  The counts are the ones the summary line needs: every event the
tracer keeps carries a SYSCALL record (that is how it is recognised as
ours), so one kept event is one syscall.
"""
from __future__ import annotations


class CountingBuilder:
    """Counts syscall events and processes; shows nothing."""

    def __init__(self) -> None:
        self.syscalls = 0
        self.processes = 0
        self._known: set[int] = set()

    def add_datagrams(self, datagrams: list[bytes]) -> None:
        self.syscalls += 1

    def add_root(self, pid: int) -> None:
        self._count(pid)

    def note_start(self, pid: int, parent: int, how: str) -> None:
        self._count(pid)

    def _count(self, pid: int) -> None:
        if pid not in self._known:
            self._known.add(pid)
            self.processes += 1

    def note_exit(self, pid, code, signal_, core_dumped=False, when=None) -> None:
        self._known.discard(pid)

    def note_thread(self, tid: int, tgid: int) -> None:
        pass

    def note_thread_exit(self, tid: int, tgid: int, when: float | None = None) -> None:
        pass

    def note_lost(self, count: int, when: float | None = None, source: str = "serial") -> None:
        pass

    def tick(self) -> None:
        pass

    def flush(self) -> None:
        pass
