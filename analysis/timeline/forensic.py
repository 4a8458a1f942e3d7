"""Forensic mode: the events of one process and its descendants, from existing logs.

Descendants are followed through the logs themselves: a successful
fork/vfork/clone of a followed process (not a thread) adds the child, and an
event whose ``ppid`` is a followed process adds its ``pid`` (this also finds
children whose fork record is missing).  A process stops being followed at
its ``exit_group``, so a later process that reuses the number is not taken
for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ..event import Event
from .model import SyscallEvent, syscall_event

CLONE_THREAD = 0x10000
_FORKS = frozenset({"fork", "vfork", "clone", "clone3"})
ANOM_ABEND = 1701


@dataclass
class TreeSelector:
    root: int
    start: float | None = None        # epoch seconds, inclusive
    end: float | None = None          # epoch seconds, inclusive
    followed: set[int] = field(default_factory=set)
    seen_root: bool = False

    def __post_init__(self) -> None:
        self.followed.add(self.root)

    def _in_range(self, t: float) -> bool:
        if self.start is not None and t < self.start:
            return False
        if self.end is not None and t > self.end:
            return False
        return True

    def select(self, events: Iterable[Event]) -> Iterator[tuple[Event, SyscallEvent | None]]:
        """(event, its SyscallEvent or None) for each event of the tree."""
        for event in events:
            if not self._in_range(event.id.time):
                continue
            sc = syscall_event(event)
            if sc is None:
                if event.type == ANOM_ABEND and _int(event.get("pid")) in self.followed:
                    yield event, None
                continue
            pid = sc.pid
            if pid not in self.followed:
                if sc.ppid in self.followed and sc.ppid != pid:
                    self.followed.add(pid)
                else:
                    continue
            if pid == self.root:
                self.seen_root = True
            yield event, sc
            if sc.name in _FORKS and sc.success and sc.exit and sc.exit > 0:
                if not (sc.name == "clone" and sc.args[0] & CLONE_THREAD):
                    self.followed.add(sc.exit)
            elif sc.name == "exit_group" and pid != self.root:
                self.followed.discard(pid)


def _int(value: str | None) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
