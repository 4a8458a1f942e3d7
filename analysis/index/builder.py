"""Bringing the index up to date with the logs (``refresh``).

The builder runs the same grouping as the scan (``LogGrouper`` with the
stream's end-of-event timeout and no time range) over what is new since
the last run -- the rest of the newest indexed file and every newer file --
and stores each released event with where its lines are.  It stops at the
last complete line of the newest file and saves the grouping state there,
so the next run resumes exactly where the scan would be.

Files are matched by device and inode: after a rotation the indexed files
keep their rows under their new names.  Files that disappeared from the
old end of the stream are dropped if grouping was idle after them (the
rest then groups as if they had never been there); any other change
(a file replaced, truncated or edited, another end-of-event timeout)
rebuilds the index from the start.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..event import LogEvent, LogGrouper
from . import fileid
from .fileid import Change, FileNow
from .reader import Irregular, ReadState, read_located
from .store import VERSION, IndexedFile, Store, StoreError
from .terms import event_terms

ROWS_PER_INSERT = 20000


@dataclass
class Covered:
    """A stream file and how much of it the index holds."""

    now: FileNow
    fd: int
    file_id: int | None = None
    indexed: int = 0            # bytes of it the index holds
    controls: bool = False


@dataclass
class Coverage:
    """The stream as the index sees it; ``usable`` False: scan instead."""

    files: list[Covered]
    usable: bool = True
    reason: str = ""
    gone: list[int] = field(default_factory=list)     # indexed files no longer in the stream
    grouper: LogGrouper | None = None   # the grouping at the end of what is indexed

    @property
    def covered_ids(self) -> list[int]:
        return [f.file_id for f in self.files if f.file_id is not None]


FILE_SHIFT = 40        # a line's location: file id << FILE_SHIFT | offset
_OFFSET_MASK = (1 << FILE_SHIFT) - 1


def _row_locs(ev: LogEvent) -> str:
    """Runs of consecutive lines: ``FILE:OFFSET:BYTES:LINES`` joined by ``;``."""
    runs: list[str] = []
    locs = ev.locs
    lines = ev.lines
    start = prev = locs[0]
    size = len(lines[0])
    count = 1
    for i in range(1, len(locs)):
        loc = locs[i]
        if loc == prev + len(lines[i - 1]) + 1:
            size += len(lines[i]) + 1
            count += 1
        else:
            runs.append(f"{start >> FILE_SHIFT}:{start & _OFFSET_MASK}:{size}:{count}")
            start = loc
            size = len(lines[i])
            count = 1
        prev = loc
    runs.append(f"{start >> FILE_SHIFT}:{start & _OFFSET_MASK}:{size}:{count}")
    return ";".join(runs)


def event_row(ordinal: int, ev: LogEvent) -> tuple:
    t = event_terms(ev.lines)
    return (ordinal, ev.locs[0] >> FILE_SHIFT, ev.sec, ev.msec, ev.serial, ev.node,
            "," + ",".join(map(str, ev.types)) + ",", _row_locs(ev),
            t.pids, t.syscalls, t.keys, t.comms, t.exes)


def _align(indexed: list[IndexedFile], files: list[Covered]) -> tuple[list[int], bool]:
    """(ids of indexed files gone from the old end, aligned?)"""
    if not indexed:
        return [], True
    if not files:
        return [], False
    first = files[0].now
    j = next((k for k, f in enumerate(indexed)
              if (f.mark.dev, f.mark.ino) == (first.dev, first.ino)), None)
    if j is None:
        return [], False
    if j > 0 and not indexed[j - 1].clean_after:
        return [], False
    kept = indexed[j:]
    if len(kept) > len(files):
        return [], False
    for k, f in enumerate(kept):
        change = fileid.compare(files[k].fd, files[k].now, f.mark)
        newest = k == len(kept) - 1
        if change == Change.OTHER or (change == Change.GREW and not newest):
            return [], False
        files[k].file_id = f.id
        files[k].indexed = f.mark.size
        files[k].controls = f.controls
    return [f.id for f in indexed[:j]], True


def open_stream(paths: list[str]) -> list[Covered] | None:
    """Open every file of the stream (None if one is not a readable regular file)."""
    out: list[Covered] = []
    for p in paths:
        now = fileid.stat_log(p)
        if now is None:
            close_stream(out)
            return None
        try:
            fd = os.open(p, os.O_RDONLY)
        except OSError:
            close_stream(out)
            return None
        out.append(Covered(now, fd))
    return out


def close_stream(files: list[Covered]) -> None:
    for f in files:
        try:
            os.close(f.fd)
        except OSError:
            pass


def read_coverage(store: Store, files: list[Covered], kind: str, eoe_timeout: int) -> Coverage:
    """What the index holds for this stream, without changing it."""
    if (store.get("version"), store.get("kind"), store.get("eoe_timeout")) != \
            (VERSION, kind, str(eoe_timeout)):
        return Coverage(files, usable=False, reason="stale")
    gone, aligned = _align(store.files(), files)
    if not aligned:
        return Coverage(files, usable=False, reason="stale")
    state = store.state()
    grouper = None
    if state is not None:
        try:
            grouper = LogGrouper.restore(state, errors=[])
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise StoreError(f"bad grouping state: {exc}") from None
    cov = Coverage(files, gone=gone, grouper=grouper)
    unusable = store.get("unusable")
    if unusable:
        cov.usable = False
        cov.reason = unusable
    return cov


def refresh(store: Store, files: list[Covered], kind: str, eoe_timeout: int,
            on_read=None) -> Coverage:
    """Index what is new; returns the coverage.  The caller holds a write
    transaction (``Store.begin`` on a writable store)."""
    cov = read_coverage(store, files, kind, eoe_timeout)
    if not cov.usable and cov.reason != "stale":
        return cov              # known unusable for this same stream
    if cov.reason == "stale":
        store.reset()
        for f in files:
            f.file_id, f.indexed, f.controls = None, 0, False
        cov = Coverage(files)
        store.put("version", VERSION)
        store.put("kind", kind)
        store.put("eoe_timeout", str(eoe_timeout))
        store.put("generation", os.urandom(8).hex())
    else:
        store.drop_files(cov.gone)
        for pos, f in enumerate(files):
            if f.file_id is not None:
                store.set_pos(f.file_id, pos, f.now.path)
    grouper = cov.grouper if cov.grouper is not None else LogGrouper(eoe_timeout, errors=[])
    changed = False
    next_ord = int(store.get("next_ord") or 0)
    start_pos = max((i for i, f in enumerate(files) if f.file_id is not None), default=0)
    rows: list[tuple] = []
    blocks: list[tuple] = []
    out: list[LogEvent] = []

    def flush(force: bool = False) -> None:
        if rows and (force or len(rows) >= ROWS_PER_INSERT):
            store.add_events(rows)
            rows.clear()
        if blocks and (force or len(blocks) >= 1000):
            store.add_blocks(blocks)
            blocks.clear()

    def emit() -> None:
        nonlocal next_ord
        for ev in out:
            rows.append(event_row(next_ord, ev))
            next_ord += 1
        out.clear()
        flush()

    try:
        for pos in range(start_pos, len(files)):
            f = files[pos]
            newest = pos == len(files) - 1
            if f.file_id is not None and newest and f.now.size - f.indexed < 2:
                continue                        # no new complete line
            if f.file_id is None:
                f.file_id = store.add_file(pos, f.now.path, fileid.mark(f.fd, f.now, 0))
            rs = ReadState(controls=f.controls)
            read_any = False
            for batch in read_located(f.fd, f.indexed, f.now.size, rs, include_partial=not newest,
                                      on_read=on_read):
                read_any = True
                base = f.file_id << FILE_SHIFT
                locs = [base | off for off in batch.offsets]
                grouper.add_lines(batch.lines, out, locs)
                end = batch.offsets[-1] + len(batch.lines[-1]) + 1
                lo_hi = grouper.batch_secs
                blocks.append((f.file_id, batch.offsets[0], min(end, f.now.size) - batch.offsets[0],
                               None if lo_hi is None else lo_hi[0],
                               None if lo_hi is None else lo_hi[1]))
                emit()
            if grouper.errors:
                raise Irregular("time stamp errors")
            if newest and not read_any and f.file_id is not None and f.indexed:
                continue                        # only a partial line so far
            changed = True
            indexed = rs.committed if newest else f.now.size
            clean = False
            if not newest:
                grouper.drain(out)
                emit()
                clean = grouper.in_flight == 0
            f.indexed = indexed
            f.controls = rs.controls
            store.update_file(f.file_id, pos, f.now.path, fileid.mark(f.fd, f.now, indexed),
                              rs.controls, clean)
    except Irregular as exc:
        flush(force=True)
        store.put("unusable", str(exc))
        cov.usable = False
        cov.reason = str(exc)
        return cov
    flush(force=True)
    cov.grouper = grouper
    if changed:
        store.put_state(grouper.snapshot())
        store.put("next_ord", str(next_ord))
    return cov
