"""ausearch ``--checkpoint`` files, in the reference's format.

A checkpoint remembers the log file last read (device and inode) and the
last complete event seen::

    dev=0xFE00
    inode=2146466
    output=- 1795611224.064:796230 0x4B0

``output=NODE SEC.MSEC:SERIAL 0xTYPE`` (``-`` for no node; TYPE is the
first record's type).  Exit statuses: 10 bad checkpoint file or checkpointed
log not found, 11 checkpoint could not be written, 12 corrupted (a newer
complete event came before the checkpointed one).
"""
from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass

from .logsource import os_message

MAX_EVENT_DELTA_SECS = 2


class Failure(enum.IntFlag):
    NONE = 0
    NOMEM = 0x1
    STATFAILED = 0x2
    STATUSIO = 0x4
    STATUSBAD = 0x8
    CORRUPTED = 0x10


@dataclass
class EventMark:
    sec: int = 0
    msec: int = 0
    serial: int = 0
    node: str | None = None
    type: int = 0


@dataclass
class Checkpoint:
    dev: int = 0
    inode: int = 0
    last: EventMark | None = None


class Decision(enum.IntEnum):
    SKIP = 0
    OUTPUT = 1
    OUTPUT_AFTER = 2
    CORRUPT = 3


_EVENT = re.compile(r"(\d+)\.(\d+):(\d+) 0x([0-9A-Fa-f]+)")


def load(path: str, errors: list[str]) -> tuple[int, Checkpoint | None, Failure]:
    """(rc, checkpoint, failure): rc -1 no file, 0 loaded, < -1 error."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("latin-1")
    except FileNotFoundError:
        return -1, None, Failure.NONE
    except OSError as exc:
        errors.append(f"Cannot open checkpoint file - {path}: {os_message(exc)}\n")
        return -2, None, Failure.NONE
    cp = Checkpoint()
    failure = Failure.NONE
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        if line.startswith("dev="):
            try:
                cp.dev = int(line[4:].split()[0], 16) if line[4:].strip() else 0
            except ValueError:
                cp.dev = _leading_int(line[4:], 16)
        elif line.startswith("inode="):
            cp.inode = _leading_int(line[6:], 0)
        elif line.startswith("output="):
            rest = line[7:]
            sp = rest.find(" ")
            if sp < 0:
                errors.append(f"Malformed output/event checkpoint line near node - [{line}]\n")
                failure |= Failure.STATUSBAD
                break
            node = rest[:sp]
            m = _EVENT.match(rest[sp + 1:])
            if m is None:
                errors.append(f"Malformed output/event checkpoint line after node - [{line[:7 + sp]}]\n")
                failure |= Failure.STATUSBAD
                break
            cp.last = EventMark(int(m.group(1)), int(m.group(2)), int(m.group(3)),
                                None if node.startswith("-") else node, int(m.group(4), 16))
        else:
            errors.append(f"Unknown checkpoint line - [{line}]\n")
            failure |= Failure.STATUSBAD
            break
    if cp.inode == 0 or cp.dev == 0:
        errors.append(f"Missing dev/inode lines from checkpoint file {path}\n")
        failure |= Failure.STATUSBAD
    if failure:
        return -3, None, failure
    return 0, cp, failure


def _leading_int(text: str, base: int) -> int:
    text = text.strip()
    if base == 0:
        base = 16 if text[:2].lower() == "0x" else (8 if text[:1] == "0" and len(text) > 1 else 10)
        if base == 16:
            text = text[2:]
    digits = "0123456789abcdef"[:base]
    end = 0
    while end < len(text) and text[end].lower() in digits:
        end += 1
    return int(text[:end], base) if end else 0


def save(path: str, dev: int, inode: int, last: EventMark, errors: list[str]) -> Failure:
    node = last.node if last.node else "-"
    text = (f"dev=0x{dev & 0xffffffff:X}\ninode={inode & 0xffffffff}\n"
            f"output={node} {last.sec}.{last.msec:03d}:{last.serial} 0x{last.type & 0xffffffff:X}\n")
    try:
        with open(path, "w", encoding="latin-1", errors="replace") as f:
            f.write(text)
    except OSError as exc:
        errors.append(f"Cannot open checkpoint file - {path}: {os_message(exc)}\n")
        return Failure.STATUSIO
    return Failure.NONE


def file_identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev & 0xffffffff, st.st_ino & 0xffffffff


class OutputGate:
    """Whether an event may be output, given the loaded checkpoint."""

    def __init__(self, cp: Checkpoint | None, time_only: bool):
        self.cp = cp
        self.time_only = time_only
        self.open = cp is None or cp.last is None or cp.last.sec == 0

    def decide(self, sec: int, msec: int, serial: int, node: str | None, type_: int) -> Decision:
        if self.open:
            return Decision.OUTPUT
        last = self.cp.last
        if self.time_only and (last.sec < sec or (last.sec == sec and last.msec <= msec)):
            self.open = True
            return Decision.OUTPUT
        if (last.sec, last.msec, last.serial, last.type) == (sec, msec, serial, type_):
            if last.node == node:
                self.open = True
                return Decision.OUTPUT_AFTER
        if last.sec < sec and sec - last.sec > MAX_EVENT_DELTA_SECS:
            return Decision.CORRUPT
        return Decision.SKIP
