"""Receive the kernel's records, keep the events of this run, spot lost records.

The read path must keep up with a traced program that makes tens of
thousands of syscalls a second, so it works on the raw netlink datagrams:
records are grouped by the digits of their serial without being parsed or
decoded, an event is ours when its SYSCALL record carries our key (its last
field, so endswith() nearly always answers), and only
our events are decoded (by whoever renders them: in the render worker, or
never when the timeline is thrown away).  Every record (ours or not) feeds
the serial-gap tracker.  A batch in the common layout is cut into columns
(serials, types) by C-level passes and filed event by event; anything else
record by record, with the same result (``tests/test_autrace_perf.py``).
Measured on 165k records of ``find /usr/share``: 0.75 us per record against
1.2 for the record-by-record loop (0.55 when only counting, see
:mod:`counting`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter, ne
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
    _building: dict[bytes, list] = field(default_factory=dict)   # serial digits -> [serial, datagrams...]
    _mine: set[int] = field(default_factory=set)
    events_kept: int = 0

    def __post_init__(self) -> None:
        needle = f' key="{self.key}"'.encode("latin-1")
        # the kernel writes key= last in a SYSCALL record, so endswith() is the
        # quick test; ``in`` (a value with a space or a quote is written in hex,
        # so nothing else can look like it) covers a kernel that writes more after it
        self._needle = (needle, needle + b"\0", needle + b"\n")
        self._anywhere = needle

    def feed(self, batch: list[tuple[int, str]]) -> None:
        """Records as (type, text) pairs (RawRecord is one)."""
        self.feed_datagrams([datagram_of(t, text) for t, text in batch])

    def feed_datagrams(self, batch: list[bytes]) -> None:
        """Kernel datagrams (header included); acks and control replies are skipped.

        A batch in the common layout (see :func:`batch_columns`) is taken
        event by event (:meth:`_feed_runs`), any other record by record
        (:meth:`_feed_records`); both keep the same books."""
        columns = batch_columns(batch) if len(batch) >= SMALL_BATCH else None
        if columns is None:
            self._feed_records(batch)
        else:
            self._feed_runs(batch, *columns)

    def _feed_runs(self, batch: list[bytes], serials: list[bytes], types: list[bytes]) -> None:
        """The records of a batch in runs of one serial (an event's records come
        together, unless events of two CPUs interleave): a run that is a whole
        event (SYSCALL ... PROCTITLE EOE, seen for the first time) is filed in
        one step; any other run record by record, as :meth:`_feed_records` does."""
        numbers = dict.fromkeys(serials)                  # distinct serials, in arrival order
        for digits in numbers:
            numbers[digits] = int(digits)
        self.gaps.see_all(numbers.values())
        building = self._building
        mine = self._mine
        needle = self._needle
        anywhere = self._anywhere
        keep_proctitle = self.keep_proctitle
        finished: list[int] = []
        count = len(batch)
        starts = [0, *compress(range(1, count), map(ne, serials[1:], serials))]
        for start, end in zip(starts, starts[1:] + [count]):
            key = serials[start]
            recs = building.get(key)
            if (recs is None and end - start >= 3 and types[start] == _SYSCALL_B and types[end - 1] == _EOE_B
                    and types[end - 2] == _PROCTITLE_B and _SPECIAL_B.isdisjoint(types[start + 1:end - 2])):
                serial = numbers[key]
                recs = building[key] = [serial, *batch[start:end - 1 if keep_proctitle else end - 2]]
                if batch[start].endswith(needle) or anywhere in batch[start]:
                    mine.add(serial)
                finished.append(serial)
                continue
            for j in range(start, end):
                rtype = types[j]
                if recs is None:
                    if rtype == _EOE_B:
                        continue                  # the end of an event finished already
                    recs = building[key] = [numbers[key]]
                elif rtype == _EOE_B:
                    finished.append(recs[0])
                    continue
                data = batch[j]
                if rtype != _PROCTITLE_B or keep_proctitle:
                    recs.append(data)
                if rtype == _SYSCALL_B and (data.endswith(needle) or anywhere in data):
                    mine.add(recs[0])
                if _is_last_type(rtype):
                    finished.append(recs[0])
        self._finish_batch(finished)

    def _feed_records(self, batch: list[bytes]) -> None:
        """Record by record (any layout).

        The hot loop (every record of the machine passes here): the serial
        is kept as the bytes of its digits (converted to a number once per
        event, for the gap tracker and the order), the record's text is
        never decoded.  A kernel record's text starts ``audit(`` + 10 digits
        of seconds + ``.`` + 3 of milliseconds, so the serial starts at byte
        37 of the datagram; anything else takes :func:`_serial_digits`.
        """
        finished: list[int] = []
        building = self._building
        mine = self._mine
        needle = self._needle
        anywhere = self._anywhere
        keep_proctitle = self.keep_proctitle
        last_cache = _LAST_TYPE
        gaps = self.gaps
        high = gaps.highest
        missing = gaps.missing
        for data in batch:
            rtype = data[4] | data[5] << 8
            if rtype < _FIRST_RECORD_TYPE and rtype != _AUDIT_USER:
                continue
            if data[36:37] == b":":
                key = data[37:data.find(b")", 37)]
            else:
                key = _serial_digits(data)
                if key is None:
                    continue
            recs = building.get(key)
            if recs is None:
                try:
                    serial = int(key)
                except ValueError:
                    continue
                # the gap tracker's see(), inlined (once per event)
                if high is None or serial > high:
                    if high is not None and serial > high + 1:
                        missing.update(range(high + 1, serial))
                    high = serial
                elif serial < high and missing:
                    missing.discard(serial)
                if rtype == EOE:
                    continue                       # the end of an event finished already
                recs = building[key] = [serial]
            elif rtype == EOE:
                finished.append(recs[0])
                continue
            if rtype != PROCTITLE or keep_proctitle:
                recs.append(data)
            if rtype == SYSCALL and (data.endswith(needle) or anywhere in data):
                mine.add(recs[0])
            last = last_cache.get(rtype)
            if last is None:
                last = last_cache[rtype] = is_last_record_type(rtype)
            if last:
                finished.append(recs[0])
        gaps.highest = high
        self._finish_batch(finished)

    def _finish_batch(self, finished: list[int]) -> None:
        """Hand on the events that ended in a batch, and those left too far behind."""
        high = self.gaps.highest
        building = self._building
        if high is not None and len(building) > len(finished):
            stale = high - STALE_SERIALS
            finished.extend(recs[0] for recs in building.values() if recs[0] < stale)
        if finished:
            self._finish(sorted(set(finished)) if len(finished) > 1 else finished)

    @property
    def pending_mine(self) -> int:
        """Our events still waiting for their last record."""
        return len(self._mine)

    def flush(self) -> None:
        self._finish(sorted(recs[0] for recs in self._building.values()))

    def _finish(self, serials: list[int]) -> None:
        building = self._building
        mine = self._mine
        on_event = self.on_event
        raw = self.raw
        on_raw_line = self.on_raw_line
        for serial in serials:
            recs = building.pop(_digits(serial), None)
            if recs is None:
                continue
            if serial not in mine:
                continue
            mine.discard(serial)
            self.events_kept += 1
            del recs[0]
            if raw and on_raw_line is None:
                on_event(recs)
                continue
            texts = texts_of(recs)
            if on_raw_line is not None:
                for t, text in texts:
                    on_raw_line(f"type={type_name(t)} msg={text}")
            on_event(recs if raw else texts)


SMALL_BATCH = 32                 # below this, the per-batch passes cost more than a loop
_SERIAL_START = 37               # 16-byte header + "audit(" + 10 + "." + 3 + ":"
_SYSCALL_B = SYSCALL.to_bytes(2, "little")
_EOE_B = EOE.to_bytes(2, "little")
_PROCTITLE_B = PROCTITLE.to_bytes(2, "little")
_LAST_B: dict[bytes, bool] = {}


def _is_last_type(two: bytes) -> bool:
    last = _LAST_B.get(two)
    if last is None:
        last = _LAST_B[two] = is_last_record_type(two[0] | two[1] << 8)
    return last


class _SpecialTypes:
    """The record types that need a decision inside an event (SYSCALL, EOE,
    PROCTITLE, the last-record types): ``isdisjoint`` over a run's middle."""

    def isdisjoint(self, types: list[bytes]) -> bool:
        for two in types:
            if two == _SYSCALL_B or two == _EOE_B or two == _PROCTITLE_B or _is_last_type(two):
                return False
        return True


