"""JSON Lines: one object per syscall event, process lifecycle event or lost marker."""
from __future__ import annotations

import json

from .decode import errno_parts, format_args, format_result, sockaddr_text
from .model import LostMarker, ProcessEvent, SyscallEvent, TimelineItem


def syscall_object(ev: SyscallEvent) -> dict:
    code = ev.errno
    return {
        "type": "syscall",
        "time": f"{ev.sec}.{ev.msec:03d}",
        "serial": ev.serial,
        "node": ev.node,
        "pid": ev.pid,
        "ppid": ev.ppid,
        "comm": ev.comm,
        "exe": ev.exe,
        "arch": ev.arch,
        "syscall": ev.name,
        "syscall_number": ev.number,
        "args": format_args(ev),
        "raw_args": [f"{a:x}" for a in ev.args],
        "result": format_result(ev),
        "exit": ev.exit,
        "errno": errno_parts(code)[0] if code else None,
        "success": ev.success,
        "key": ev.key,
        "cwd": ev.cwd,
        "paths": [p.as_dict() for p in ev.paths],
        "argv": ev.argv,
        "sockaddr": sockaddr_text(ev.sockaddr) if ev.sockaddr else None,
        "records": [r.line for r in ev.records],
    }


def process_object(item: ProcessEvent) -> dict:
    out = {"type": "process", "event": item.change.value, "pid": item.pid,
           "time": None if item.time is None else f"{item.time:.3f}"}
    for name in ("parent", "how", "tid", "path", "code"):
        value = getattr(item, name)
        if value is not None:
            out[name] = value
    if item.core_dumped:
        out["core_dumped"] = True
    return out


def lost_object(item: LostMarker) -> dict:
    return {"type": "lost", "records": item.count, "source": item.source,
            "time": None if item.time is None else f"{item.time:.3f}"}


class JsonRenderer:
    def render(self, item: TimelineItem) -> str:
        if isinstance(item, SyscallEvent):
            obj = syscall_object(item)
        elif isinstance(item, ProcessEvent):
            obj = process_object(item)
        else:
            obj = lost_object(item)
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
