"""Reading a log from an offset with the byte offset of every line.

The index stores where each line of an event is, so events can be read
back later without scanning.  Lines are cut exactly as the normal reader
(``logsource.read_pieces``) cuts them for regular logs.  Logs the index
does not handle -- a NUL byte or a line too long for one ``fgets`` piece --
raise ``Irregular`` and the search falls back to a plain scan.
"""
from __future__ import annotations

import os
from itertools import accumulate
from dataclasses import dataclass
from typing import Iterator

from ..logsource import CHUNK, CONTROL_BYTES, PIECE

_PLUS_ONE = (1).__add__


class Irregular(Exception):
    """The file holds something only the plain scan reproduces."""


@dataclass
class Batch:
    """Lines (newline removed) and the file offset each starts at."""

    lines: list[str]
    offsets: list[int]


@dataclass
class ReadState:
    """What reading noticed: end of the last complete line, control bytes."""

    committed: int = 0          # offset just after the last newline read
    controls: bool = False


def read_located(fd: int, start: int, stop: int, state: ReadState,
                 include_partial: bool, on_read=None) -> Iterator[Batch]:
    """Batches of the lines in ``[start, stop)``.

    Only newline-terminated lines are returned, unless ``include_partial``:
    then a last line without a newline is returned too (the end of a file
    that is not the newest, which the scan reads that way).
    ``state.committed`` ends up after the last newline; ``on_read(n)``
    hears of every block read (progress display).
    """
    pos = start
    state.committed = start
    rest = ""
    rest_at = start
    while pos < stop:
        data = os.pread(fd, min(CHUNK, stop - pos), pos)
        if not data:
            break
        pos += len(data)
        if on_read is not None:
            on_read(len(data))
        if b"\0" in data:
            raise Irregular("NUL byte")
        if not state.controls and len(data.translate(None, CONTROL_BYTES)) != len(data):
            state.controls = True
        text = rest + data.decode("latin-1")
        cut = text.rfind("\n")
        if cut < 0:
            rest = text
            if len(rest) >= PIECE:
                raise Irregular("long line")
            continue
        lines = text[:cut].split("\n")
        if max(map(len, lines)) >= PIECE:
            raise Irregular("long line")
        # each line starts after the previous one and its newline
        offsets = list(accumulate(map(_PLUS_ONE, map(len, lines)), initial=rest_at))
        rest_at = offsets.pop()
        rest = text[cut + 1:]
        state.committed = rest_at
        yield Batch(lines, offsets)
    if rest and len(rest) >= PIECE:
        raise Irregular("long line")
    if rest and include_partial:
        yield Batch([rest], [rest_at])
