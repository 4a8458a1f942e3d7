"""An event seen the way libauparse walks it: records of ``name=value`` fields
and one cursor (record, field) that the normalizer moves.

The cursor rules are auparse's: ``find_field`` looks at the current field,
then the following ones, then later records -- but fails at once (without
moving) when the cursor is on the last field of its record; a failed search
that ran off the end leaves no current record.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..record import Record

Location = tuple[int, int]      # (record number, field number)


@dataclass
class CursorRecord:
    record: Record
    names: list[str]
    values: list[str]

    def positional(self, name: str, positions: tuple[int, ...]) -> str | None:
        """The value of ``name`` when it sits at one of the field indexes
        ``positions`` (0 = type, shifted by a leading node field), as auparse
        picks arch/syscall/a0/a1."""
        offset = 1 if self.names and self.names[0] == "node" else 0
        found = None
        for pos in positions:       # a later position overwrites an earlier one
            i = pos + offset
            if i < len(self.names) and self.names[i] == name:
                found = self.values[i]
        return found


def _auparse_fields(record: Record) -> tuple[list[str], list[str]]:
    names: list[str] = []
    values: list[str] = []
    if record.node is not None:
        names.append("node")
        values.append(record.node)
    names.append("type")
    values.append(record.type_name)
    if record.type == AVC:
        _avc_fields(record, names, values)
        return names, values
    for name, value in record.fields:
        if not value:
            continue            # auparse drops fields with an empty value
        value = _trim(value)
        if name.startswith("("):
            name = name[1:]
        if name == "key" and value[0] not in "(\"":
            parts = _virtual_keys(value)
            if parts is not None:
                names.extend("key" for _ in parts)
                values.extend(parts)
                continue
        names.append(name)
        values.append(value)
    return names, values


AVC = 1400


def _avc_fields(record: Record, names: list[str], values: list[str]) -> None:
    """An AVC body as auparse splits it: ``seresult`` (denied/granted) and
    ``seperms`` (the braced permissions) are named by position."""
    base = len(names)
    tokens = iter([t for t in record.body.split(" ") if t])
    for tok in tokens:
        eq = tok.find("=")
        if eq >= 0:
            name, value = tok[:eq], tok[eq + 1:]
            if name.startswith("("):
                name = name[1:]
            if value:
                names.append(name)
                values.append(_trim(value))
        elif len(names) == base:
            if not tok.startswith("avc"):
                names.append("seresult")
                values.append(tok)
        elif len(names) == base + 1 and tok.startswith("{"):
            perms = []
            for tok in tokens:
                if tok.startswith("}"):
                    break
                perms.append(tok)
            names.append("seperms")
            values.append(",".join(perms))


def _trim(value: str) -> str:
    """auparse's removal of trailing ``:`` ``,`` ``'`` ``)`` (in that order)."""
    for ch in ":,'":
        if value.endswith(ch):
            value = value[:-1]
    if value.endswith(")") and value not in ("(none)", "(null)"):
        value = value[:-1]
    return value


def _virtual_keys(value: str) -> list[str] | None:
    """A hex key field holding several keys becomes one ``key`` field per key
    (each quoted, or hex again when it has quotes/blanks/non-ASCII), as auparse does."""
    try:
        text = bytes.fromhex(value).decode("latin-1")
    except ValueError:
        return None
    text = text.split("\0", 1)[0]
    out = []
    for part in text.split("\x01"):
        if not part:
            continue
        if any(c == '"' or c < "!" or c > "~" for c in part):
            out.append(part.encode("latin-1").hex().upper())
        else:
            out.append(f'"{part}"')
    return out


class EventCursor:
    def __init__(self, records: list[Record]):
        self.records = []
        for r in records:
            names, values = _auparse_fields(r)
            self.records.append(CursorRecord(r, names, values))
        self.rec: int | None = 0
        self.field = 0
        # auparse treats an event stamped at second 0 as "no event": its
        # field searches and interpretations all fail
        self.searchable = bool(records) and records[0].sec != 0

    # --- moving --------------------------------------------------------------
    @property
    def num_records(self) -> int:
        return len(self.records)

    def first_record(self) -> int:
        self.rec, self.field = 0, 0
        return 1

    def next_record(self) -> int:
        if self.rec is None:
            return 0
        self.rec += 1
        self.field = 0
        if self.rec >= len(self.records):
            self.rec = None
            return 0
        return 1

    def goto_record(self, num: int) -> int:
        if self.rec is not None and self.rec == num:
            self.field = 0
            return 1
        if num >= len(self.records):
            return 0
        self.rec, self.field = num, 0
        return 1

    def first_field(self) -> int:
        if self.rec is None:
            return 0
        self.field = 0
        return 1

    def next_field(self) -> int:
        if self.rec is None:
            return 0
        if self.field < len(self.records[self.rec].names) - 1:
            self.field += 1
            return 1
        return 0

    def goto_field(self, num: int) -> int:
        if self.rec is None or num >= len(self.records[self.rec].names):
            return 0
        self.field = num
        return 1

    def find_field(self, name: str) -> str | None:
        if self.rec is None or not self.searchable:
            return None
        r = self.records[self.rec]
        if r.names[self.field] == name:
            return r.values[self.field]
        if self.field >= len(r.names) - 1:
            return None
        self.field += 1
        while True:
            r = self.records[self.rec]
            for i in range(self.field, len(r.names)):
                if r.names[i] == name:
                    self.field = i
                    return r.values[i]
            if self.next_record() == 0:
                return None

    def seek(self, loc: Location | None) -> int:
        if loc is None:
            return 0
        rec, field = loc
        if self.goto_record(rec) != 1:
            return -1
        if self.goto_field(field) != 1:
            return -2
        return 1

    # --- reading -------------------------------------------------------------
    @property
    def record_num(self) -> int:
        """auparse_get_record_num: 0 when there is no current record."""
        return 0 if self.rec is None else self.rec

    @property
    def location(self) -> Location:
        return (self.rec, self.field)

    @property
    def type(self) -> int:
        return self.records[self.rec].record.type if self.rec is not None else 0

    def current(self) -> CursorRecord:
        return self.records[self.rec]

    @property
    def name(self) -> str | None:
        return None if self.rec is None else self.records[self.rec].names[self.field]

    @property
    def value(self) -> str | None:
        return None if self.rec is None else self.records[self.rec].values[self.field]

    def field_int(self) -> int | None:
        """auparse_get_field_int: strtol of the value as a C int; None when it fails."""
        v = self.value
        if v is None:
            return None
        s = v.lstrip(" \t\n\v\f\r")
        i = 0
        if s[:1] in ("+", "-"):
            i = 1
        j = i
        while j < len(s) and s[j].isdigit() and s[j] in "0123456789":
            j += 1
        if j == i:
            return 0
        n = int(s[:j])
        if n > 2**63 - 1 or n < -2**63:
            return None
        n &= 0xFFFFFFFF
        return n - 2**32 if n >= 2**31 else n
