"""Grouping records into events.

An event is the records that share (node, SEC.MSEC, SERIAL).  Records of
different events may interleave.  Two groupers live here:

* ``EventCoalescer`` (live streams: auditd, autrace): ``push`` records in,
  ``flush`` at the end; finished events go to a callback.
* ``LogGrouper`` (ausearch, aureport): reproduces exactly how the reference
  tools group log lines and in which order they release events -- see the
  comment above it.  ``group_log_lines`` is a one-call helper.

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


# ---------------------------------------------------------------------------
# The reference's grouping (ausearch/aureport "lol"), reproduced exactly.
#
# How the reference decides, which this reproduces:
# * a line is accepted when its header yields a time stamp (see
#   ``extract_stamp``); lines outside [start_time, end_time] (whole
#   seconds) are dropped before grouping;
# * a record joins the *building* event with equal (sec, msec, serial,
#   node); otherwise a new event starts (a stray EOE is dropped);
# * completion is only reconsidered when a new event starts: every building
#   event whose first record is of a single-record kind (type < 1300,
#   PROCTITLE, >= 2100 user/anomaly ranges, KERNEL, 1406-1419; note that
#   the kernel's ANOM_* 1700-1799 are *not* among them) or whose
#   second is at least ``eoe_timeout`` older than the new event's becomes
#   complete; at the end of the last input everything completes;
# * events are released lowest time stamp first (sec, msec, serial; ties
#   by slot in the reference's array), and only while the lowest one in
#   flight is complete.
# ---------------------------------------------------------------------------

import heapq
import re
from collections import deque

_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_FAST_STAMP = re.compile(
    r"(?:node=([^ ]*) )?type=([^ ]+) msg=audit\(((\d{1,15})\.(\d{1,3}):(\d{1,15}))\)")
# The common header, with lengths bounded so that a match lies inside the
# reference's 80 (340 with a node) character window and its msg= token is
# long enough: (node, type, stamp, sec, msec, serial).
_HOT_STAMP = re.compile(
    r"(?:node=([^ ]{1,250}) )?type=([^ ]{1,30}) msg=audit\("
    r"((\d{1,15})\.(\d{1,3}):(\d{1,15}))\)")
_TYPE_CACHE: dict[str, int] = {}
LONG_MAX = (1 << 63) - 1
ULONG_MASK = (1 << 64) - 1


def msg_type_from_name(name: str) -> int:
    """libaudit's audit_name_to_msg_type: case-insensitive, UNKNOWN[n], digits; -1."""
    t = _TYPE_CACHE.get(name)
    if t is None:
        t = _msg_type_from_name(name)
        if len(_TYPE_CACHE) < 10000:
            _TYPE_CACHE[name] = t
    return t


def _msg_type_from_name(name: str) -> int:
    from .tables.msgtypes import MSG_TYPE_NUMBERS
    n = MSG_TYPE_NUMBERS.get(name.translate(_ASCII_UPPER))
    if n is not None:
        return n
    if name.startswith("UNKNOWN["):
        end = name.find("]", 8)
        if end < 0:
            return -1
        return c_strtol(name[8:8 + min(end - 8, 7)], 10)[0]
    if name[:1].isdigit() and name[:1].isascii():
        return c_strtol(name, 10)[0]
    return -1


def _c_number(text: str, base: int, signed: bool) -> tuple[int, bool, int]:
    """C strtoul/strtol on ``text``: (value, overflow, chars used)."""
    i, n = 0, len(text)
    while i < n and text[i] in " \t\n\v\f\r":
        i += 1
    neg = False
    if i < n and text[i] in "+-":
        neg = text[i] == "-"
        i += 1
    if base in (0, 16) and text[i:i + 2].lower() == "0x" and i + 2 < n and \
            text[i + 2] in "0123456789abcdefABCDEF":
        i += 2
        base = 16
    elif base == 0:
        base = 8 if text[i:i + 1] == "0" else 10
    start = i
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:base]
    while i < n and text[i].lower() in digits:
        i += 1
    if i == start:
        return 0, False, 0
    value = int(text[start:i], base)
    if signed:
        if not neg and value > LONG_MAX:
            return LONG_MAX, True, i
        if neg and value > LONG_MAX + 1:
            return -LONG_MAX - 1, True, i
        return (-value if neg else value), False, i
    if value > ULONG_MASK:
        return ULONG_MASK, True, i
    return ((-value) & ULONG_MASK if neg else value), False, i


