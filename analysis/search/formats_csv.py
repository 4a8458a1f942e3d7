"""``ausearch --format csv``: one comma-separated line per event (header line
first), built from the normalizer like the reference's csv_event.  Values are
written as they are, unquoted, as the reference does."""
from __future__ import annotations

import time
from dataclasses import dataclass

from ..interpret.typetab import FieldType
from ..normalize.view import EventView
from ..tables.msgtypes import MSG_TYPE_NAMES

CONFIG_CHANGE = 1305


@dataclass(frozen=True)
class CsvExtras:
    keys: bool = False
    labels: bool = False
    obj2: bool = False
    time: bool = False


def csv_header(x: CsvExtras) -> str:
    return ("NODE,EVENT,DATE,TIME,%sSERIAL_NUM,EVENT_KIND,SESSION,SUBJ_PRIME,SUBJ_SEC,"
            "SUBJ_KIND,%sACTION,RESULT,OBJ_PRIME,OBJ_SEC,%s%sOBJ_KIND,HOW%s\n") % (
        "YEAR,MONTH,DAY,WEEKDAY,HOUR,MILLI,GMT_OFFSET," if x.time else "",
        "SUBJ_LABEL," if x.labels else "",
        "OBJ2," if x.obj2 else "",
        "OBJ_LABEL," if x.labels else "",
        ",KEY" if x.keys else "")


def _local(sec: int):
    try:
        return time.localtime(sec)
    except (OverflowError, ValueError, OSError):
        return None


def csv_event(view: EventView, sec: int, msec: int, serial: int, x: CsvExtras,
              stderr) -> str:
    tv = _local(sec)
    out = []
    node = view.node()
    out.append((node or "") + ",")
    type_name = MSG_TYPE_NAMES.get(view.first.type, "")
    out.append(type_name + ",")
    out.append((time.strftime("%x", tv) if tv else "") + ",")
    out.append((time.strftime("%T", tv) if tv else "") + ",")
    if x.time:
        for fmt in ("%Y", "%m", "%d", "%u", "%k"):
            out.append((time.strftime(fmt, tv) if tv else "") + ",")
        out.append(f"{msec},")
        if tv:
            off = tv.tm_gmtoff
            total = abs(off)
            hour = total // 3600
            minute = (total - hour * 3600) % 60
            out.append("%c%02d:%02d" % ("+" if off >= 0 else "-", hour, minute))
        out.append(",")
    out.append(f"{serial},")
    if view.rc:
        stderr(f"error normalizing {type_name}\n")
        out.append(",,,,,,,,,%s%s\n" % (",," if x.labels else "", "," if x.keys else ""))
        return "".join(out)
    n = view.n
    out.append((n.evkind or "unknown") + ",")
    out.append((view.interpreted() if view.seek(n.session) else "") + ",")
    out.append((view.subject_primary() or "") + ",")
    out.append((view.interpreted() if view.seek(n.subj_secondary) else "") + ",")
    out.append((n.subj_kind or "") + ",")
    if x.labels:
        out.append((view.attribute(n.subj_attrs, "subj") or "") + ",")
    action = n.action
    out.append((action or "did-unknown") + ",")
    if view.seek(n.results):
        out.append("success" if view.result_success() else "failed")
    out.append(",")
    if view.seek(n.obj_primary):
        if view.kind() is FieldType.ESCAPED_FILE:
            val = view.realpath()
        elif view.cursor.type == CONFIG_CHANGE and action in ("set", "seccomp-logging"):
            val = view.cursor.name
        else:
            val = view.interpreted()
        out.append(val)
    out.append(",")
    out.append((view.interpreted() if view.seek(n.obj_secondary) else "") + ",")
    if x.obj2:
        if view.seek(n.obj_two):
            out.append(view.realpath() if view.kind() is FieldType.ESCAPED_FILE
                       else view.interpreted())
        out.append(",")
    if x.labels:
        out.append((view.attribute(n.obj_attrs, "obj") or "") + ",")
    out.append(n.obj_kind + ",")
    if n.how:
        out.append(n.how)
    if x.keys:
        out.append(",")
        if view.seek(n.key):
            out.append(view.interpreted())
    out.append("\n")
    return "".join(out)
