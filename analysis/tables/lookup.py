"""Name -> number lookups that fold case, as the reference's libaudit does.

libaudit compares names case-insensitively (``-F UID=0``, ``-S OPEN``, ``-m syscall``,
``exit=-eperm`` all work); the generated tables keep one spelling per name.
"""

from __future__ import annotations

from typing import Mapping, TypeVar

V = TypeVar("V")

# id(table) -> (table, folded copy); the table is kept so its id cannot be reused.
_FOLDED: dict[int, tuple[Mapping, dict]] = {}


def by_name(table: Mapping[str, V], name: str) -> V | None:
    """table[name] ignoring case, or None.  Meant for the (immutable) generated tables."""
    value = table.get(name)
    if value is not None:
        return value
    entry = _FOLDED.get(id(table))
    if entry is None or entry[0] is not table:
        entry = (table, {key.lower(): val for key, val in table.items()})
        _FOLDED[id(table)] = entry
    return entry[1].get(name.lower())