def c_strtoul(text: str, base: int = 10) -> tuple[int, bool]:
    """C strtoul: (value as unsigned long, errno set)."""
    if len(text) < 16 and text.isascii():
        if base == 10 and text.isdigit():
            return int(text), False
        if base == 16 and text.isalnum():
            try:
                return int(text, 16), False
            except ValueError:
                pass
    v, err, _ = _c_number(text, base, False)
    return v, err


def c_strtol(text: str, base: int = 10) -> tuple[int, bool]:
    v, err, _ = _c_number(text, base, True)
    return v, err


def _split_tokens(text: str) -> list[str]:
    """audit_strsplit: tokens separated by one or more spaces."""
    return [t for t in text.split(" ") if t]


def extract_stamp(piece: str, eoe_timeout: int, errors: list | None = None):
    """The reference's reading of a line header.

    Returns (sec, msec, serial, node, type) or None for a line it would
    skip.  ``errors`` collects the reference's stderr message for a bad
    time stamp (``Error extracting time stamp (...)``).
    """
    m = _FAST_STAMP.match(piece)
    if m is not None and m.end() <= (340 if piece[0] == "n" else 80) \
            and m.end(3) - m.start(3) >= 8:
        return (int(m.group(4)), int(m.group(5)), int(m.group(6)),
                m.group(1), msg_type_from_name(m.group(2)))
    return _slow_stamp(piece, eoe_timeout, errors)


def _slow_stamp(piece: str, eoe_timeout: int, errors: list | None):
    if not piece:
        return None
    window = piece[:340] if piece[0] == "n" else piece[:80]
    tokens = _split_tokens(window)
    if not tokens:
        return None
    node = None
    tok = tokens.pop(0)
    if tok[0] == "n":
        node = tok[5:]
        if not tokens:
            return None
        tok = tokens.pop(0)
    ttype = tok[5:]
    if not tokens:
        return None
    msg = tokens[0]
    if len(msg) <= 18:
        return None
    if msg[9:10] == "(":
        pos = 9
    else:
        pos = msg.find("(")
        if pos < 0:
            return None
    stamp = msg[pos + 1:]
    close = stamp.find(")")
    if close >= 0:
        stamp = stamp[:close]
    parsed = _str2event(stamp, eoe_timeout)
    if parsed is None:
        if errors is not None:
            errors.append(f"Error extracting time stamp ({stamp})")
        return None
    sec, msec, serial = parsed
    return sec, msec, serial, node, msg_type_from_name(ttype)


def _str2event(s: str, eoe_timeout: int):
    sec, err = c_strtoul(s, 10)
    if err or sec > LONG_MAX - eoe_timeout - 1:
        return None
    dot = s.find(".")
    if dot >= 0:
        s = s[dot + 1:]
        msec, err = c_strtoul(s, 10)
        if err or msec > 999:
            return None
    else:
        msec = 0
    colon = s.find(":")
    serial = 0
    if colon >= 0:
        serial, err = c_strtoul(s[colon + 1:], 10)
        if err:
            return None
    return sec, msec, serial


def _continuation(ev, node, stamp):
    """(lead, type name start, marker) of the headers that continue ``ev``:
    ``[node=NODE ]type=`` + a 1-30 character name without spaces + the
    marker `` msg=audit(STAMP)`` -- exactly the lines _HOT_STAMP reads as
    (node, stamp).  marker None: no event to continue."""
    if ev is None:
        return None, 0, None
    lead = "type=" if node is None else "node=" + node + " type="
    return lead, len(lead), " msg=audit(" + stamp + ")"


def completes_alone(type_: int) -> bool:
    """Event kinds the reference treats as complete once they start."""
    return (type_ == PROCTITLE or type_ < 1300 or type_ >= 2100
            or type_ == 2000 or 1406 <= type_ <= 1419)


