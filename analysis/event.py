"""Grouping records into events.

An event is the records that share (node, SEC.MSEC, SERIAL).  Records of
different events may interleave.  The coalescer has a tiny surface: ``push``
records in, ``flush`` at the end; finished events go to a callback.

Completion (AUDIT-REFERENCE.md section 3): an event is finished by a record
of a "last" type (PROCTITLE, EOE, and single-record types: 1005-1299,
KERNEL 2000, >= 2100 user/anomaly ranges, 1406-1419), or when a record at
least ``eoe_timeout`` seconds newer than the event arrives, or at ``flush``.
EOE records end their event and are not kept in it; an EOE for an event
already finished is dropped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from .record import EventID, Record

EOE = 1320
PROCTITLE = 1327
DEFAULT_EOE_TIMEOUT = 2


def is_last_record_type(type_: int) -> bool:
    """True for record types after which no more records of the event come."""
    return (
        type_ == PROCTITLE
        or type_ == EOE
        or 1005 <= type_ < 1300
        or type_ == 2000
        or type_ >= 2100
        or 1406 <= type_ <= 1419
    )


@dataclass(slots=True)
class Event:
    """The records of one event, in arrival order."""

    id: EventID
    records: list[Record] = field(default_factory=list)

    @property
    def type(self) -> int:
        """The type of the first record (how the reference classifies events)."""
        return self.records[0].type

    def find(self, type_: int) -> Record | None:
        for r in self.records:
            if r.type == type_:
                return r
        return None

    def find_all(self, type_: int) -> list[Record]:
        return [r for r in self.records if r.type == type_]

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of field ``name`` in any record of the event."""
        for r in self.records:
            v = r.get(name)
            if v is not None:
                return v
        return default

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


class EventCoalescer:
    """Assemble events from records; finished events go to ``on_event``.

    ``ordered=True`` releases finished events in time order, holding back a
    finished event while an older one is still being built (the order in
    which the reference ausearch/aureport print).
    """

    def __init__(self, on_event: Callable[[Event], None],
                 eoe_timeout: float = DEFAULT_EOE_TIMEOUT, ordered: bool = False):
        self._on_event = on_event
        self._timeout = eoe_timeout
        self._ordered = ordered
        self._building: dict[EventID, Event] = {}
        self._finished: list[Event] = []   # finished, waiting for order

    @property
    def in_flight(self) -> int:
        return len(self._building) + len(self._finished)

    def push(self, record: Record) -> None:
        eid = record.event_id
        ev = self._building.get(eid)
        if ev is None:
            if record.type == EOE:
                return  # its event was already finished
            self._expire(record.sec)
            ev = Event(eid)
            self._building[eid] = ev
        if record.type != EOE:
            ev.records.append(record)
        if is_last_record_type(record.type):
            del self._building[eid]
            self._finish(ev)

    def flush(self) -> None:
        """Finish every event still being built (end of input)."""
        building = sorted(self._building.values(), key=lambda e: e.id)
        self._building.clear()
        for ev in building:
            self._finished.append(ev)
        self._release(force=True)

    def _expire(self, now_sec: int) -> None:
        if not self._building:
            return
        limit = now_sec - self._timeout
        stale = [e for e in self._building.values() if e.id.sec <= limit]
        for ev in sorted(stale, key=lambda e: e.id):
            del self._building[ev.id]
            self._finish(ev)

    def _finish(self, ev: Event) -> None:
        if not self._ordered:
            self._on_event(ev)
            return
        self._finished.append(ev)
        self._release(force=False)

    def _release(self, force: bool) -> None:
        if not self._finished:
            return
        self._finished.sort(key=lambda e: e.id)
        oldest_building = min(self._building) if (self._building and not force) else None
        keep: list[Event] = []
        for ev in self._finished:
            if oldest_building is not None and oldest_building < ev.id:
                keep.append(ev)
            else:
                self._on_event(ev)
        self._finished = keep


def coalesce(records: Iterable[Record], eoe_timeout: float = DEFAULT_EOE_TIMEOUT,
             ordered: bool = False) -> Iterator[Event]:
    """Iterate the events of a record stream (a generator over EventCoalescer)."""
    ready: list[Event] = []
    c = EventCoalescer(ready.append, eoe_timeout, ordered)
    for r in records:
        c.push(r)
        if ready:
            yield from ready
            ready.clear()
    c.flush()
    yield from ready
