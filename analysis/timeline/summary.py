"""``-c``: how many calls and errors, per syscall and per process."""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import LostMarker, ProcessChange, ProcessEvent, SyscallEvent, TimelineItem


@dataclass
class _Count:
    calls: int = 0
    errors: int = 0


@dataclass
class Summary:
    by_syscall: dict[str, _Count] = field(default_factory=dict)
    by_process: dict[int, _Count] = field(default_factory=dict)
    comm: dict[int, str] = field(default_factory=dict)
    lost: int = 0

    def add(self, item: TimelineItem) -> None:
        if isinstance(item, SyscallEvent):
            failed = item.success is False
            for table, key in ((self.by_syscall, item.name), (self.by_process, item.pid)):
                c = table.get(key)
                if c is None:
                    c = table[key] = _Count()
                c.calls += 1
                c.errors += failed
            if item.comm:
                self.comm[item.pid] = item.comm
        elif isinstance(item, ProcessEvent):
            if item.change is ProcessChange.START:
                self.by_process.setdefault(item.pid, _Count())
        elif isinstance(item, LostMarker):
            self.lost += item.count

    def render(self) -> list[str]:
        rule = "---------- --------- ----------------"
        lines = ["     calls    errors syscall", rule]
        rows = sorted(self.by_syscall.items(), key=lambda kv: (-kv[1].calls, kv[0]))
        for name, c in rows:
            lines.append(f"{c.calls:>10} {_errors(c):>9} {name}")
        total_calls = sum(c.calls for c in self.by_syscall.values())
        total_errors = sum(c.errors for c in self.by_syscall.values())
        lines += [rule, f"{total_calls:>10} {total_errors or '':>9} total", ""]
        prule = "------- ---------- --------- ----------------"
        lines += ["    pid      calls    errors command", prule]
        for pid, c in sorted(self.by_process.items()):
            lines.append(f"{pid:>7} {c.calls:>10} {_errors(c):>9} {self.comm.get(pid, '?')}")
        if self.lost:
            lines += ["", f"{self.lost} records lost"]
        return lines


def _errors(c: _Count) -> str:
    return str(c.errors) if c.errors else ""