class LogEvent:
    """An event as the reference assembles it: its lines, as read.

    ``lines`` are the accepted line pieces (newline removed, ENRICHED part
    kept); ``types`` their record types (-1 when unnamed); ``type`` the
    first record's type; ``enriched`` whether any line has the ``\\x1d``
    separator.
    """

    __slots__ = ("sec", "msec", "serial", "node", "type", "lines", "types",
                 "slot", "complete", "search", "locs")

    def __init__(self, sec, msec, serial, node, type_, slot):
        self.sec = sec
        self.msec = msec
        self.serial = serial
        self.node = node
        self.type = type_
        self.lines: list[str] = []
        self.types: list[int] = []
        self.slot = slot
        self.complete = False
        self.search = None
        self.locs: list | None = None    # where each line came from (index builder only)

    @property
    def id(self) -> EventID:
        return EventID(self.sec, self.msec, self.serial, self.node)

    @property
    def enriched(self) -> bool:
        return any("\x1d" in line for line in self.lines)

    def records(self) -> list[Record]:
        """The lines as Records (lines the core parser refuses are left out)."""
        from .record import ParseError, parse_record
        out = []
        for line in self.lines:
            try:
                out.append(parse_record(line))
            except ParseError:
                pass
        return out

    def __len__(self) -> int:
        return len(self.lines)

    def __repr__(self) -> str:
        return f"LogEvent({self.sec}.{self.msec:03d}:{self.serial}, {len(self.lines)} lines)"


