"""Start/end times for ``-ts``/``-te`` as the reference ausearch reads them.

Keywords: now, recent (10 minutes ago), boot, today, yesterday, this-week,
week-ago, this-month, this-year (``checkpoint`` is handled by the option
parser).  Dates use the locale's ``%x`` and times ``%X``; audix knows the C
locale (``MM/DD/YY`` and ``HH:MM:SS``) and en_US (``MM/DD/YYYY``).  A time
of ``HH:MM`` gets ``:00`` added.  Parsing follows glibc's strptime number
rules so that the same strings are accepted and refused.

Results are seconds since the epoch computed with the local time zone
(``TZ``), like mktime(3).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

KEYWORDS = ("now", "recent", "boot", "today", "yesterday", "this-week",
            "week-ago", "this-month", "this-year")
SECONDS_IN_DAY = 24 * 60 * 60


class TimeError(Exception):
    """Bad date/time; ``str()`` is the reference's stderr message."""


def is_keyword(word: str) -> bool:
    return word in KEYWORDS


@dataclass
class _TM:
    year: int = 0      # years since 1900
    mon: int = 0       # 0-11
    mday: int = 0
    hour: int = 0
    min: int = 0
    sec: int = 0
    isdst: int = 0

    def set_date_from(self, t: time.struct_time) -> None:
        self.year, self.mon, self.mday = t.tm_year - 1900, t.tm_mon - 1, t.tm_mday
        self.isdst = t.tm_isdst

    def set_time_from(self, t: time.struct_time) -> None:
        self.hour, self.min, self.sec = t.tm_hour, t.tm_min, t.tm_sec

    def mktime(self) -> int:
        try:
            return int(time.mktime((self.year + 1900, self.mon + 1, self.mday,
                                    self.hour, self.min, self.sec, 0, 0, self.isdst)))
        except (OverflowError, ValueError):
            return -1


def _locale_date_format() -> str:
    for var in ("LC_ALL", "LC_TIME", "LANG"):
        value = os.environ.get(var)
        if value:
            return "%m/%d/%Y" if value.startswith("en_US") else "%m/%d/%y"
    return "%m/%d/%y"


def _number(text: str, pos: int, lo: int, hi: int, ndigits: int):
    """glibc strptime get_number: (value, new pos) or None."""
    while pos < len(text) and text[pos] == " ":
        pos += 1
    if pos >= len(text) or not ("0" <= text[pos] <= "9"):
        return None
    val = 0
    n = ndigits
    while True:
        val = val * 10 + ord(text[pos]) - 48
        pos += 1
        n -= 1
        if not (n > 0 and val * 10 <= hi and pos < len(text) and "0" <= text[pos] <= "9"):
            break
    if val < lo or val > hi:
        return None
    return val, pos


# strptime conversions: tm field, lowest, highest, digits, stored value
_FIELDS = {
    "m": ("mon", 1, 12, 2, lambda v: v - 1),
    "d": ("mday", 1, 31, 2, int),
    "y": ("year", 0, 99, 2, lambda v: v if v >= 69 else v + 100),
    "Y": ("year", 0, 9999, 4, lambda v: v - 1900),
    "H": ("hour", 0, 23, 2, int),
    "M": ("min", 0, 59, 2, int),
    "S": ("sec", 0, 61, 2, int),
}


def _strptime(text: str, fmt: str, tm: _TM) -> int | None:
    """Apply a small strptime subset to ``tm``; returns the end position or None."""
    pos = 0
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%":
            conv = fmt[i + 1]
            i += 2
            spec = _FIELDS.get(conv)
            if spec is not None:
                name, lo, hi, width, adjust = spec
                r = _number(text, pos, lo, hi, width)
                if r is None:
                    return None
                setattr(tm, name, adjust(r[0]))
                pos = r[1]
            continue
        if c == " ":
            while pos < len(text) and text[pos].isspace():
                pos += 1
        elif pos < len(text) and text[pos] == c:
            pos += 1
        else:
            return None
        i += 1
    return pos


def _uptime_seconds() -> int:
    try:
        with open("/proc/uptime", "rb") as f:
            first = f.read(127).decode("latin-1").split(" ")[0]
        return int(float(first) + 0.5)
    except (OSError, ValueError) as exc:
        msg = getattr(exc, "strerror", None) or "Invalid argument"
        raise TimeError(f"Can't read uptime ({msg})") from None


def _apply_keyword(word: str, tm: _TM, now: float) -> None:
    lt = time.localtime
    if word == "now":
        t = lt(now)
        tm.set_time_from(t)
        tm.set_date_from(t)
    elif word == "recent":
        t = lt(now - 600)
        tm.set_time_from(t)
        tm.set_date_from(t)
    elif word == "boot":
        t = lt(int(now) - _uptime_seconds())
        tm.set_time_from(t)
        tm.set_date_from(t)
    elif word in ("today", "yesterday", "this-week", "week-ago",
                  "this-month", "this-year"):
        tm.hour = tm.min = tm.sec = 0
        base = int(now)
        if word == "yesterday":
            base -= SECONDS_IN_DAY
        elif word == "week-ago":
            base -= 7 * SECONDS_IN_DAY
        elif word == "this-week":
            wday = (lt(base).tm_wday + 1) % 7      # C: Sunday = 0
            base -= wday * SECONDS_IN_DAY
        tm.set_date_from(lt(base))
        if word in ("this-month", "this-year"):
            tm.mday = 1
        if word == "this-year":
            tm.mon = 0
            tm.isdst = 0


def _parse_time_of_day(ti: str, tm: _TM, which: str) -> None:
    text = ti + ":00" if len(ti) <= 5 else ti[:63]
    end = _strptime(text, "%H:%M:%S", tm)
    if end is None:
        raise TimeError(f"Invalid {which} time ({ti}). Hour, Minute, and Second are required.")
    if end != len(text):
        raise TimeError(f"Error parsing {which} time ({ti})")


def _resolve(da: str | None, ti: str | None, which: str, now: float | None) -> int:
    now = time.time() if now is None else now
    tm = _TM()
    if da is None:
        _apply_keyword("now", tm, now)
    elif is_keyword(da):
        _apply_keyword(da, tm, now)
        if da in ("recent", "now", "boot") and (ti is None or ti == "00:00:00"):
            return _finish(tm, which)
        if which == "end" and da == "today":
            _apply_keyword("now", tm, now)
            if ti is None or ti == "00:00:00":
                return _finish(tm, which)
    else:
        end = _strptime(da, _locale_date_format(), tm)
        if end is None:
            raise TimeError(f"Invalid {which} date ({da}). Month, Day, and Year are required.")
        if end != len(da):
            raise TimeError(f"Error parsing {which} date ({da})")
    if ti is not None:
        _parse_time_of_day(ti, tm, which)
    elif which == "start":
        tm = _TM()
    else:
        t = time.localtime(now)
        tm.set_time_from(t)
        tm.isdst = t.tm_isdst
    if tm.year < 104:
        raise TimeError(f"Error - year is {tm.year + 1900}")
    return _finish(tm, which)


def _finish(tm: _TM, which: str) -> int:
    value = tm.mktime()
    if value == -1:
        raise TimeError(f"Error converting {which} time")
    return value


def start_time(date: str | None, tod: str | None, now: float | None = None) -> int:
    """The reference's ausearch_time_start(date, time); TimeError if bad."""
    return _resolve(date, tod, "start", now)


def end_time(date: str | None, tod: str | None, now: float | None = None) -> int:
    """The reference's ausearch_time_end(date, time); TimeError if bad."""
    return _resolve(date, tod, "end", now)
