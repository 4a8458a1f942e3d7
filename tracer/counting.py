"""A run whose timeline nobody reads (``-o /dev/null``): it only counts.

:class:`CountingFilter` keeps the event filter's bookkeeping (serial gaps,
our open events) without grouping any record; :class:`CountingBuilder` has :class:`~audix.analysis.timeline.builder.TimelineBuilder`'s
interface as the tracer uses it, so the session runs unchanged while the
decoding and rendering of every event (most of autrace's CPU time) is
skipped.  The counts are the ones the summary line needs: every event the
tracer keeps carries a SYSCALL record (that is how it is recognised as
ours), so one kept event is one syscall.
"""
from __future__ import annotations

from itertools import compress, repeat
from operator import eq

from audix.analysis.event import is_last_record_type

from .collect import SMALL_BATCH, batch_columns


class CountingBuilder:
    """Counts syscall events and processes; shows nothing."""

    def __init__(self) -> None:
        self.syscalls = 0
        self.processes = 0
        self._known: set[int] = set()

    def add_datagrams(self, datagrams: list[bytes]) -> None:
        self.syscalls += 1

    def add_count(self, count: int) -> None:
        """``count`` more of our events ended (:class:`CountingFilter`)."""
        self.syscalls += count

    def add_root(self, pid: int) -> None:
        self._count(pid)

    def note_start(self, pid: int, parent: int, how: str) -> None:
        self._count(pid)

    def _count(self, pid: int) -> None:
        if pid not in self._known:
            self._known.add(pid)
            self.processes += 1

    def note_exit(self, pid, code, signal_, core_dumped=False, when=None) -> None:
        self._known.discard(pid)

    def note_thread(self, tid: int, tgid: int) -> None:
        pass

    def note_thread_exit(self, tid: int, tgid: int, when: float | None = None) -> None:
        pass

    def note_lost(self, count: int, when: float | None = None, source: str = "serial") -> None:
        pass

    def tick(self) -> None:
        pass

    def flush(self) -> None:
        pass


_SYSCALL = b"\x14\x05"                  # record type 1300, little endian
_FIRST_RECORD_TYPE = 1100
_AUDIT_USER = 1005


class CountingFilter:
    """:class:`~audix.tracer.collect.EventFilter`'s bookkeeping without its events:
    for a run whose timeline nobody reads (no ``--log`` either).

    Per batch of datagrams, with C-level passes instead of a Python loop over
    every record: each record's serial digits (at a fixed offset while all
    serials of the batch have the same width, as they nearly always do), its
    type, whether it carries our key (``key=`` is the last field of a
    SYSCALL record: endswith() first).  From those: the serial gaps (the same
    :class:`SerialGapTracker`), which of our events ended (their last record:
    PROCTITLE/EOE...) and how many of ours are still open (``pending_mine``,
    for the drain).  ``on_count(n)`` receives the number of our events that
    ended in each batch.  A batch that does not fit the fixed layout (a late
    ack, an odd time stamp) goes through the same steps record by record.
    """

    def __init__(self, key: str, on_count, stale_serials: int = 2048) -> None:
        from audix.analysis.timeline.lost import SerialGapTracker

        self.key = key
        self.on_count = on_count
        self.gaps = SerialGapTracker()
        self.events_kept = 0
        needle = f' key="{key}"'.encode("latin-1")
        # the kernel writes key= last in a SYSCALL record: endswith() is the quick
        # test, ``in`` the one for a SYSCALL record that does not end so (as EventFilter)
        self._endings = (needle, needle + b"\0", needle + b"\n")
        self._anywhere = needle
        self._open: dict[int, None] = {}        # our events whose last record has not come
        self._stale = stale_serials

    @property
    def pending_mine(self) -> int:
        return len(self._open)

    def feed(self, batch) -> None:
        from .collect import datagram_of
        self.feed_datagrams([datagram_of(t, text) for t, text in batch])

    def feed_datagrams(self, batch: list[bytes]) -> None:
        if not batch:
            return
        columns = self._columns(batch) if len(batch) >= SMALL_BATCH else None
        if columns is None:
            columns = self._columns_slowly(batch)
        serials, types, marked = columns
        if not serials:
            return
        numbers = dict.fromkeys(serials)                  # distinct serials, in arrival order
        for digits in numbers:
            numbers[digits] = int(digits)
        self.gaps.see_all(numbers.values())
        opened = self._open
        for digits, rtype in compress(zip(serials, types), marked):
            if rtype == _SYSCALL:
                opened[numbers[digits]] = None
        if opened:
            last = {t for t in set(types) if is_last_record_type(t[0] | t[1] << 8)}.__contains__
            ended = {numbers[d] for d in compress(serials, map(last, types))}
            high = self.gaps.highest or 0
            done = [s for s in opened if s in ended or s < high - self._stale]
            for serial in done:
                del opened[serial]
            if done:
                self.events_kept += len(done)
                self.on_count(len(done))

    def _columns(self, batch: list[bytes]):
        """(serial digits, type bytes, ends-with-our-key) per record, or None when
        the batch does not have the common layout throughout."""
        columns = batch_columns(batch)
        if columns is None:
            return None
        serials, types = columns
        marked = list(map(bytes.endswith, batch, repeat(self._endings)))
        anywhere = self._anywhere
        for j in compress(range(len(batch)), map(eq, types, repeat(_SYSCALL))):
            if not marked[j]:                     # a SYSCALL record not ending with our key
                marked[j] = anywhere in batch[j]
        return serials, types, marked

    def _columns_slowly(self, batch: list[bytes]):
        serials, types, marked = [], [], []
        for data in batch:
            rtype = data[4] | data[5] << 8
            if rtype < _FIRST_RECORD_TYPE and rtype != _AUDIT_USER:
                continue
            if data[16:22] != b"audit(":
                continue
            colon = data.find(b":", 22)
            close = data.find(b")", colon)
            digits = data[colon + 1:close]
            if colon < 0 or close < 0 or not digits.isdigit():
                continue
            serials.append(digits)
            types.append(data[4:6])
            marked.append(data.endswith(self._endings) or self._anywhere in data)
        return serials, types, marked

    def flush(self) -> None:
        if self._open:
            count = len(self._open)
            self._open.clear()
            self.events_kept += count
            self.on_count(count)
