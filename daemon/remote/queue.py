"""The audisp-remote record queue.

:class:`MemoryQueue` (``mode = immediate``) and :class:`FileQueue`
(``mode = forward``: the records survive a restart or a crash).  Both hold at
most ``depth`` records, refuse more with :class:`QueueFull`, and give the
oldest record with ``peek()`` until ``drop_head()`` removes it (after the
server ACKed it).

FileQueue format (audix's own, not the reference's fixed-slot file): a
32-byte header ``AUDIXQ01`` + head offset (u64 LE) + 16 reserved bytes,
then the records, one per ``\\n``-terminated line.  Appending writes a line
at the end; dropping the head rewrites the 8-byte head offset; when the queue
empties the file is cut back to its header, and when more than half of a
large file is consumed the live records are moved down.  A torn last line
(crash during an append) is discarded when the file is opened.  The file is
locked (``lockf``) so two clients cannot share it.

A queue file left by the reference audisp-remote (fixed 12 KiB slots after
a header starting ``\\0audisp-remote``) is converted on open: its waiting
records are kept, in order (``FileQueue.imported`` says how many).
"""

from __future__ import annotations

import collections
import errno
import fcntl
import os
import struct

MAGIC = b"AUDIXQ01"
REFERENCE_MAGIC = b"\0audisp-remote"
_REFERENCE_HEADER = struct.Struct(">14sBBIIII")
HEADER_SIZE = 32
_HEAD = struct.Struct("<Q")
COMPACT_MIN = 1 << 20  # bytes consumed before a compaction is worth it


class QueueError(OSError):
    """The queue file cannot be used."""


class QueueFull(Exception):
    """``depth`` records are already queued."""


class MemoryQueue:
    def __init__(self, depth: int) -> None:
        self.depth = depth
        self._q: collections.deque[str] = collections.deque()

    def __len__(self) -> int:
        return len(self._q)

    def append(self, line: str) -> None:
        if len(self._q) >= self.depth:
            raise QueueFull()
        self._q.append(line.rstrip("\n"))

    def peek(self) -> str | None:
        return self._q[0] if self._q else None

    def drop_head(self) -> None:
        if self._q:
            self._q.popleft()

    def close(self) -> None:
        pass


