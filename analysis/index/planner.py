"""Which index lookup answers a search, decided from its options.

``event_query`` turns the criteria the index can narrow on into an SQL
condition that every matching event satisfies (see ``terms.py`` for why
each is a necessary condition); the matcher still decides.  Criteria it
cannot narrow on are simply left to the matcher.  None: nothing narrows,
the index would not help.

``time_window``: ``-ts``/``-te`` are answered by reading only the blocks of
lines whose time stamps fall in the window (the scan drops every other
line before grouping, so skipping them changes nothing).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..search.options import SearchOptions

NO_END = 1 << 62
NULL_EXE = "(null)"      # what the scan assumes for a record without exe=


@dataclass
class EventQuery:
    where: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)

    def add(self, sql: str, *params) -> None:
        self.where.append(sql)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.where)


def event_query(o: SearchOptions) -> EventQuery | None:
    q = EventQuery()
    if o.types is not None:
        q.add("(" + " OR ".join("instr(types, ?)" for _ in o.types) + ")",
              *(f",{t}," for t in o.types))
    if o.event_id is not None:
        q.add("serial = ?", o.event_id)
    if o.nodes:
        q.add("node IN (" + ",".join("?" for _ in o.nodes) + ")", *o.nodes)
    for number, default in ((o.pid, -1), (o.ppid, -1)):
        if number != -1 and number != default:
            q.add("(instr(pids, ',*,') OR instr(pids, ?))", f",{number},")
    # an event without syscall= reads as syscall 0
    if o.syscall not in (-1, 0):
        q.add("(instr(syscalls, ',*,') OR instr(syscalls, ?))", f",{o.syscall},")
    for value, column in ((o.key, "keys"), (o.comm, "comms")):
        if value is not None:
            q.add(f"instr({column}, ?)", value)
    if o.exe is not None and o.exe not in NULL_EXE:
        q.add("instr(exes, ?)", o.exe)
    return q if q.where else None


def time_window(o: SearchOptions) -> tuple[int, int] | None:
    if not o.start_time and not o.end_time:
        return None
    return (o.start_time or 0, o.end_time or NO_END)
