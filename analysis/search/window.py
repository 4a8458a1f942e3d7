"""Skipping blocks of log lines that lie outside a ``-ts``/``-te`` window.

The reference drops a line whose time stamp is outside the window before
grouping (``LogGrouper`` does the same), but it still reads the line's
header, one line at a time.  ``LineWindow.keep(pieces)`` looks at a whole
block of line pieces with one regular-expression pass: when *every* piece
is a plain record header (the form ``LogGrouper`` reads on its fast path)
whose second is outside the window, the grouper would drop them all
without a trace, so the block is skipped (``[]``); otherwise the block is
returned unchanged and the grouper decides line by line.  The result of a
search is therefore the same with or without the skip.  A block whose first
or last piece is not such a header is kept at once (one short match each),
so blocks inside the window cost almost nothing extra.

A header counts as "certainly outside" only when its second is written
with exactly as many digits as the bound it is compared with (so the time
stamp is long enough for the fast path and the comparison is a plain
string comparison), or, above ``-te``, with more digits and no leading
zero.  Anything unusual keeps its block.
"""
from __future__ import annotations

import re

# What LogGrouper's fast path reads (event._HOT_STAMP) at the start of a
# piece; SECONDS is replaced by the digits of an outside second.
_HEADER = (r"(?:node=[^ \n]{1,250} )?type=[^ \n]{1,30} msg=audit\("
           r"(?:SECONDS)\.[0-9]{1,3}:[0-9]{1,15}(\))")
_MAX_SEC_DIGITS = 15
_MIN_BOUND_DIGITS = 6       # sec.msec:serial stays >= 8 characters (the fast path)


def digits_below(bound: str) -> str:
    """A regex for the strings of ``len(bound)`` digits that are smaller than ``bound``."""
    alts = []
    for i, c in enumerate(bound):
        if c > "0":
            rest = len(bound) - i - 1
            alts.append(re.escape(bound[:i]) + f"[0-{chr(ord(c) - 1)}]"
                        + (f"[0-9]{{{rest}}}" if rest else ""))
    return "|".join(alts)


def digits_above(bound: str) -> str:
    """A regex for the digit strings greater than ``bound``: as long with a
    larger value, or longer (up to 15 digits) without a leading zero."""
    alts = []
    for i, c in enumerate(bound):
        if c < "9":
            rest = len(bound) - i - 1
            alts.append(re.escape(bound[:i]) + f"[{chr(ord(c) + 1)}-9]"
                        + (f"[0-9]{{{rest}}}" if rest else ""))
    if len(bound) < _MAX_SEC_DIGITS:
        alts.append(f"[1-9][0-9]{{{len(bound)},{_MAX_SEC_DIGITS - 1}}}")
    return "|".join(alts)


class LineWindow:
    """``keep(pieces)``: the block, or ``[]`` when the grouper would drop all of it."""

    def __init__(self, start_time: int = 0, end_time: int = 0):
        outside = []
        if start_time > 0 and len(str(start_time)) >= _MIN_BOUND_DIGITS:
            below = digits_below(str(start_time))
            if below:
                outside.append(below)
        if end_time > 0 and len(str(end_time)) >= _MIN_BOUND_DIGITS:
            outside.append(digits_above(str(end_time)))
        self._outside = self._first_last = None
        if outside:
            header = _HEADER.replace("SECONDS", "|".join(outside))
            self._outside = re.compile("\n" + header)        # each piece after a newline
            self._first_last = re.compile(header).match       # one piece

    @property
    def active(self) -> bool:
        """False when no line can be recognised as outside (nothing is ever skipped)."""
        return self._outside is not None

    def keep(self, pieces: list[str]) -> list[str]:
        if self._outside is None or not pieces:
            return pieces
        # a block that starts or ends inside the window (the usual case once
        # the scan reached it) is kept without looking at every piece
        one = self._first_last
        if one(pieces[0]) is None or one(pieces[-1]) is None:
            return pieces
        # one match per piece that is a certainly-outside header; a match
        # cannot span two pieces (none of the patterns crosses a newline)
        found = self._outside.findall("\n" + "\n".join(pieces))
        return [] if len(found) == len(pieces) else pieces


def window_for(start_time: int, end_time: int) -> LineWindow | None:
    """A LineWindow for the options' window, or None when there is none to skip by."""
    if not start_time and not end_time:
        return None
    w = LineWindow(start_time, end_time)
    return w if w.active else None
