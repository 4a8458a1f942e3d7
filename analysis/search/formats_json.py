"""``ausearch --format json`` (an audix extension): JSON Lines, one object per event.

Each matched event is written as one line::

    {"node": null, "time": "1700000000.123", "serial": 42,
     "records": [{"type": "SYSCALL",
                  "fields": {"arch": "c000003e", "syscall": "257", ...},
                  "enriched": {"ARCH": "x86_64", ...}}, ...]}

* ``node``: the event's node name or null; ``time``: seconds and
  milliseconds as written in the log stamp (a string, so no float rounding);
  ``serial``: the event serial (an int).
* ``records`` in log order (the default format prints them newest first).
* ``type``: the record type as written (``SYSCALL``, ``UNKNOWN[1234]``).
* ``fields``: an object, keys in the order of the record.  When a name
  occurs again in the same record the first value is kept in ``fields`` and
  every later ``[name, value]`` pair is listed, in order, under
  ``"duplicates"`` (present only then), so nothing is lost.
* ``enriched``: the fields after the ENRICHED separator (``\\x1d``), present
  only when the record has them.
* Without ``-i`` values are the raw text of the log (quoted strings keep
  their quotes, hex-encoded strings stay hex).  With ``-i`` (or
  ``--format json -i``) each value is what ``ausearch -i`` shows
  (``Interpreter.interpret``: names, decoded strings, escaped per
  ``--escape``); enriched values are kept as written.
* A line the record parser refuses (an unknown type name...) is kept whole
  as ``{"type": name as written or null, "line": text}``.
* Text: log bytes are read as latin-1, so each byte 0x00-0xff is the code
  point U+0000-U+00FF; the JSON is written ASCII-only (``\\u00e9``...), and
  ``value.encode("latin-1")`` gives the original bytes back.
"""
from __future__ import annotations

import json
import re

from ..event import LogEvent
from ..interpret.typetab import field_type
from ..record import ParseError, parse_record, type_name

_TYPE_WORD = re.compile(r"(?:node=\S* )?type=(\S+)")
_dumps = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


class JsonEvents:
    """``format(event) -> one JSON line``; ``interpreter`` set for ``-i``."""

    def __init__(self, interpreter=None):
        self.interp = interpreter

    def event_object(self, ev: LogEvent) -> dict:
        return {
            "node": ev.node,
            "time": f"{ev.sec}.{ev.msec:03d}",
            "serial": ev.serial,
            "records": [self.record_object(line, t) for line, t in zip(ev.lines, ev.types)],
        }

    def record_object(self, line: str, type_: int) -> dict:
        try:
            rec = parse_record(line)
        except ParseError:
            if type_ >= 0:
                name = type_name(type_)
            else:
                m = _TYPE_WORD.match(line)
                name = m.group(1) if m else None
            return {"type": name, "line": line}
        out: dict = {"type": rec.type_name}
        fields: dict = {}
        dups: list = []
        interp = self.interp
        if interp is not None:
            ctx = interp.record_context(rec)
        for name, value in rec.fields:
            if interp is not None:
                shown = interp.interpret_in(ctx, name, value, field_type(rec.type, name, value))
                value = "(null)" if shown is None else shown
            if name in fields:
                dups.append([name, value])
            else:
                fields[name] = value
        out["fields"] = fields
        if dups:
            out["duplicates"] = dups
        if rec.enriched is not None:
            enriched: dict = {}
            for name, value in rec.enriched_fields:
                enriched.setdefault(name, value)
            out["enriched"] = enriched
        return out

    def __call__(self, ev: LogEvent) -> str:
        return _dumps(self.event_object(ev)) + "\n"
