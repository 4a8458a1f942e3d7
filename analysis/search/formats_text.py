"""``ausearch --format text``: one English sentence per event, built from
the normalizer (``audix.analysis.normalize``) like the reference's text_event."""
from __future__ import annotations

import time

from ..interpret.typetab import FieldType
from ..normalize.view import EventView

CONFIG_CHANGE = 1305


def _stamp(sec: int) -> str:
    try:
        return time.strftime("%T %x", time.localtime(sec))
    except (OverflowError, ValueError, OSError):
        return "?"


def text_event(view: EventView, sec: int) -> str:
    n = view.n
    out = []
    node = view.node()
    if node is not None:
        out.append(f"On {node} at {_stamp(sec)} ")
    else:
        out.append(f"At {_stamp(sec)} ")
    ident = -2
    if view.seek(n.subj_primary):
        subj = view.interpreted()
        ident = view.field_int()
        out.append("system" if subj == "unset" else subj)
    if view.seek(n.subj_secondary):
        uid = view.field_int()
        if uid != ident and ident != -2 and uid != -1:
            out.append(f", acting as {view.interpreted()},")
    if view.seek(n.results):
        out.append(" successfully " if view.result_success() else " unsuccessfully ")
    else:
        out.append(" ")
    action = n.action
    out.append(f"{action if action else 'did-unknown'} ")
    if view.seek(n.obj_primary):
        val = None
        if action and "violated" in action:
            val = "accessing "
        kind = view.kind()
        if kind is FieldType.ESCAPED_FILE:
            val = view.realpath()
        elif kind is FieldType.SOCKADDR:
            val = view.sock_part("laddr=")
            if val is None:
                val = view.sock_part("fam=")
        elif view.first.type == CONFIG_CHANGE:
            if action in ("set", "seccomp-logging"):
                val = view.cursor.name
            else:
                val = view.interpreted()
        if val is None:
            val = view.interpreted()
        out.append(f"{val} ")
    if view.seek(n.obj_two):
        val = view.realpath() if view.kind() is FieldType.ESCAPED_FILE else view.interpreted()
        out.append(f"to {val} ")
    if n.how and action and not action.startswith("e"):
        out.append(f"using {n.how}")
    out.append("\n")
    return "".join(out)
