"""Progress of a long scan on stderr (ausearch, aureport).

Shown only when stderr is a terminal and the log files to read add up to
more than ``MIN_BYTES``: a line ``\\r<prog>: 120/410 MB (29%) 85.3 MB/s``
redrawn at most every ``INTERVAL`` seconds and erased when the scan ends,
so nothing of it is left in the terminal and nothing at all is written
when stderr is a file or a pipe.
"""
from __future__ import annotations

import os
import stat
import time
from typing import BinaryIO, Callable

MIN_BYTES = 50 * 1000 * 1000
INTERVAL = 0.25


def _is_tty(stream) -> bool:
    try:
        return os.isatty(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return False


def _size(path: str) -> int:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return 0
    return st.st_size if stat.S_ISREG(st.st_mode) else 0


class ScanProgress:
    """Counts the bytes read through ``wrap``ped streams and redraws the line."""

    def __init__(self, stream: BinaryIO, total: int, prog: str,
                 clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.total = total
        self.prog = prog
        self.clock = clock
        self.done = 0
        self.start = clock()
        self.next_draw = self.start + INTERVAL
        self.width = 0

    def wrap(self, f: BinaryIO) -> "_CountingReader":
        return _CountingReader(f, self)

    def advance(self, n: int) -> None:
        self.done += n
        now = self.clock()
        if now >= self.next_draw:
            self.next_draw = now + INTERVAL
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.start, 1e-6)
        pct = 100 * self.done // self.total if self.total else 100
        text = (f"{self.prog}: {self.done / 1e6:.0f}/{self.total / 1e6:.0f} MB ({pct}%) "
                f"{self.done / 1e6 / elapsed:.1f} MB/s")
        pad = " " * max(self.width - len(text), 0)
        self.width = len(text)
        self._write("\r" + text + pad)

    def finish(self) -> None:
        """Erase the line (if one was drawn)."""
        if self.width:
            self._write("\r" + " " * self.width + "\r")
            self.width = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text.encode("latin-1", "replace"))
            self.stream.flush()
        except (OSError, ValueError):
            pass


class _CountingReader:
    """A binary file whose ``read`` reports the bytes it returns."""

    def __init__(self, f: BinaryIO, progress: ScanProgress):
        self._f = f
        self._progress = progress

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        if data:
            self._progress.advance(len(data))
        return data

    def fileno(self) -> int:
        return self._f.fileno()

    def close(self) -> None:
        self._f.close()


def scan_progress(stderr, files: list[str], prog: str,
                  min_bytes: int | None = None) -> ScanProgress | None:
    """A ScanProgress for reading ``files`` when stderr is a terminal and they
    are big enough (``MIN_BYTES`` unless given), else None."""
    if not files or not _is_tty(stderr):
        return None
    total = sum(_size(f) for f in files)
    if total <= (MIN_BYTES if min_bytes is None else min_bytes):
        return None
    return ScanProgress(stderr, total, prog)