class FileQueue:
    def __init__(self, path: str, depth: int, sync: bool = False) -> None:
        self.path = path
        self.depth = depth
        self.sync = sync
        self.imported = 0
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as e:
            raise QueueError(e.errno, f"cannot open queue file {path}: {e.strerror}") from None
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._fd)
            raise QueueError(errno.EBUSY, f"queue file {path} is in use") from None
        try:
            self._load()
        except BaseException:
            os.close(self._fd)
            raise

    # opening --------------------------------------------------------------
    def _load(self) -> None:
        size = os.fstat(self._fd).st_size
        if size == 0:
            os.pwrite(self._fd, MAGIC + _HEAD.pack(HEADER_SIZE) + bytes(16), 0)
            self._fsync()
            size = HEADER_SIZE
        header = os.pread(self._fd, HEADER_SIZE, 0)
        if header.startswith(REFERENCE_MAGIC):
            self._import_reference(size)
            size = os.fstat(self._fd).st_size
            header = os.pread(self._fd, HEADER_SIZE, 0)
        if len(header) < HEADER_SIZE or header[:8] != MAGIC:
            raise QueueError(errno.EINVAL, f"{self.path} is not an audix queue file")
        head = _HEAD.unpack_from(header, 8)[0]
        if not HEADER_SIZE <= head <= size:
            raise QueueError(errno.EINVAL, f"{self.path}: corrupt head offset {head}")
        # index the live records; drop a torn last line
        self._offsets: collections.deque[int] = collections.deque()
        data = self._read(head, size - head)
        pos = 0
        while True:
            nl = data.find(b"\n", pos)
            if nl < 0:
                break
            self._offsets.append(head + pos)
            pos = nl + 1
        self._end = head + pos
        if self._end != size:
            os.ftruncate(self._fd, self._end)
        self._head = head

    def _import_reference(self, size: int) -> None:
        """Rewrite a reference queue file as ours, keeping its waiting records."""
        raw = os.pread(self._fd, _REFERENCE_HEADER.size, 0)
        if len(raw) < _REFERENCE_HEADER.size:
            raise QueueError(errno.EINVAL, f"{self.path}: truncated audisp-remote queue header")
        _, version, _, entries, entry_size, head, length = _REFERENCE_HEADER.unpack(raw)
        if (version != 0 or entry_size < _REFERENCE_HEADER.size or head >= max(entries, 1)
                or length > entries or size < (entries + 1) * entry_size):
            raise QueueError(errno.EINVAL, f"{self.path}: corrupt audisp-remote queue file")
        records = []
        for i in range(length):
            slot = (head + i) % entries
            data = self._read((slot + 1) * entry_size, entry_size)
            text = data.split(b"\0", 1)[0].rstrip(b"\n").replace(b"\n", b" ")
            if text:
                records.append(text + b"\n")
        self._replace_file(b"".join(records))
        self.imported = len(records)

    def _replace_file(self, body: bytes) -> None:
        """Atomically replace the queue file by a fresh one holding ``body``."""
        tmp = self.path + ".tmp"
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, MAGIC + _HEAD.pack(HEADER_SIZE) + bytes(16) + body)
            os.fsync(fd)
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.replace(tmp, self.path)
        except OSError:
            os.close(fd)
            raise
        os.close(self._fd)
        self._fd = fd

    def _read(self, offset: int, length: int) -> bytes:
        chunks = []
        while length > 0:
            chunk = os.pread(self._fd, min(length, 1 << 20), offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
            length -= len(chunk)
        return b"".join(chunks)

    def _fsync(self) -> None:
        if self.sync:
            os.fdatasync(self._fd)

    # queue operations -----------------------------------------------------------
    def __len__(self) -> int:
        return len(self._offsets)

    def append(self, line: str) -> None:
        if len(self._offsets) >= self.depth:
            raise QueueFull()
        data = line.rstrip("\n").replace("\n", " ").encode("latin-1") + b"\n"
        try:
            written = os.pwrite(self._fd, data, self._end)
            while written < len(data):
                written += os.pwrite(self._fd, data[written:], self._end + written)
            self._fsync()
        except OSError as e:
            os.ftruncate(self._fd, self._end)
            raise QueueError(e.errno, e.strerror) from None
        self._offsets.append(self._end)
        self._end += len(data)

    def peek(self) -> str | None:
        if not self._offsets:
            return None
        start = self._offsets[0]
        stop = self._offsets[1] if len(self._offsets) > 1 else self._end
        return self._read(start, stop - start).rstrip(b"\n").decode("latin-1")

    def drop_head(self) -> None:
        if not self._offsets:
            return
        self._offsets.popleft()
        self._head = self._offsets[0] if self._offsets else self._end
        try:
            if not self._offsets:
                os.pwrite(self._fd, _HEAD.pack(HEADER_SIZE), 8)
                os.ftruncate(self._fd, HEADER_SIZE)
                self._head = self._end = HEADER_SIZE
            else:
                os.pwrite(self._fd, _HEAD.pack(self._head), 8)
                if self._head - HEADER_SIZE > max(COMPACT_MIN, self._end - self._head):
                    self._compact()
            self._fsync()
        except OSError as e:
            raise QueueError(e.errno, e.strerror) from None

    def _compact(self) -> None:
        """Move the live records down to the header.  Crash-safe order: the
        records are copied first, then the head is reset; a crash in between
        leaves the old head valid only if the copy did not overwrite it, so the
        copy goes to a temporary file that replaces the queue atomically."""
        self._replace_file(self._read(self._head, self._end - self._head))
        shift = self._head - HEADER_SIZE
        self._offsets = collections.deque(o - shift for o in self._offsets)
        self._head = HEADER_SIZE
        self._end -= shift

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def open_queue(forward: bool, path: str, depth: int):
    """The queue a configuration asks for."""
    return FileQueue(path, depth) if forward else MemoryQueue(depth)
