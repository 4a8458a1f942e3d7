"""Answering an ausearch run from the index (``answer_from_index``).

Two ways, both handing the normal matcher and writers exactly the events
a full scan would release, in the same order:

* criteria the index narrows on (``planner.event_query``): the events the
  index lists as candidates are read back from the logs (by offset) and
  matched; then grouping resumes from the saved state over whatever the
  index does not hold yet (the last partial line, or everything new when
  the index could not be updated), and the end of input completes the
  events in flight -- the same sequence of steps as the scan.
* ``-ts``/``-te``: the scan over each file reads only the blocks of lines
  whose time stamps can fall in the window, plus what is not indexed.

The index is refreshed first when it may be written; read only, it is
used as it is (its files must still hold what was indexed).
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..event import LogEvent, LogGrouper
from ..logsource import SourceKind
from . import sidecar
from .answer_cache import pack, query_key, unpack
from .builder import Coverage, Covered, close_stream, open_stream, read_coverage, refresh
from .planner import NO_END, event_query, time_window
from .reader import Irregular
from .store import Store, StoreError

if TYPE_CHECKING:
    from ..search.runner import Search
    from ..search.options import SearchOptions

HANDLE_BATCH = 512


class IndexMismatch(Exception):
    """Lines read back are not the event the index lists (it is removed)."""


class RangeReader:
    """A file seen through some of its byte ranges, read in order."""

    def __init__(self, fd: int, ranges: list[tuple[int, int]]):
        self.fd = fd
        self.ranges = [r for r in ranges if r[1] > 0]
        self.i = 0
        self.done = 0

    def read(self, n: int = -1) -> bytes:
        while self.i < len(self.ranges):
            off, length = self.ranges[self.i]
            left = length - self.done
            if left <= 0:
                self.i += 1
                self.done = 0
                continue
            want = left if n is None or n < 0 else min(n, left)
            data = os.pread(self.fd, want, off + self.done)
            if not data:
                self.i += 1
                self.done = 0
                continue
            self.done += len(data)
            return data
        return b""

    def close(self) -> None:
        pass


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for off, length in ranges:
        if out and out[-1][0] + out[-1][1] == off:
            out[-1][1] += length
        else:
            out.append([off, length])
    return [(o, n) for o, n in out]


def answer_from_index(search: "Search", opts: "SearchOptions", kind: SourceKind,
                      files: list[str], eoe_timeout: int) -> bool:
    """Answer the search with the index; False: not possible, scan instead.

    Once it returns True or raises, output may have been written.  Reading
    the logs (building the index, reading time blocks) shows on
    ``search.progress`` when there is one.
    """
    window = time_window(opts)
    query = None if window is not None else event_query(opts)
    if window is None and query is None:
        return False
    if not files:
        return False
    name_kind = "logs" if kind == SourceKind.LOGS else "file"
    car = sidecar.locate(files[-1], name_kind)
    if car is None:
        return False
    stream = open_stream(files)
    if stream is None:
        return False
    store = None
    try:
        on_read = search.progress.advance if search.progress is not None else None
        key = query_key(opts) if query is not None else None
        store, plan = _open_and_plan(car, stream, name_kind, eoe_timeout, on_read, window, query,
                                     key)
        if plan is None:
            return False
        if window is not None:
            grouper = LogGrouper(eoe_timeout, opts.start_time, opts.end_time, errors=[])
            views = _window_views(plan)
            for pos, (f, view) in enumerate(views):
                if search.progress is not None:
                    view = search.progress.wrap(view)
                search.process_stream(view, grouper, last=pos == len(views) - 1)
        else:
            matched = _answer_events(search, plan, eoe_timeout)
            if key is not None and car.writable:
                _remember(store, key, plan, matched)
        return True
    except IndexMismatch:
        sidecar.remove(car.path)
        raise
    finally:
        if store is not None:
            store.close()
        close_stream(stream)


_UNREADABLE = (StoreError, sqlite3.Error, OSError, ValueError, KeyError, TypeError, IndexError,
               zlib.error)


@dataclass
class Plan:
    """What one search reads, fixed in one transaction (a consistent snapshot)."""

    cov: Coverage
    rows: list = field(default_factory=list)                 # candidate events
    blocks: dict = field(default_factory=dict)               # file id -> [(offset, length)]
    upto: int = 0                                            # ordinals below are indexed
    known_below: int = 0          # candidates below matched the same criteria last time
    generation: str | None = None


def _open_and_plan(car: sidecar.Sidecar, stream: list[Covered], kind: str, eoe_timeout: int,
                   on_read, window, query, key, first_outside: bool = False):
    """(store, plan); plan None when the index cannot be used.

    The refresh (when the index may be written) and the lookups run in one
    transaction, so a concurrent search updating the same index cannot mix
    its rows into ours.  An index file that cannot be read (corrupt,
    another program's file) is replaced when it may be written; read only,
    the search scans.
    """
    for attempt in (1, 2):
        if not os.path.exists(car.path) and not (car.writable and sidecar.create(car.path)):
            return None, None
        store = None
        try:
            store = Store(car.path, car.writable)
            store.begin()
            try:
                plan = _plan(store, car, stream, kind, eoe_timeout, on_read, window, query, key,
                             first_outside)
                store.commit()
            except BaseException:
                store.rollback()
                raise
            return store, plan
        except Irregular:
            pass
        except StoreError as exc:
            if store is not None:
                store.close()
                store = None
            if car.writable and attempt == 1 and not exc.busy:
                sidecar.remove(car.path)
                continue
        except _UNREADABLE:
            if store is not None:
                store.close()
                store = None
            if car.writable and attempt == 1:
                sidecar.remove(car.path)
                continue
        if store is not None:
            store.close()
        return None, None
    return None, None


def _plan(store: Store, car: sidecar.Sidecar, stream: list[Covered], kind: str, eoe_timeout: int,
          on_read, window, query, key, first_outside: bool = False) -> Plan | None:
    if car.writable:
        cov = refresh(store, stream, kind, eoe_timeout, on_read)
    else:
        cov = read_coverage(store, stream, kind, eoe_timeout)
    if not cov.usable:
        return None
    plan = Plan(cov, upto=store.next_ord(), generation=store.get("generation"))
    if window is not None:
        for f in cov.files:
            if f.file_id is not None:
                plan.blocks[f.file_id] = store.blocks(f.file_id, window[0], window[1])
        if first_outside:
            if store.has_zero_stamp():
                return None             # (a time of 0 keeps the search for a first line going)
            for f in cov.files:
                if f.file_id is None:
                    break               # not indexed: read whole anyway
                block = store.first_block_outside(f.file_id, window[0], window[1])
                if block is not None:
                    if block not in plan.blocks[f.file_id]:
                        plan.blocks[f.file_id].append(block)
                    break
    else:
        sql, params, plan.known_below = _candidates_sql(store, query, key, plan.upto)
        plan.rows = store.candidates(sql + _file_filter(cov), params + cov.covered_ids)
    return plan


def _candidates_sql(store: Store, query, key: str | None, upto: int
                    ) -> tuple[str, list, int]:
    """The candidate condition: the index's, or last time's answer plus newer
    events; and the ordinal below which candidates are last time's matches."""
    cached = store.answer(key) if key is not None else None
    if cached is None or cached[0] > upto:
        return query.sql(), list(query.params), 0
    was_upto, blob = cached
    return (f"(ord IN (SELECT value FROM json_each(?)) OR (ord >= ? AND {query.sql()}))",
            [json.dumps(unpack(blob)), was_upto] + list(query.params), was_upto)


def _remember(store: Store, key: str, plan: Plan, matched: list[int]) -> None:
    """Keep this answer, unless the index was rebuilt meanwhile."""
    try:
        store.begin()
        if store.get("generation") == plan.generation and store.next_ord() >= plan.upto:
            store.put_answer(key, plan.upto, pack([o for o in matched if o < plan.upto]),
                             time.time_ns())
        store.commit()
    except StoreError:
        store.rollback()


def _file_filter(cov: Coverage) -> str:
    if not cov.covered_ids:
        return " AND 0"
    return " AND file IN (" + ",".join("?" for _ in cov.covered_ids) + ")"


WINDOW = 1 << 20       # bytes read at once when reading events back


class EventReader:
    """Reads indexed events back from their files.

    Candidates come in file order mostly, so the file is read a window at a
    time and events are cut out of it; record-type lists repeat, so each
    distinct one is parsed once.
    """

    def __init__(self, fds: dict[int, int]):
        self.fds = fds
        self.types: dict[str, tuple[int, ...]] = {}
        self.file = self.start = self.end = -1
        self.text = ""

    def _slice(self, fid: int, off: int, size: int) -> str:
        if fid != self.file or off < self.start or off + size > self.end:
            fd = self.fds.get(fid)
            if fd is None:
                raise IndexMismatch(f"no file {fid}")
            self.text = os.pread(fd, max(size, WINDOW), off).decode("latin-1")
            self.file, self.start, self.end = fid, off, off + len(self.text)
            if size > len(self.text):
                raise IndexMismatch("short read")
        at = off - self.start
        return self.text[at:at + size]

    def read(self, row: tuple) -> LogEvent:
        try:
            return self._read(row)
        except (ValueError, TypeError, AttributeError, IndexError, OSError) as exc:
            raise IndexMismatch(str(exc)) from None

    def _read(self, row: tuple) -> LogEvent:
        _, sec, msec, serial, node, types, locs = row
        type_list = self.types.get(types)
        if type_list is None:
            type_list = self.types[types] = tuple(map(int, types[1:-1].split(",")))
        ev = LogEvent(sec, msec, serial, node, type_list[0], 0)
        ev.types = list(type_list)
        if ";" not in locs:
            fid, off, size, count = map(int, locs.split(":"))
            lines = self._slice(fid, off, size).split("\n")
            if len(lines) != count:
                raise IndexMismatch("line count")
        else:
            lines = []
            for run in locs.split(";"):
                fid, off, size, count = map(int, run.split(":"))
                part = self._slice(fid, off, size).split("\n")
                if len(part) != count:
                    raise IndexMismatch("line count")
                lines.extend(part)
        if len(lines) != len(type_list) or f".{msec:03d}:{serial})" not in lines[0]:
            raise IndexMismatch("event header")
        ev.lines = lines
        ev.complete = True
        return ev


def _answer_events(search: "Search", plan: Plan, eoe_timeout: int) -> list[int]:
    """Match the candidate rows, then what is not indexed; the ordinals that matched."""
    cov, rows = plan.cov, plan.rows
    reader = EventReader({f.file_id: f.fd for f in cov.files if f.file_id is not None})
    if any(f.controls for f in cov.files):
        search.stats.controls = True
    hits: set[int] = set()
    matched: list[int] = []
    search.on_match = lambda ev: hits.add(id(ev))
    batch: list[LogEvent] = []
    ords: list[int] = []

    known = False

    def run_batch() -> None:
        # the matcher is deterministic: what matched these criteria before
        # matches now (searches by user names are never remembered)
        search.handle(batch, matched=known)
        if hits:
            matched.extend(o for ev, o in zip(batch, ords) if id(ev) in hits)
            hits.clear()
        batch.clear()
        ords.clear()

    try:
        for row in rows:
            is_known = row[0] < plan.known_below
            if is_known != known and batch:
                run_batch()
            known = is_known
            batch.append(reader.read(row))
            ords.append(row[0])
            if len(batch) >= HANDLE_BATCH:
                run_batch()
        if batch:
            run_batch()
    finally:
        search.on_match = None
    # what the index does not hold: resume the grouping where it stopped
    grouper = cov.grouper if cov.grouper is not None else LogGrouper(eoe_timeout, errors=[])
    files = cov.files
    last_pos = max((i for i, f in enumerate(files) if f.file_id is not None), default=0)
    for pos in range(last_pos, len(files)):
        f = files[pos]
        start = f.indexed if pos == last_pos else 0
        view = RangeReader(f.fd, [(start, f.now.size - start)])
        search.process_stream(view, grouper, last=pos == len(files) - 1)
    return matched


def _window_views(plan: Plan) -> list[tuple[Covered, RangeReader]]:
    """Each file seen through the blocks that may hold lines of the window,
    and through all it holds beyond the index."""
    out = []
    for f in plan.cov.files:
        if f.file_id is not None:
            ranges = sorted(plan.blocks.get(f.file_id, []))
            if f.indexed < f.now.size:
                ranges.append((f.indexed, f.now.size - f.indexed))
        else:
            ranges = [(0, f.now.size)]
        out.append((f, RangeReader(f.fd, _merge(ranges))))
    return out


@contextmanager
def window_views(kind: SourceKind, files: list[str], eoe_timeout: int, start: int, end: int,
                 on_read=None, first_outside: bool = False):
    """For another reader of time windows (aureport): the stream's files as
    views of only the lines that may fall in ``[start, end]`` (0: open), as
    ``[(path, binary file)]`` oldest first; None when the index cannot serve.

    Lines outside the window are skipped; with ``first_outside`` the first
    block holding a line outside it (any stamped line when ``start`` is 0)
    is read as well -- aureport's summary notes the first such line.
    """
    window = (start or 0, end or NO_END)
    if not files or (not start and not end):
        yield None
        return
    name_kind = "logs" if kind == SourceKind.LOGS else "file"
    car = sidecar.locate(files[-1], name_kind)
    stream = open_stream(files) if car is not None else None
    if stream is None:
        yield None
        return
    store = None
    try:
        store, plan = _open_and_plan(car, stream, name_kind, eoe_timeout, on_read, window, None,
                                     None, first_outside=first_outside)
        if plan is None:
            yield None
        else:
            yield [(f.now.path, view) for f, view in _window_views(plan)]
    finally:
        if store is not None:
            store.close()
        close_stream(stream)
