"""Receive the kernel's records, keep the events of this run, spot lost records.

The read path must keep up with a traced program that makes tens of
thousands of syscalls a second, so it works on the raw netlink datagrams
(~1 us per record): records are grouped by serial without being parsed or
decoded, an event is ours when its SYSCALL record carries our key, and only
our events are decoded (by whoever renders them: in the render worker, or
never when the timeline is thrown away).  Every record (ours or not) feeds
the serial-gap tracker.
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
STALE_SERIALS = 2048                    # an event this far behind the newest serial is complete
_LAST_TYPE: dict[int, bool] = {}        # record type -> is_last_record_type (cache)


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


_HEADER = 16                 # struct nlmsghdr before the record text
_FIRST_RECORD_TYPE = 1100
_AUDIT_USER = 1005


def datagram_of(rtype: int, text: str) -> bytes:
    """The netlink datagram that carries the record ``(rtype, text)`` (header port ids 0)."""
    body = text.encode("latin-1")
    return (_HEADER + len(body)).to_bytes(4, "little") + rtype.to_bytes(2, "little") + bytes(10) + body


def texts_of(datagrams: list[bytes]) -> list[tuple[int, str]]:
    """``(type, "audit(S.M:N): body")`` of each datagram of an event."""
    return [(d[4] | d[5] << 8, d[_HEADER:].rstrip(b"\0\n").decode("latin-1")) for d in datagrams]


@dataclass
class EventFilter:
    """Group raw records into events; pass ours (by key) to ``on_event``.

    The hot path is :meth:`feed_datagrams`: kernel datagrams as read from
    the socket, never decoded unless they belong to one of our events.
    ``on_event`` receives each of our events as its list of ``(type, text)``
    records (with ``raw=True``: its list of datagrams, for a consumer that
    decodes them later or not at all), the finished events of one feed in
    serial order.  ``on_raw_line`` (``--log``) receives the log line of each
    record of our events.
    """

    key: str
    on_event: Callable[[list], None]
    on_raw_line: Callable[[str], None] | None = None
    keep_proctitle: bool = True
    raw: bool = False
    gaps: SerialGapTracker = field(default_factory=SerialGapTracker)
    _building: dict[int, list[bytes]] = field(default_factory=dict)
    _mine: set[int] = field(default_factory=set)
    events_kept: int = 0

    def __post_init__(self) -> None:
        self._needle = f' key="{self.key}"'.encode("latin-1")

    def feed(self, batch: list[tuple[int, str]]) -> None:
        """Records as (type, text) pairs (RawRecord is one)."""
        self.feed_datagrams([datagram_of(t, text) for t, text in batch])

    def feed_datagrams(self, batch: list[bytes]) -> None:
        """Kernel datagrams (header included); acks and control replies are skipped."""
        finished: list[int] = []
        building = self._building
        mine = self._mine
        needle = self._needle
        keep_proctitle = self.keep_proctitle
        last_cache = _LAST_TYPE
        gaps = self.gaps
        high = gaps.highest
        missing = gaps.missing
        for data in batch:
            rtype = data[4] | data[5] << 8
            if rtype < _FIRST_RECORD_TYPE and rtype != _AUDIT_USER:
                continue
            colon = data.find(b":", 22)
            try:
                serial = int(data[colon + 1:data.find(b")", colon)])
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
                recs.append(data)
            if rtype == SYSCALL and needle in data:
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
            self._finish(sorted(set(finished)) if len(finished) > 1 else finished)

    @property
    def pending_mine(self) -> int:
        """Our events still waiting for their last record."""
        return len(self._mine)

    def flush(self) -> None:
        self._finish(sorted(self._building))

    def _finish(self, serials: list[int]) -> None:
        building = self._building
        mine = self._mine
        on_event = self.on_event
        raw = self.raw
        on_raw_line = self.on_raw_line
        for serial in serials:
            recs = building.pop(serial, None)
            if recs is None or serial not in mine:
                continue
            mine.discard(serial)
            self.events_kept += 1
            if raw and on_raw_line is None:
                on_event(recs)
                continue
            texts = texts_of(recs)
            if on_raw_line is not None:
                for t, text in texts:
                    on_raw_line(f"type={type_name(t)} msg={text}")
            on_event(recs if raw else texts)
