"""The strace-like text timeline: one line per syscall, process lifecycle and lost records.

``1234  openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3`` -- the pid
(left-aligned, 5 wide), an optional time (``-t`` clock, ``-tt`` with
milliseconds, ``-ttt`` epoch seconds; audit time is millisecond-precise),
the call and its result.  Times are local (``TZ``).
"""
from __future__ import annotations

import enum
import time as _time

from ..tables.signals import SIGNAL_NAMES
from .decode import format_call
from .model import LostMarker, ProcessChange, ProcessEvent, SyscallEvent, TimelineItem


class TimeFormat(enum.Enum):
    NONE = 0
    CLOCK = 1        # -t   12:34:56
    CLOCK_MS = 2     # -tt  12:34:56.789
    EPOCH = 3        # -ttt 1700000000.789


_LAST_CLOCK: list = [None, ""]      # (second, zone) last formatted, and its text (events come in order)


def _clock(sec: int) -> str:
    key = (sec, _time.tzname)          # (a tzset() in between changes tzname)
    if _LAST_CLOCK[0] != key:
        _LAST_CLOCK[1] = _time.strftime("%H:%M:%S", _time.localtime(sec))
        _LAST_CLOCK[0] = key
    return _LAST_CLOCK[1]


def format_time(t: float | None, fmt: TimeFormat) -> str:
    if fmt is TimeFormat.NONE:
        return ""
    if t is None:
        t = _time.time()
    ms = int(round(t * 1000))
    sec, msec = divmod(ms, 1000)
    if fmt is TimeFormat.EPOCH:
        return f"{sec}.{msec:03d} "
    clock = _clock(sec)
    if fmt is TimeFormat.CLOCK:
        return clock + " "
    return f"{clock}.{msec:03d} "


def process_text(item: ProcessEvent) -> str:
    c = item.change
    if c is ProcessChange.START:
        how = f" ({item.how})" if item.how else ""
        parent = f" by {item.parent}" if item.parent else ""
        return f"+++ started{parent}{how} +++"
    if c is ProcessChange.EXEC:
        return f"+++ exec {item.path or '?'} +++"
    if c is ProcessChange.EXIT:
        return f"+++ exited with {item.code} +++"
    if c is ProcessChange.KILLED:
        core = " (core dumped)" if item.core_dumped else ""
        return f"+++ killed by {SIGNAL_NAMES.get(item.code or 0, str(item.code))}{core} +++"
    if c is ProcessChange.THREAD_START:
        return f"+++ thread {item.tid} started +++"
    return f"+++ thread {item.tid} exited +++"


def lost_text(item: LostMarker) -> str:
    return f"--- {item.count} records lost ---"


class TextRenderer:
    """Render items to lines (without newline)."""

    def __init__(self, time_format: TimeFormat = TimeFormat.NONE):
        self.time_format = time_format

    def render(self, item: TimelineItem) -> str:
        if isinstance(item, SyscallEvent):
            if self.time_format is TimeFormat.NONE:
                return f"{item.pid:<5} {format_call(item)}"
            return f"{item.pid:<5} {format_time(item.time, self.time_format)}{format_call(item)}"
        if isinstance(item, ProcessEvent):
            return f"{item.pid:<5} {format_time(item.time, self.time_format)}{process_text(item)}"
        return lost_text(item)