class LogGrouper:
    """Group log lines into events exactly like the reference ausearch.

    ``add_lines(pieces, out)`` feeds line pieces and appends every event
    that becomes ready to ``out`` (a list), in the reference's order.
    ``finish(out)`` ends the input (completes everything); ``drain(out)``
    releases what is ready without completing (end of a non-last file).
    ``start_time``/``end_time`` (0 = unset) drop lines outside that range.

    For the search index (``analysis/index``): ``add_lines(pieces, out,
    locs)`` also records, per event, where each of its lines came from
    (``ev.locs``, parallel to ``ev.lines``; opaque integers chosen by the caller) and sets ``batch_secs`` to the
    (min, max) second of the lines of that call that carried a time stamp;
    ``snapshot()``/``restore()`` save and rebuild the exact state between
    two lines, so grouping can resume where an earlier run stopped.
    """

    def __init__(self, eoe_timeout: int = DEFAULT_EOE_TIMEOUT,
                 start_time: int = 0, end_time: int = 0,
                 errors: list | None = None):
        self.eoe_timeout = eoe_timeout
        self.start_time = start_time
        self.end_time = end_time
        self.errors = errors
        self._building: dict[tuple, LogEvent] = {}
        # Events in flight by (sec, msec, serial, slot): logs are mostly in
        # time order, so keys that do not go backwards are appended to a
        # sorted run (O(1)); the rest go to a heap.  The minimum is the
        # smaller of both heads.
        self._order_run: deque = deque()     # (sec, msec, serial, slot, ev), sorted
        self._order_heap: list[tuple] = []
        self._count = 0
        # building events that may time out, by start second (same scheme)
        self._to_run: deque = deque()        # (sec, slot, ev), sorted
        self._to_heap: list[tuple] = []
        self._free_slots: list[int] = []
        self._next_slot = 0
        self._last_head = None
        self._last_event: LogEvent | None = None
        self.in_flight_max = 0
        self.batch_secs: tuple[int, int] | None = None

    @property
    def in_flight(self) -> int:
        return self._count

    def add_lines(self, pieces: list[str], out: list, locs: list | None = None) -> None:
        building = self._building
        hot = _HOT_STAMP.match
        tcache = _TYPE_CACHE
        start, end = self.start_time, self.end_time
        last_node = last_stamp = None
        last_ev = self._last_event
        if last_ev is not None:
            last_node, last_stamp = self._last_head
        lo = hi = None
        if locs is not None and last_ev is not None and not last_ev.complete:
            lo = hi = last_ev.sec
        lead, tstart, marker = _continuation(last_ev, last_node, last_stamp)
        for i, piece in enumerate(pieces):
            # a record of the event the previous line went to: its header is
            # that line's (node, stamp) with any type name; checked with
            # string operations instead of the regex (same outcome)
            if marker is not None and piece.startswith(lead):
                sp = piece.find(" ", tstart, tstart + 31)
                if sp > tstart and piece.startswith(marker, sp) and not last_ev.complete:
                    last_ev.lines.append(piece)
                    tname = piece[tstart:sp]
                    t = tcache.get(tname)
                    last_ev.types.append(t if t is not None else msg_type_from_name(tname))
                    if locs is not None:
                        last_ev.locs.append(locs[i])
                    continue
            m = hot(piece)
            if m is not None:
                node, tname, stamp, s_sec, s_msec, s_serial = m.groups()
                if stamp == last_stamp and node == last_node and not last_ev.complete:
                    last_ev.lines.append(piece)
                    t = tcache.get(tname)
                    last_ev.types.append(t if t is not None else msg_type_from_name(tname))
                    if locs is not None:
                        last_ev.locs.append(locs[i])
                    continue
                if len(stamp) < 8:
                    info = _slow_stamp(piece, self.eoe_timeout, self.errors)
                    m = None
                else:
                    t = tcache.get(tname)
                    info = (int(s_sec), int(s_msec), int(s_serial), node,
                            t if t is not None else msg_type_from_name(tname))
            else:
                info = _slow_stamp(piece, self.eoe_timeout, self.errors)
            if info is None:
                continue
            sec = info[0]
            if (start and sec < start) or (end and sec > end):
                continue
            if locs is not None:
                if lo is None:
                    lo = hi = sec
                elif sec < lo:
                    lo = sec
                elif sec > hi:
                    hi = sec
            key = info[:4]
            ev = building.get(key)
            if ev is not None:
                ev.lines.append(piece)
                ev.types.append(info[4])
                if locs is not None:
                    ev.locs.append(locs[i])
            elif info[4] == EOE:
                continue
            else:
                ev = self._new_event(info, piece)
                if locs is not None:
                    ev.locs = [locs[i]]
                self._check(sec)
                self._drain(out)
            if m is not None:
                last_node, last_stamp, last_ev = node, stamp, ev
                lead, tstart, marker = _continuation(ev, node, stamp)
            else:
                last_node = last_stamp = last_ev = None
                marker = None
        self._last_head = (last_node, last_stamp)
        self._last_event = last_ev
        if locs is not None:
            self.batch_secs = None if lo is None else (lo, hi)

    def _new_event(self, info, piece) -> LogEvent:
        sec, msec, serial, node, type_ = info
        if self._free_slots:
            slot = heapq.heappop(self._free_slots)
        else:
            slot = self._next_slot
            self._next_slot += 1
        ev = LogEvent(sec, msec, serial, node, type_, slot)
        ev.lines.append(piece)
        ev.types.append(type_)
        self._building[(sec, msec, serial, node)] = ev
        item = (sec, msec, serial, slot, ev)
        run = self._order_run
        if not run or item[:4] >= run[-1][:4]:
            run.append(item)
        else:
            heapq.heappush(self._order_heap, item)
        self._count += 1
        if completes_alone(type_):
            self._complete(ev)
        else:
            trun = self._to_run
            if not trun or sec >= trun[-1][0]:
                trun.append((sec, slot, ev))
            else:
                heapq.heappush(self._to_heap, (sec, slot, ev))
        if self._count > self.in_flight_max:
            self.in_flight_max = self._count
        return ev

    def _complete(self, ev: LogEvent) -> None:
        if not ev.complete:
            ev.complete = True
            key = (ev.sec, ev.msec, ev.serial, ev.node)
            if self._building.get(key) is ev:
                del self._building[key]

    def _check(self, now: int) -> None:
        limit = now - self.eoe_timeout
        trun = self._to_run
        while trun and trun[0][0] <= limit:
            self._complete(trun.popleft()[2])
        th = self._to_heap
        while th and th[0][0] <= limit:
            self._complete(heapq.heappop(th)[2])

    def _drain(self, out: list) -> None:
        run = self._order_run
        heap = self._order_heap
        free = self._free_slots
        while True:
            if run:
                if heap and heap[0][:4] < run[0][:4]:
                    if not heap[0][4].complete:
                        return
                    ev = heapq.heappop(heap)[4]
                else:
                    if not run[0][4].complete:
                        return
                    ev = run.popleft()[4]
            elif heap:
                if not heap[0][4].complete:
                    return
                ev = heapq.heappop(heap)[4]
            else:
                return
            self._count -= 1
            heapq.heappush(free, ev.slot)
            out.append(ev)

    def drain(self, out: list) -> None:
        """Release the events that are ready (end of a file that is not the last)."""
        self._drain(out)

    def finish(self, out: list) -> None:
        """End of the last input: everything completes and is released."""
        for ev in list(self._building.values()):
            self._complete(ev)
        self._to_run.clear()
        self._to_heap.clear()
        self._drain(out)
        self._last_event = None
        self._last_head = None


    # --- saving and resuming (the search index) ----------------------------
    def snapshot(self) -> dict:
        """The state between two lines as plain data (JSON-safe).

        Everything that decides later grouping and release order is kept:
        the events in flight (lines, types, locations, slot, completion),
        which of them still take records, their timeout order, the free
        slots and the header of the last line.  Timeout entries of events
        already complete are left out (checking them again changes nothing).
        """
        events: list[LogEvent] = []
        index: dict[int, int] = {}

        def ref(ev: LogEvent) -> int:
            k = id(ev)
            if k not in index:
                index[k] = len(events)
                events.append(ev)
            return index[k]

        run = [ref(item[4]) for item in self._order_run]
        heap = [ref(item[4]) for item in self._order_heap]
        to_run = [ref(item[2]) for item in self._to_run if not item[2].complete]
        to_heap = [ref(item[2]) for item in self._to_heap if not item[2].complete]
        last = self._last_event
        last_ref = ref(last) if last is not None and not last.complete else None
        building = [ref(ev) for ev in self._building.values()]
        return {
            "eoe_timeout": self.eoe_timeout,
            "events": [[e.sec, e.msec, e.serial, e.node, e.type, e.slot, e.complete,
                        e.lines, e.types, e.locs] for e in events],
            "order_run": run, "order_heap": heap, "to_run": to_run, "to_heap": to_heap,
            "building": building, "free_slots": list(self._free_slots),
            "next_slot": self._next_slot, "count": self._count,
            "last_event": last_ref,
            "last_head": list(self._last_head) if last_ref is not None else None,
        }

    @classmethod
    def restore(cls, state: dict, errors: list | None = None) -> "LogGrouper":
        """A grouper in the state ``snapshot()`` saved (no time range)."""
        g = cls(int(state["eoe_timeout"]), errors=errors)
        events = []
        for sec, msec, serial, node, type_, slot, complete, lines, types, locs in state["events"]:
            ev = LogEvent(sec, msec, serial, node, type_, slot)
            ev.complete = bool(complete)
            ev.lines = list(lines)
            ev.types = list(types)
            ev.locs = None if locs is None else [int(x) for x in locs]
            events.append(ev)

        def order_item(i: int) -> tuple:
            e = events[i]
            return (e.sec, e.msec, e.serial, e.slot, e)

        g._order_run = deque(order_item(i) for i in state["order_run"])
        g._order_heap = [order_item(i) for i in state["order_heap"]]
        heapq.heapify(g._order_heap)
        g._to_run = deque((events[i].sec, events[i].slot, events[i]) for i in state["to_run"])
        g._to_heap = [(events[i].sec, events[i].slot, events[i]) for i in state["to_heap"]]
        heapq.heapify(g._to_heap)
        for i in state["building"]:
            e = events[i]
            g._building[(e.sec, e.msec, e.serial, e.node)] = e
        g._free_slots = list(state["free_slots"])
        heapq.heapify(g._free_slots)
        g._next_slot = int(state["next_slot"])
        g._count = int(state["count"])
        if state["last_event"] is not None:
            g._last_event = events[state["last_event"]]
            g._last_head = tuple(state["last_head"])
        return g


def group_log_lines(pieces, eoe_timeout: int = DEFAULT_EOE_TIMEOUT) -> list[LogEvent]:
    """All events of some line pieces, in the reference's order (small inputs)."""
    out: list[LogEvent] = []
    g = LogGrouper(eoe_timeout)
    g.add_lines(list(pieces), out)
    g.finish(out)
    return out
