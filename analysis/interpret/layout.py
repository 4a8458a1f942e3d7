"""How ``ausearch -i`` lays out one record.

``[node=N ]type=T msg=audit(MM/DD/YY HH:MM:SS.mmm:SERIAL) : k=v k=v ... ``:
the text between fields (``: ``, free text such as ``avc:  denied  { read }
for ``) is copied as it is, each value is replaced by its interpretation and
followed by a space.  Values are cut at the next space, or at a comma when
the value is not a MAC label (the rest after the last such comma is copied
escaped, followed by a newline); quoted values run to their closing quote.
A user message's ``msg='`` is opened and its fields interpreted.  A body
without any ``=`` is copied escaped, followed by a newline.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..tables.msgtypes import MSG_TYPE_NAMES
from .escape import KEY_SEPARATOR, escape
from .typetab import FieldType, field_type

UNCLASSIFIED, TTY_DATA, MAC_LABEL = FieldType.UNCLASSIFIED, FieldType.TTY_DATA, FieldType.MAC_LABEL

if TYPE_CHECKING:
    from ..record import Record
    from .interpreter import FieldContext, Interpreter

TIME_FORMAT = "%x %T"  # C locale: MM/DD/YY HH:MM:SS; follows LC_TIME once setlocale is called


def _timestamp(interp: "Interpreter", record: "Record") -> str:
    try:
        stamp = time.strftime(TIME_FORMAT, interp.localtime(record.sec))
    except (OverflowError, OSError, ValueError):
        stamp = "?"
    return f"{stamp}.{record.msec:03d}:{record.serial}) "


def _header(interp: "Interpreter", record: "Record", text: str) -> tuple[str, str] | None:
    """(printed header, body after the time stamp's ``)``), None when malformed."""
    start = 0
    if record.node is not None:
        space = text.find(" ")
        if space >= 0:
            start = space + 1
    paren = text.find("(", start)
    if paren < 0:
        return None
    name = MSG_TYPE_NAMES.get(record.type)
    prefix = f"node={record.node} " if record.node is not None else ""
    head = prefix + (f"type={name} msg=audit(" if name else text[start:paren] + "(")
    close = text.find(")", paren + 1)
    if close < 0:
        return head, ""
    return head + _timestamp(interp, record), text[close + 1:]


def _value_text(interp: "Interpreter", ctx: "FieldContext", raw_name: str, value: str,
                comma: bool) -> str:
    """One interpreted value as printed, with what follows it."""
    name = raw_name.lstrip(" (") if raw_name[:1] in " (" else raw_name
    if name == "acct" and value.endswith(":"):
        value = value[:-1]
    kind = field_type(ctx.record_type, name, value)
    if ctx.syscall_record:
        error = interp.observe(ctx, name, value)
        if error is not None:
            return error
    out = interp.interpret_in(ctx, name, value, kind)
    if kind is UNCLASSIFIED:
        return value + ("," if comma else " ")
    if out is None:
        out = "(null)"
    if name == "key":
        first, *others = out.split(KEY_SEPARATOR)
        return first + "".join(" key=" + other for other in others) + " "
    if kind is TTY_DATA:
        return out
    return out + " "


def _cut_value(ctx: "FieldContext", raw_name: str, body: str,
               start: int) -> tuple[str, int | None, bool]:
    """(value, where the next field starts or None at the end, cut at a comma)."""
    if body.startswith(("'", '"'), start):
        close = body.find(body[start], start + 1)
        if close < 0:
            return body[start:], None, False
        end = close + 1
        return body[start:end], (end + 1 if end < len(body) else end), False
    space = body.find(" ", start)
    comma = body.find(",", start, space if space >= 0 else len(body))
    if comma < 0:
        if space >= 0:
            return body[start:space], space + 1, False
        return body[start:], None, False
    if space >= 0:
        if field_type(ctx.record_type, raw_name, body[space:]) is MAC_LABEL:
            return body[start:space], space + 1, False
        return body[start:comma], comma + 1, True
    if field_type(ctx.record_type, raw_name, body[start:]) is MAC_LABEL:
        return body[start:], None, False
    return body[start:comma], comma + 1, True


def _trailer(interp: "Interpreter", rest: str) -> str:
    """Text copied after the fields: escaped, then a newline (the reference's puts)."""
    return escape(rest, interp.escape) + "\n"


def format_record(interp: "Interpreter", record: "Record") -> str:
    text = record.raw_text
    header = _header(interp, record, text)
    if header is None:
        return ""
    out, body = header
    ctx = interp.new_context(record)
    parts = [out]
    pos: int | None = 0
    found = comma = False
    no_more_fields = False
    while pos is not None and pos < len(body):
        eq = body.find("=", pos)
        if eq < 0:
            no_more_fields = True
            break
        comma = False
        found = True
        n = body.rfind(" ", pos, eq)
        raw_name = body[n if n >= 0 else pos:eq]
        parts.append(body[pos:eq] + "=")
        if raw_name == "msg":
            pos = eq + 1
            continue
        if raw_name.startswith("'"):
            raw_name = raw_name[1:]
        value, pos, comma = _cut_value(ctx, raw_name, body, eq + 1)
        parts.append(_value_text(interp, ctx, raw_name, value, comma))
    if not found and no_more_fields:
        parts.append(_trailer(interp, body[pos:]))
    elif comma:
        parts.append(_trailer(interp, body[pos:] if pos is not None else ""))
    return "".join(parts)
