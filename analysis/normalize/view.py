"""One event's normalized pieces turned into the texts ``ausearch --format
csv|text`` prints (the auparse_normalize_* accessors + interpretation)."""
from __future__ import annotations

from ..interpret.enriched import parse_interpretations
from ..interpret.typetab import FieldType, field_type
from ..record import ParseError, Record, parse_record
from ..interpret.cnum import ConversionError, s32, strtoul
from ..interpret.syscalls import elf_to_machine
from .cursor import CursorRecord, EventCursor, Location
from .normalizer import Normalized, NotNormalized, normalize

def _strtoul(text: str | None, base: int) -> int | None:
    if text is None:
        return None
    try:
        return strtoul(text, base)
    except ConversionError:
        return None


def _positional_context(cr: CursorRecord) -> tuple[int | None, int, int, int]:
    """(machine, syscall, a0, a1) as auparse records them for interpretation:
    only from the field positions of a SYSCALL/SECCOMP layout; machine None
    when no arch it can map was seen there; a syscall it did not see is -1."""
    arch = _strtoul(cr.positional("arch", (1, 10)), 16)
    machine = elf_to_machine(arch) if arch is not None else None
    syscall = _strtoul(cr.positional("syscall", (2, 11)), 10)
    syscall = -1 if syscall is None else s32(syscall)
    a0 = _strtoul(cr.positional("a0", (5,)), 16) or 0
    a1 = _strtoul(cr.positional("a1", (6,)), 16) or 0
    return machine, syscall, a0, a1


class EventView:
    """An event (its log lines) with auparse's cursor, normalized once."""

    def __init__(self, lines: list[str], interpreter, with_attrs: bool = False):
        try:
            records = [parse_record(line) for line in lines]
        except ParseError as exc:
            raise NotNormalized(str(exc)) from exc
        if not records:
            raise NotNormalized("empty event")
        self.interp = interpreter
        self.cursor = EventCursor(records)
        self.cwd: str | None = None
        for r in records:
            cwd = r.get("cwd") if r.type_name == "CWD" else None
            if cwd is not None:
                self.cwd = cwd
        self.first: Record = records[0]
        self.rc, self.n = normalize(self.cursor, self._interpret_current, self._type_current,
                                    with_attrs)

    # --- the current field -------------------------------------------------
    def _interpret_current(self, cursor: EventCursor) -> str:
        cr = cursor.current()
        if cr.record.enriched is not None:
            # auparse takes an ENRICHED interpretation as written, unknown-* ones too
            known = (parse_interpretations(cr.record.enriched) or {}).get(cursor.name)
            if known is not None and known.startswith("unknown-"):
                return known
        rec = cr.record
        ctx = self.interp.new_context(rec)
        ctx.machine, ctx.syscall, ctx.a0, ctx.a1 = _positional_context(cr)
        if ctx.machine is None:
            # only the syscall name falls back to the host's machine
            ctx.syscall_record = False
        out = self.interp.interpret_in(ctx, cursor.name, cursor.value,
                                       field_type(rec.type, cursor.name, cursor.value))
        return "(null)" if out is None else out

    def _kind(self, cursor: EventCursor) -> FieldType:
        cr = cursor.current()
        return field_type(cr.record.type, cursor.name, cursor.value)

    def _type_current(self, cursor: EventCursor) -> str:
        return self._kind(cursor).name

    def interpreted(self) -> str:
        if not self.cursor.searchable:
            return "(null)"
        return self._interpret_current(self.cursor)

    def kind(self) -> FieldType:
        return self._kind(self.cursor)

    def realpath(self) -> str:
        return self.interp.realpath(self.cursor.value, self.cwd)

    def sock_part(self, part: str) -> str | None:
        """auparse_interpret_sock_address/family: ``laddr=``/``fam=`` of the text."""
        text = self.interpreted()
        at = text.find(part)
        if at < 0:
            return None
        rest = text[at + len(part):]
        end = rest.find(" ")
        return None if end < 0 else rest[:end]

    def seek(self, loc: Location | None) -> bool:
        return self.cursor.seek(loc) == 1

    def field_int(self) -> int:
        v = self.cursor.field_int()
        return -1 if v is None else v

    # --- shared pieces -----------------------------------------------------
    def node(self) -> str | None:
        """The first field's interpretation when the event has a node (auparse quirk)."""
        if self.first.node is None:
            return None
        self.cursor.first_record()
        return self.interpreted()

    def result_success(self) -> bool:
        item = self.interpreted()
        return (item == "yes" or item.startswith("suc")
                or (self.kind() is FieldType.SECCOMP and item == "allow"))

    def subject_primary(self) -> str | None:
        if not self.seek(self.n.subj_primary):
            return None
        subj = self.interpreted()
        return "system" if subj == "unset" else subj

    def attribute(self, locs: list[Location], name: str) -> str | None:
        for loc in locs:
            if self.seek(loc) and self.cursor.name == name:
                return self.interpreted()
        return None


__all__ = ["EventView", "Normalized", "NotNormalized"]
