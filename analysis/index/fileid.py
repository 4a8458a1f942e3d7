"""Which file a log is, and whether it still holds what was indexed.

A log is known by device and inode (rotation renames files, so the name
is not the identity).  What was indexed from it is checked by size, mtime
and two hashes -- of its first bytes and of the bytes just before the
indexed end -- so a file truncated and rewritten in place (copytruncate)
or edited is never mistaken for one that only grew.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass

HASHED = 4096


@dataclass(frozen=True)
class FileMark:
    """A log file as indexed up to ``size`` bytes."""

    dev: int
    ino: int
    size: int          # bytes indexed
    mtime_ns: int      # at indexing time
    head: str          # hash of the first bytes (up to HASHED, within size)
    tail: str          # hash of the HASHED bytes before ``size``


@dataclass(frozen=True)
class FileNow:
    """A log file as it is now."""

    path: str
    dev: int
    ino: int
    size: int
    mtime_ns: int


def stat_log(path: str) -> FileNow | None:
    """The file's identity now; None if it is not a readable regular file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return FileNow(path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _digest(fd: int, offset: int, length: int) -> str:
    data = os.pread(fd, length, offset) if length > 0 else b""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def mark(fd: int, now: FileNow, size: int) -> FileMark:
    """The mark of ``now`` indexed up to ``size`` bytes."""
    head = _digest(fd, 0, min(HASHED, size))
    tail = _digest(fd, max(0, size - HASHED), min(HASHED, size))
    return FileMark(now.dev, now.ino, size, now.mtime_ns, head, tail)


class Change:
    """How a file relates to its mark."""

    SAME = "same"          # nothing new
    GREW = "grew"          # the indexed bytes are intact, more follow
    OTHER = "other"        # another file, or the indexed bytes changed


def compare(fd: int, now: FileNow, was: FileMark) -> str:
    if (now.dev, now.ino) != (was.dev, was.ino) or now.size < was.size:
        return Change.OTHER
    if _digest(fd, 0, min(HASHED, was.size)) != was.head:
        return Change.OTHER
    if _digest(fd, max(0, was.size - HASHED), min(HASHED, was.size)) != was.tail:
        return Change.OTHER
    if now.size == was.size:
        # same size: unchanged only if not written since (an edit in place)
        return Change.SAME if now.mtime_ns == was.mtime_ns else Change.OTHER
    return Change.GREW