_SPECIAL_B = _SpecialTypes()


def batch_columns(batch: list[bytes]) -> tuple[list[bytes], list[bytes]] | None:
    """(serial digits, type as 2 bytes) of every record of a batch, cut with
    C-level passes; None unless the whole batch has the common layout: kernel
    records of types >= 1280 (no ack or control reply, no user message among
    them) whose time stamps are 10+3 digits and whose serials have one width."""
    first = batch[0]
    close = first.find(b")", _SERIAL_START)
    if close < 0:
        return None
    try:
        if bytes(map(itemgetter(_SERIAL_START - 1), batch)).count(b":") != len(batch):
            return None
        if bytes(map(itemgetter(close), batch)).count(b")") != len(batch):
            return None
    except IndexError:
        return None
    if min(bytes(map(itemgetter(5), batch))) < 5:
        return None
    return list(map(itemgetter(slice(_SERIAL_START, close)), batch)), list(map(itemgetter(slice(4, 6)), batch))


def _digits(serial: int) -> bytes:
    return b"%d" % serial


def _serial_digits(data: bytes) -> bytes | None:
    """The serial's digits of a record whose time stamp is not 10+3 digits wide."""
    if data[16:22] != b"audit(":
        return None
    colon = data.find(b":", 22)
    close = data.find(b")", colon)
    if colon < 0 or close < 0:
        return None
    key = data[colon + 1:close]
    return key if key.isdigit() else None
