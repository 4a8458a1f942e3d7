"""Render rules as ``auditctl -l`` prints them.

The reference keeps the arch of the last rule that named one while it
prints a listing: a rule without ``-F arch`` that follows a ``-F arch=b32``
rule has its syscalls named from the i386 table.  :class:`ListingState`
carries that state from one rule to the next; use one per listing.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field

from audix.analysis.tables import fields as _fields

from . import rules_lookup as lk
from .rules import (
    ARCH_64BIT,
    BITMASK_WORDS,
    F,
    FILTER_PREPEND,
    KEY_SEPARATOR,
    OPERATORS_MASK,
    PERM_ATTR,
    PERM_EXEC,
    PERM_READ,
    PERM_WRITE,
    Filter,
    Rule,
)

_NULL = "(null)"  # what glibc printf prints for a NULL %s

FILTER_NAMES = _fields.FILTER_LISTS  # list number -> name (none for 7, io_uring, in 3.0.9)
ACTION_NAMES = _fields.ACTIONS
OP_SYMBOLS = _fields.OPERATORS

COMPARISONS = {
    1: ("uid", "obj_uid"), 2: ("gid", "obj_gid"), 3: ("euid", "obj_uid"), 4: ("egid", "obj_gid"),
    5: ("auid", "obj_uid"), 6: ("suid", "obj_uid"), 7: ("sgid", "obj_gid"), 8: ("fsuid", "obj_uid"),
    9: ("fsgid", "obj_gid"), 10: ("uid", "auid"), 11: ("uid", "euid"), 12: ("uid", "fsuid"),
    13: ("uid", "suid"), 14: ("auid", "fsuid"), 15: ("auid", "suid"), 16: ("auid", "euid"),
    17: ("euid", "suid"), 18: ("euid", "fsuid"), 19: ("suid", "fsuid"), 20: ("gid", "egid"),
    21: ("gid", "fsgid"), 22: ("gid", "sgid"), 23: ("egid", "fsgid"), 24: ("egid", "sgid"),
    25: ("sgid", "fsgid"),
}

_NO_SYSCALL_LISTS = (Filter.USER, Filter.TASK, Filter.EXCLUDE, Filter.FS)


@dataclass
class ListingState:
    """State that survives from one printed rule to the next (the reference's ``_audit_elf``)."""

    elf: int = 0
    default_machine: str | None = dc_field(default_factory=lk.host_machine)
    rule_machine: str | None = None  # machine of the current rule's arch field (for -i)

    @classmethod
    def for_arch_name(cls, arch_name: str | None) -> "ListingState":
        if arch_name is None:
            return cls()
        return cls(default_machine=lk.machine_from_name(arch_name) or lk.determine_machine(arch_name))


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def _listnr(rule: Rule) -> int:
    return rule.flags_word() & 0xFFFFFFFF


def _filter_of(rule: Rule) -> int:
    return rule.flags_word() & 0x07


def is_watch(rule: Rule) -> bool:
    """A watch: only perm/key/dir/path fields, a perm field, and every syscall."""
    perm = False
    for f in rule.fields:
        num = f.field & ~OPERATORS_MASK
        if num == F.PERM:
            perm = True
        if num not in (F.PERM, F.FILTERKEY, F.DIR, F.WATCH):
            return False
    all_calls = True
    if _filter_of(rule) not in _NO_SYSCALL_LISTS:
        all_calls = all(w == 0xFFFFFFFF for w in rule.mask_words()[: BITMASK_WORDS - 1])
    return perm and all_calls


def _arch_text(value: int, sym: str, state: ListingState, interpret: bool) -> str:
    state.elf = value & 0xFFFFFFFF
    machine = lk.machine_of_elf(state.elf)
    state.rule_machine = machine
    if machine is None:
        return f" -F arch{sym}0x{value & 0xFFFFFFFF:X}"
    if not interpret:
        return f" -F arch{sym}{'b64' if state.elf & ARCH_64BIT else 'b32'}"
    return f" -F arch{sym}{machine}"


def _syscalls_text(rule: Rule, state: ListingState) -> tuple[str, int, int]:
    """(text, count, last syscall number) as print_syscall does."""
    if _filter_of(rule) in _NO_SYSCALL_LISTS:
        return "", 0, 0
    mask = rule.mask_words()
    if all(w == 0xFFFFFFFF for w in mask[: BITMASK_WORDS - 1]):
        return " -S all", BITMASK_WORDS - 1, 0
    machine = state.default_machine
    if state.elf:
        machine = lk.machine_of_elf(state.elf)
    parts: list[str] = []
    last = 0
    for word_index, word in enumerate(mask):
        if not word:
            continue
        for bit in range(32):
            if word >> bit & 1:
                nr = word_index * 32 + bit
                name = lk.syscall_name_for_machine(nr, machine)
                parts.append(name if name is not None else str(nr))
                last = nr
    if not parts:
        return "", 0, 0
    return " -S " + ",".join(parts), len(parts), last


def _interpret_arg(num: int, value: int, syscall: int, machine: str | None, seen: dict) -> str:
    """auditctl -l -i: a0-a3 interpreted for the rule's (single) syscall, as ausearch -i would."""
    from audix.analysis.interpret import args as interp_args
    from audix.analysis.interpret.ids import NameLookup
    from audix.analysis.tables import machines

    name = lk.syscall_name_for_machine(syscall, machine) if machine else None
    hexval = f"{value:x}"
    ids = NameLookup()
    if num == F.ARG0:
        return interp_args.print_a0(name, hexval, ids)
    if num == F.ARG1:
        return interp_args.print_a1(name, hexval, seen[F.ARG0], ids)
    if num == F.ARG2:
        machine_number = machines.MACHINE_NUMBERS.get(machine) if machine else None
        return interp_args.print_a2(name, hexval, seen[F.ARG1], machine_number, ids)
    return interp_args.print_a3(name, hexval)


def _perm_text(value: int) -> str:
    out = ""
    if value & PERM_READ:
        out += "r"
    if value & PERM_WRITE:
        out += "w"
    if value & PERM_EXEC:
        out += "x"
    if value & PERM_ATTR:
        out += "a"
    return out


def render_rule(rule: Rule, state: ListingState | None = None, *, interpret: bool = False) -> str:
    """One line of ``auditctl -l`` (no newline); ``state`` carries the arch between rules."""
    if state is None:
        state = ListingState()
    out: list[str] = []
    watch = is_watch(rule)
    count = 0
    last_syscall = 0
    state.rule_machine = None
    args_seen = {F.ARG0: 0, F.ARG1: 0}
    if not watch:
        out.append(f"-a {ACTION_NAMES.get(int(rule.action), _NULL)},{FILTER_NAMES.get(_listnr(rule), _NULL)}")
        for f in rule.fields:
            if f.field & ~OPERATORS_MASK == F.ARCH:
                out.append(_arch_text(int(f.value), OP_SYMBOLS.get(int(f.op) & OPERATORS_MASK, _NULL),
                                      state, interpret))
        text, count, last_syscall = _syscalls_text(rule, state)
        out.append(text)

    for f in rule.fields:
        num = f.field & ~OPERATORS_MASK
        if num == F.ARCH:
            continue
        sym = OP_SYMBOLS.get(int(f.op) & OPERATORS_MASK, _NULL)
        name = lk.field_name(num)
        value = f.value
        if name is None:
            ival = len(value.encode("latin-1")) if isinstance(value, str) else int(value)
            out.append(f" f{f.field}{sym}{_s32(ival)}")
            continue
        if num == F.MSGTYPE:
            mname = lk.msgtype_name(int(value))
            out.append(f" -F {name}{sym}{mname if mname else _s32(int(value))}")
        elif isinstance(value, str) and num not in (F.WATCH, F.DIR, F.EXE, F.FILTERKEY):
            out.append(f" -F {name}{sym}{value}")
        elif num == F.WATCH:
            out.append(f"-w {value}" if watch else f" -F path={value}")
        elif num == F.DIR:
            out.append(f"-w {value}" if watch else f" -F dir={value}")
        elif num == F.EXE:
            out.append(f" -F exe={value}")
        elif num == F.FILTERKEY:
            for key in str(value).split(KEY_SEPARATOR):
                if key:
                    out.append(f" -k {key}" if watch else f" -F key={key}")
        elif num == F.PERM:
            perms = _perm_text(int(value))
            out.append(f" -p {perms}" if watch else f" -F perm={perms}")
        elif num == F.INODE:
            out.append(f" -F {name}{sym}{int(value) & 0xFFFFFFFF}")
        elif num == F.FIELD_COMPARE:
            pair = COMPARISONS.get(int(value))
            if pair:
                out.append(f" -C {pair[0]}{sym}{pair[1]}")
        elif F.ARG0 <= num <= F.ARG3:
            v = int(value) & 0xFFFFFFFF
            if num in args_seen:
                args_seen[num] = v
            if count > 1 or not interpret:
                out.append(f" -F {name}{sym}0x{v:X}")
            else:
                text = _interpret_arg(num, v, last_syscall, state.rule_machine, args_seen)
                out.append(f" -F {name}{sym}{text}")
        elif num == F.EXIT:
            v = _s32(int(value))
            err = lk.errno_name(abs(v))
            out.append(f" -F {name}{sym}-{err}" if v < 0 and err else f" -F {name}{sym}{v}")
        elif num == F.FSTYPE:
            fs = lk.fstype_name(int(value) & 0xFFFFFFFF)
            out.append(f" -F {name}{sym}{fs if fs else _s32(int(value))}")
        elif num in (F.LOGINUID, F.SESSIONID):
            v = _s32(int(value))
            out.append(f" -F {name}{sym}unset" if v == -1 and interpret else f" -F {name}{sym}{v}")
        else:
            out.append(f" -F {name}{sym}{_s32(int(value))}")
    return "".join(out)


def render_listing(rules: list[Rule], *, interpret: bool = False, key: str = "") -> list[str]:
    """The lines of ``auditctl -l`` (``-k KEY`` filter: keys containing KEY)."""
    if not rules:
        return ["No rules"]  # the reference says so only when the kernel sent no rule at all
    state = ListingState()
    return [render_rule(r, state, interpret=interpret) for r in rules if key_matches(r, key)]


def key_matches(rule: Rule, key: str) -> bool:
    """The reference's ``-k`` filter for ``-l``/``-D``: some key field contains ``key``."""
    if not key:
        return True
    return any(key in f.value for f in rule.fields
               if f.field & ~OPERATORS_MASK == F.FILTERKEY and isinstance(f.value, str))


__all__ = ["ListingState", "render_rule", "render_listing", "key_matches", "is_watch", "COMPARISONS", "FILTER_PREPEND"]
