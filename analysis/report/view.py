"""One event as the reports see it: its identity, record types and items."""
from __future__ import annotations

from ..search.scan import SearchItems
from .lookup import Interpretations


class EventView:
    __slots__ = ("sec", "msec", "serial", "node", "type", "types", "items",
                 "interp", "first_line")

    def __init__(self, sec: int, msec: int, serial: int, node: str | None,
                 types: list[int], items: SearchItems,
                 interp: Interpretations | None, first_line: str):
        self.sec = sec
        self.msec = msec
        self.serial = serial
        self.node = node
        self.type = types[0]
        self.types = types
        self.items = items
        self.interp = interp
        self.first_line = first_line

    def has(self, type_: int) -> bool:
        """list_find_msg: some record of this type."""
        return type_ in self.types

    def has_range(self, low: int, high: int) -> bool:
        """list_find_msg_range: some record with low <= type <= high."""
        if high <= low:
            return False
        for t in self.types:
            if low <= t <= high:
                return True
        return False
