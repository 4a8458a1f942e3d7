"""The index file: an SQLite database of events, files and time blocks.

Tables::

    meta(k, v)        version, stream kind, eoe_timeout, the grouping state
                      at the commit point (JSON), the next ordinal, and
                      ``unusable`` (why this stream is left to the scan)
    files(id, pos, path, dev, ino, size, mtime_ns, head, tail, controls, clean_after)
                      the stream's files oldest first (``pos``), each as
                      indexed (``fileid.FileMark``)
    events(ord, file, sec, msec, serial, node, types, locs, pids, syscalls,
           keys, comms, exes)
                      every event in the order the scan releases it
                      (``ord``), where its lines are, and its narrowing
                      columns (``terms.py``)
    blocks(file, offset, length, lo, hi)
                      byte ranges of whole lines and the range of their
                      time stamps, for ``-ts``/``-te``
    answers(query, upto, ords, used)
                      the events (ordinals) a search matched among those
                      below ``upto``: asked again, only they and the newer
                      events are read back (``answer_cache.py``)

``locs`` is a list of runs ``FILE:OFFSET:BYTES:LINES`` joined by ``;``:
the event's lines are ``LINES`` consecutive lines in ``BYTES`` bytes.
"""
from __future__ import annotations

import json
import pathlib
import sqlite3
from dataclasses import dataclass

from .fileid import FileMark

VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT);
CREATE TABLE IF NOT EXISTS files(id INTEGER PRIMARY KEY, pos INTEGER, path TEXT,
    dev INTEGER, ino INTEGER, size INTEGER, mtime_ns INTEGER, head TEXT, tail TEXT,
    controls INTEGER, clean_after INTEGER);
CREATE TABLE IF NOT EXISTS events(ord INTEGER PRIMARY KEY, file INTEGER, sec INTEGER,
    msec INTEGER, serial INTEGER, node TEXT, types TEXT, locs TEXT, pids TEXT,
    syscalls TEXT, keys TEXT, comms TEXT, exes TEXT);
CREATE TABLE IF NOT EXISTS blocks(file INTEGER, offset INTEGER, length INTEGER,
    lo INTEGER, hi INTEGER);
CREATE TABLE IF NOT EXISTS answers(query TEXT PRIMARY KEY, upto INTEGER, ords BLOB,
    used INTEGER);
