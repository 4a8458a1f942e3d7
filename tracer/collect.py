"""Receive the kernel's records, keep the events of this run, spot lost records.

The read path must keep up with a traced program that makes tens of
thousands of syscalls a second, so it works on raw netlink text: records
are grouped by serial without being parsed, an event is ours when its
SYSCALL record carries our key, and only our events become
:class:`~audix.analysis.record.Record` objects.  Every record (ours or not)
feeds the serial-gap tracker.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from audix.analysis.event import is_last_record_type
from audix.analysis.record import Record, make_record, type_name
from audix.analysis.timeline.lost import SerialGapTracker

SYSCALL = 1300
EOE = 1320
PROCTITLE = 1327
STALE_SERIALS = 2048
_LAST_TYPE: dict[int, bool] = {}        # an event this far behind the newest serial is complete


def record_of(rtype: int, text: str) -> Record:
    """``make_record`` for kernel text, without the regex (hot path)."""
    dot = text.find(".", 6)
    colon = text.find(":", dot)
    close = text.find("):", colon)
    if not text.startswith("audit(") or min(dot, colon, close) < 0:
        return make_record(rtype, text)
    name = type_name(rtype)
    prefix = f"type={name} msg="
    start = len(prefix) + close + 2
    line = prefix + text
    if line.startswith(" ", start):
        start += 1
    try:
        return Record(line, None, rtype, name, int(text[6:dot]), int(text[dot + 1:colon]),
                      int(text[colon + 1:close]), start)
    except ValueError:
        return make_record(rtype, text)


def serial_of(text: str) -> int:
    """SERIAL of ``audit(SEC.MSEC:SERIAL): ...`` (-1 when malformed)."""
    colon = text.find(":", 6)
    close = text.find(")", colon)
    try:
        return int(text[colon + 1:close])
    except ValueError:
        return -1


@dataclass
class EventFilter:
    """Group raw records into events; pass ours (by key) to ``on_event``.

    ``on_event`` receives each of our events as its list of ``(type, text)``
    records, the finished events of one :meth:`feed` call in serial order.
    ``on_raw_line`` (``--log``) receives the log line of each record of our
    events.
    """

    key: str
    on_event: Callable[[list[tuple[int, str]]], None]
    on_raw_line: Callable[[str], None] | None = None
    keep_proctitle: bool = True
    gaps: SerialGapTracker = field(default_factory=SerialGapTracker)
    _building: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    _mine: set[int] = field(default_factory=set)
    events_kept: int = 0

    def __post_init__(self) -> None:
        self._needle = f' key="{self.key}"'

    def feed(self, batch: list[tuple[int, str]]) -> None:
        """Records as (type, text) pairs (RawRecord is one)."""
        finished: list[int] = []
        building = self._building
        mine = self._mine
        needle = self._needle
        keep_proctitle = self.keep_proctitle
        last_cache = _LAST_TYPE
        gaps = self.gaps
        high = gaps.highest
        missing = gaps.missing
        for rec in batch:
            rtype, text = rec
            colon = text.find(":", 6)
            try:
                serial = int(text[colon + 1:text.find(")", colon)])
            except ValueError:
                continue
            # the gap tracker's see(), inlined (this loop runs for every record)
            if high is None or serial > high:
                if high is not None and serial > high + 1:
                    missing.update(range(high + 1, serial))
                high = serial
            elif serial < high and missing:
                missing.discard(serial)
            if rtype == EOE:
                if serial in building:
                    finished.append(serial)
                continue
            recs = building.get(serial)
            if recs is None:
                recs = building[serial] = []
            if rtype != PROCTITLE or keep_proctitle:
                recs.append(rec)
            if rtype == SYSCALL and needle in text:
                mine.add(serial)
            last = last_cache.get(rtype)
            if last is None:
                last = last_cache[rtype] = is_last_record_type(rtype)
            if last:
                finished.append(serial)
        gaps.highest = high
        if high is not None and len(building) > len(finished):
            finished.extend(s for s in building if s < high - STALE_SERIALS)
        if finished:
            self._finish(sorted(set(finished)))

    @property
    def pending_mine(self) -> int:
        """Our events still waiting for their last record."""
        return len(self._mine)

    def flush(self) -> None:
        self._finish(sorted(self._building))

    def _finish(self, serials: list[int]) -> None:
        building = self._building
        mine = self._mine
        for serial in serials:
            recs = building.pop(serial, None)
            if recs is None or serial not in mine:
                continue
            mine.discard(serial)
            if self.on_raw_line is not None:
                for t, text in recs:
                    self.on_raw_line(f"type={type_name(t)} msg={text}")
            self.events_kept += 1
            self.on_event(recs)
