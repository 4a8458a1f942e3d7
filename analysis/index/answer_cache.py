"""Remembering which indexed events a search matched.

Asked again with the same criteria, a search reads back only the events
it matched last time (among those indexed then) plus the events indexed
since, so a repeated question costs what its answer costs.  The criteria
are the options that decide matching (output options -- format, escape,
extra columns, ``--just-one`` -- do not change which events match).
Matching by user *names* (``-ua``/``-ui``... with names looked up when the
log is read) depends on the passwd database, so those searches are not
remembered.
"""
from __future__ import annotations

import dataclasses
import json
import zlib
from array import array

from ..search.options import SearchOptions

# options that change only how matches are shown, or where the logs are
_OUTPUT_ONLY = frozenset({
    "escape", "format", "json_interpret", "extra_keys", "extra_labels", "extra_obj2",
    "extra_time", "line_buffered", "debug", "checkpoint", "checkpoint_time_only",
    "input_file", "force_logs", "no_index", "just_one"})


def query_key(o: SearchOptions) -> str | None:
    """The criteria as text, or None when an answer must not be reused."""
    if o.tuid is not None or o.teuid is not None or o.tauid is not None:
        return None
    crit = {}
    for f in dataclasses.fields(o):
        if f.name in _OUTPUT_ONLY:
            continue
        v = getattr(o, f.name)
        if isinstance(v, (list, tuple, set, frozenset)):
            v = list(v)
        elif hasattr(v, "value"):
            v = v.value
        crit[f.name] = v
    return json.dumps(crit, sort_keys=True, default=str)


def pack(ords: list[int]) -> bytes:
    deltas = array("Q", (b - a for a, b in zip([0] + ords, ords)))
    return zlib.compress(deltas.tobytes())


def unpack(blob: bytes) -> list[int]:
    deltas = array("Q")
    deltas.frombytes(zlib.decompress(blob))
    out: list[int] = []
    total = 0
    for d in deltas:
        total += d
        out.append(total)
    return out
