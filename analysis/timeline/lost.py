"""Detect records that never arrived: gaps in the kernel's event serial numbers.

The kernel numbers events with one global counter, so every serial between
the first and the last one seen should show up.  Records of different
events interleave a little, so a missing serial is only declared lost once
the stream is ``window`` serials past it (or at the end).
"""
from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_WINDOW = 512


@dataclass
class SerialGapTracker:
    window: int = DEFAULT_WINDOW
    highest: int | None = None
    missing: set[int] = field(default_factory=set)
    total_lost: int = 0

    def see(self, serial: int) -> None:
        high = self.highest
        if high is None:
            self.highest = serial
            return
        if serial > high:
            if serial > high + 1:
                self.missing.update(range(high + 1, serial))
            self.highest = serial
        elif serial < high and self.missing:
            self.missing.discard(serial)

    def see_all(self, serials) -> None:
        """:meth:`see` for each of ``serials`` (distinct, in arrival order; not
        empty), with set operations: the same ``highest`` and ``missing`` after."""
        batch = set(serials)
        top = max(batch)
        high = self.highest
        missing = self.missing
        if missing:
            missing.difference_update(batch)
        if high is None:
            high = next(iter(serials))        # the first serial seen starts the count
        if top > high:
            missing.update(set(range(high + 1, top + 1)) - batch)
            high = top
        self.highest = high

    def confirmed(self, final: bool = False) -> int:
        """How many missing serials are now certainly lost (counted once)."""
        if not self.missing:
            return 0
        if final:
            count = len(self.missing)
            self.missing.clear()
        else:
            limit = (self.highest or 0) - self.window
            old = [s for s in self.missing if s < limit]
            count = len(old)
            self.missing.difference_update(old)
        self.total_lost += count
        return count
