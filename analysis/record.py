"""One audit log record as an immutable value.

A record line is ``[node=NAME ]type=NAME msg=audit(SEC.MSEC:SERIAL): body``,
optionally followed (ENRICHED format) by ``\\x1d`` and interpreted fields.

Text convention: audix reads logs as bytes and decodes them latin-1, so each
byte is one character and every line round-trips exactly; writers encode
latin-1 again.  ``parse_record(line).line == line`` always holds for a line
that parses.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Iterator

from .tables.msgtypes import MSG_TYPE_NAMES, MSG_TYPE_NUMBERS

ENRICHED_SEPARATOR = "\x1d"

_HEADER = re.compile(
    r"(?:node=(?P<node>\S*) )?type=(?P<type>\S+) msg=audit\("
    r"(?P<sec>\d+)\.(?P<msec>\d+):(?P<serial>\d+)\):"
)
_UNKNOWN_TYPE = re.compile(r"UNKNOWN\[(\d+)\]")


class ParseErrorKind(enum.Enum):
    EMPTY = "empty line"
    NO_HEADER = "no type=/msg=audit(...) header"
    BAD_TIMESTAMP = "bad time stamp"
    UNKNOWN_TYPE = "unknown record type"


class ParseError(ValueError):
    """A line that is not an audit record; ``kind`` says why."""

    def __init__(self, kind: ParseErrorKind, line: str):
        self.kind = kind
        self.line = line
        super().__init__(f"{kind.value}: {line[:80]!r}")


def type_name(number: int) -> str:
    """The name a record type prints as (``UNKNOWN[n]`` when unnamed)."""
    return MSG_TYPE_NAMES.get(number) or f"UNKNOWN[{number}]"


def type_number(name: str) -> int | None:
    """The number of a record type name, ``UNKNOWN[n]`` included; None if unknown."""
    number = MSG_TYPE_NUMBERS.get(name)
    if number is not None:
        return number
    m = _UNKNOWN_TYPE.fullmatch(name)
    return int(m.group(1)) if m else None


@dataclass(frozen=True, slots=True)
class EventID:
    """Identity of an event: records with equal EventID belong together.

    Ordering is by time then serial (node last), which is how the reference
    tools order events.
    """

    sec: int
    msec: int
    serial: int
    node: str | None = None

    def __str__(self) -> str:
        return f"{self.sec}.{self.msec:03d}:{self.serial}"

    def __lt__(self, other: "EventID") -> bool:
        return (self.sec, self.msec, self.serial, self.node or "") < (
            other.sec, other.msec, other.serial, other.node or "")

    @classmethod
    def parse(cls, text: str, node: str | None = None) -> "EventID":
        """Parse ``SEC.MSEC:SERIAL`` (as inside ``audit(...)``)."""
        m = re.fullmatch(r"(\d+)\.(\d+):(\d+)", text)
        if not m:
            raise ParseError(ParseErrorKind.BAD_TIMESTAMP, text)
        return cls(int(m.group(1)), int(m.group(2)), int(m.group(3)), node)

    @property
    def time(self) -> float:
        return self.sec + self.msec / 1000.0


def split_fields(text: str) -> tuple[tuple[str, str], ...]:
    """Split a record body into (name, value) pairs, in order.

    Tokens are separated by single spaces; tokens without ``=`` (free text
    such as ``avc:  denied``) are skipped.  A user-space ``msg='...'`` field is
    opened: the fields inside it count as fields of the record.
    """
    out: list[tuple[str, str]] = []
    for token in text.split(" "):
        if token.startswith("msg='"):
            token = token[5:]
        elif token.endswith("'") and token.count("'") == 1:
            token = token[:-1]
        eq = token.find("=")
        if eq <= 0:
            continue
        out.append((token[:eq], token[eq + 1:]))
    return tuple(out)


class Record:
    """An immutable audit record.  Fields are parsed on first use."""

    __slots__ = ("line", "node", "type", "type_name", "sec", "msec", "serial",
                 "_body_start", "_sep", "_fields", "_enriched_fields")

    def __init__(self, line: str, node: str | None, type_: int, type_name_: str,
                 sec: int, msec: int, serial: int, body_start: int):
        set_ = object.__setattr__
        set_(self, "line", line)
        set_(self, "node", node)
        set_(self, "type", type_)
        set_(self, "type_name", type_name_)
        set_(self, "sec", sec)
        set_(self, "msec", msec)
        set_(self, "serial", serial)
        set_(self, "_body_start", body_start)
        set_(self, "_sep", line.find(ENRICHED_SEPARATOR, body_start))
        set_(self, "_fields", None)
        set_(self, "_enriched_fields", None)

    def __setattr__(self, name, value):
        raise AttributeError("Record is immutable")

    def __repr__(self) -> str:
        return f"Record({self.line!r})"

    def __str__(self) -> str:
        return self.line

    def __eq__(self, other) -> bool:
        return isinstance(other, Record) and other.line == self.line

    def __hash__(self) -> int:
        return hash(self.line)

    # --- identity --------------------------------------------------------
    @property
    def event_id(self) -> EventID:
        return EventID(self.sec, self.msec, self.serial, self.node)

    @property
    def time(self) -> float:
        return self.sec + self.msec / 1000.0

    # --- text parts ------------------------------------------------------
    @property
    def body(self) -> str:
        """The raw body after ``): `` (without the enriched part)."""
        end = self._sep if self._sep >= 0 else len(self.line)
        return self.line[self._body_start:end]

    @property
    def raw_text(self) -> str:
        """The line up to (not including) the enriched separator."""
        return self.line if self._sep < 0 else self.line[:self._sep]

    @property
    def enriched(self) -> str | None:
        """The text after ``\\x1d`` for ENRICHED lines, else None."""
        return None if self._sep < 0 else self.line[self._sep + 1:]

    # --- fields ----------------------------------------------------------
    @property
    def fields(self) -> tuple[tuple[str, str], ...]:
        f = self._fields
        if f is None:
            f = split_fields(self.body)
            object.__setattr__(self, "_fields", f)
        return f

    @property
    def enriched_fields(self) -> tuple[tuple[str, str], ...]:
        f = self._enriched_fields
        if f is None:
            e = self.enriched
            f = split_fields(e) if e else ()
            object.__setattr__(self, "_enriched_fields", f)
        return f

    def get(self, name: str, default: str | None = None) -> str | None:
        """The raw value of the first field called ``name``."""
        for k, v in self.fields:
            if k == name:
                return v
        return default

    def get_enriched(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.enriched_fields:
            if k == name:
                return v
        return default

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.fields)


def parse_record(line: str) -> Record:
    """Parse one log line (without its newline) into a Record.

    Raises ParseError for lines that are not audit records.
    """
    if not line:
        raise ParseError(ParseErrorKind.EMPTY, line)
    m = _HEADER.match(line)
    if m is None:
        raise ParseError(ParseErrorKind.NO_HEADER, line)
    name = m.group("type")
    number = type_number(name)
    if number is None:
        raise ParseError(ParseErrorKind.UNKNOWN_TYPE, line)
    msec = m.group("msec")
    if len(msec) > 3:
        raise ParseError(ParseErrorKind.BAD_TIMESTAMP, line)
    start = m.end()
    if line.startswith(" ", start):
        start += 1
    return Record(line, m.group("node"), number, name, int(m.group("sec")),
                  int(msec), int(m.group("serial")), start)


def make_record(type_: int, text: str, node: str | None = None) -> Record:
    """Build a Record from a netlink record: its type and ``audit(...): body`` text.

    This is how the kernel hands records over; the result's ``line`` is the
    line the reference auditd writes for it in RAW format.
    """
    prefix = f"node={node} " if node else ""
    return parse_record(f"{prefix}type={type_name(type_)} msg={text}")


def unquote(value: str) -> str:
    """Strip the double quotes of a quoted field value (``"x"`` -> ``x``)."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


def decode_untrusted(value: str) -> str:
    """Decode an untrusted-string field: ``"quoted"`` as is, otherwise hex.

    Returns latin-1 text (one char per byte).  ``(null)`` and ``?`` stay as
    they are; a value that is neither quoted nor valid hex is returned as is.
    """
    if value.startswith('"'):
        return unquote(value)
    if value in ("(null)", "?", "(none)") or len(value) % 2:
        return value
    try:
        return bytes.fromhex(value).decode("latin-1")
    except ValueError:
        return value