"""

KEEP_ANSWERS = 64


class StoreError(Exception):
    """The index file cannot be used (corrupt, locked, unreadable)."""

    def __init__(self, message: str):
        super().__init__(message)
        # another search holds it (building): not a reason to throw it away
        self.busy = "locked" in message or "busy" in message


@dataclass
class IndexedFile:
    id: int
    pos: int
    path: str
    mark: FileMark
    controls: bool
    clean_after: bool


class Store:
    """One open index file."""

    def __init__(self, path: str, writable: bool):
        self.path = path
        self.writable = writable
        uri = pathlib.Path(path).as_uri() + ("?mode=rw" if writable else "?mode=ro")
        try:
            self.db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA trusted_schema=OFF")
            if writable:
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from None

    def close(self) -> None:
        try:
            self.db.close()
        except sqlite3.Error:
            pass

    # --- transactions -----------------------------------------------------
    def begin(self) -> None:
        self._run("BEGIN IMMEDIATE" if self.writable else "BEGIN")

    def commit(self) -> None:
        self._run("COMMIT")

    def rollback(self) -> None:
        try:
            self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def _run(self, sql: str, params=()) -> sqlite3.Cursor:
        try:
            return self.db.execute(sql, params)
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from None

    # --- meta ---------------------------------------------------------------
    def get(self, key: str) -> str | None:
        try:
            row = self.db.execute("SELECT v FROM meta WHERE k=?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from None
        return None if row is None else row[0]

    def put(self, key: str, value: str | None) -> None:
        if value is None:
            self._run("DELETE FROM meta WHERE k=?", (key,))
        else:
            self._run("INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)", (key, value))

    def state(self) -> dict | None:
        text = self.get("state")
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise StoreError("bad grouping state") from None

    def put_state(self, state: dict) -> None:
        self.put("state", json.dumps(state, separators=(",", ":")))

    def reset(self) -> None:
        """Forget everything (a new stream or a changed file)."""
        for table in ("meta", "files", "events", "blocks", "answers"):
            self._run(f"DELETE FROM {table}")

    # --- files ----------------------------------------------------------------
    def files(self) -> list[IndexedFile]:
        rows = self._run("SELECT id, pos, path, dev, ino, size, mtime_ns, head, tail, controls, "
                         "clean_after FROM files ORDER BY pos").fetchall()
        return [IndexedFile(r[0], r[1], r[2], FileMark(r[3], r[4], r[5], r[6], r[7], r[8]),
                            bool(r[9]), bool(r[10])) for r in rows]

    def add_file(self, pos: int, path: str, m: FileMark) -> int:
        cur = self._run("INSERT INTO files(pos, path, dev, ino, size, mtime_ns, head, tail, "
                        "controls, clean_after) VALUES(?,?,?,?,?,?,?,?,0,0)",
                        (pos, path, m.dev, m.ino, m.size, m.mtime_ns, m.head, m.tail))
        return cur.lastrowid

    def update_file(self, file_id: int, pos: int, path: str, m: FileMark, controls: bool,
                    clean_after: bool) -> None:
        self._run("UPDATE files SET pos=?, path=?, size=?, mtime_ns=?, head=?, tail=?, "
                  "controls=?, clean_after=? WHERE id=?",
                  (pos, path, m.size, m.mtime_ns, m.head, m.tail, int(controls),
                   int(clean_after), file_id))

    def set_pos(self, file_id: int, pos: int, path: str) -> None:
        self._run("UPDATE files SET pos=?, path=? WHERE id=?", (pos, path, file_id))

    def drop_files(self, ids: list[int]) -> None:
        for fid in ids:
            self._run("DELETE FROM events WHERE file=?", (fid,))
            self._run("DELETE FROM blocks WHERE file=?", (fid,))
            self._run("DELETE FROM files WHERE id=?", (fid,))

    # --- events and blocks -------------------------------------------------------
    def add_events(self, rows: list[tuple]) -> None:
        try:
            self.db.executemany("INSERT INTO events VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from None

    def add_blocks(self, rows: list[tuple]) -> None:
        try:
            self.db.executemany("INSERT INTO blocks VALUES(?,?,?,?,?)", rows)
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from None

    def candidates(self, where: str, params: list) -> list[tuple]:
        """(ord, sec, msec, serial, node, types, locs) of matching rows, in order."""
        try:
            return self.db.execute(
                "SELECT ord, sec, msec, serial, node, types, locs FROM events "
                f"WHERE {where} ORDER BY ord", params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from None

    def first_block_outside(self, file_id: int, start: int, end: int) -> tuple[int, int] | None:
        """The first block of a file with a stamped line outside [start, end]
        (any stamped line when ``start`` is 0)."""
        if start:
            sql = ("SELECT offset, length FROM blocks WHERE file=? AND lo IS NOT NULL "
                   "AND (lo < ? OR hi > ?) ORDER BY offset LIMIT 1")
            row = self._run(sql, (file_id, start, end)).fetchone()
        else:
            row = self._run("SELECT offset, length FROM blocks WHERE file=? AND lo IS NOT NULL "
                            "ORDER BY offset LIMIT 1", (file_id,)).fetchone()
        return None if row is None else (row[0], row[1])

    def has_zero_stamp(self) -> bool:
        return self._run("SELECT 1 FROM blocks WHERE lo = 0 LIMIT 1").fetchone() is not None

    def answer(self, query: str) -> tuple[int, bytes] | None:
        row = self._run("SELECT upto, ords FROM answers WHERE query=?", (query,)).fetchone()
        return None if row is None else (row[0], row[1])

    def put_answer(self, query: str, upto: int, ords: bytes, now: int) -> None:
        self._run("INSERT OR REPLACE INTO answers VALUES(?,?,?,?)", (query, upto, ords, now))
        self._run("DELETE FROM answers WHERE query NOT IN "
                  "(SELECT query FROM answers ORDER BY used DESC LIMIT ?)", (KEEP_ANSWERS,))

    def next_ord(self) -> int:
        return int(self.get("next_ord") or 0)

    def blocks(self, file_id: int, start: int, end: int) -> list[tuple[int, int]]:
        """(offset, length) of the blocks of a file with lines in [start, end]."""
        rows = self._run("SELECT offset, length FROM blocks WHERE file=? AND lo IS NOT NULL "
                         "AND hi >= ? AND lo <= ? ORDER BY offset",
                         (file_id, start, end)).fetchall()
        return [(r[0], r[1]) for r in rows]
