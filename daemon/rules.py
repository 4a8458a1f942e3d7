"""The audit rule model: ``struct audit_rule_data`` as a value, encoded and decoded.

Pure: no kernel, no I/O.  :meth:`Rule.to_bytes` gives the bytes the kernel
accepts in ``AUDIT_ADD_RULE``/``AUDIT_DEL_RULE``; :meth:`Rule.from_bytes`
reads one ``AUDIT_LIST_RULES`` reply; :meth:`Rule.to_command_line` renders
the line ``auditctl -l`` prints.  auditctl syntax is parsed by
:func:`parse_rule_args` (module :mod:`audix.daemon.rules_parse`).

Layout of ``audit_rule_data`` (native endian, all u32): flags (filter list,
``| 0x10`` = prepend), action, field_count, mask[64], fields[64],
values[64], fieldflags[64], buflen, then buf (string values back to back,
not NUL-terminated; a string field's value is its length).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field as dc_field
from enum import IntEnum
from typing import Iterable, Union

MAX_FIELDS = 64
BITMASK_WORDS = 64
MAX_KEY_LEN = 256
KEY_SEPARATOR = "\x01"
FILTER_PREPEND = 0x10
FILTER_MASK = 0x07
ARCH_64BIT = 0x80000000

_HEAD = struct.Struct("=3I")
_ARRAY = struct.Struct("=64I")
_U32 = struct.Struct("=I")
RULE_HEADER_SIZE = _HEAD.size + 4 * _ARRAY.size + _U32.size  # 1040


class Filter(IntEnum):
    USER = 0
    TASK = 1
    ENTRY = 2
    WATCH = 3
    EXIT = 4
    EXCLUDE = 5
    FS = 6
    URING_EXIT = 7


class Action(IntEnum):
    NEVER = 0
    POSSIBLE = 1
    ALWAYS = 2


class Operator(IntEnum):
    BIT_MASK = 0x08000000
    LESS_THAN = 0x10000000
    GREATER_THAN = 0x20000000
    NOT_EQUAL = 0x30000000
    EQUAL = 0x40000000
    BIT_TEST = 0x48000000
    LESS_THAN_OR_EQUAL = 0x50000000
    GREATER_THAN_OR_EQUAL = 0x60000000

    @property
    def symbol(self) -> str:
        return OPERATOR_SYMBOLS[self]


OPERATOR_SYMBOLS = {
    Operator.EQUAL: "=",
    Operator.NOT_EQUAL: "!=",
    Operator.GREATER_THAN: ">",
    Operator.GREATER_THAN_OR_EQUAL: ">=",
    Operator.LESS_THAN: "<",
    Operator.LESS_THAN_OR_EQUAL: "<=",
    Operator.BIT_MASK: "&",
    Operator.BIT_TEST: "&=",
}
OPERATORS_MASK = 0x78000000  # the bits fieldflags uses (plus NEGATE, unused)


class F(IntEnum):
    """Field numbers (``linux/audit.h``)."""

    PID = 0
    UID = 1
    EUID = 2
    SUID = 3
    FSUID = 4
    GID = 5
    EGID = 6
    SGID = 7
    FSGID = 8
    LOGINUID = 9
    PERS = 10
    ARCH = 11
    MSGTYPE = 12
    SUBJ_USER = 13
    SUBJ_ROLE = 14
    SUBJ_TYPE = 15
    SUBJ_SEN = 16
    SUBJ_CLR = 17
    PPID = 18
    OBJ_USER = 19
    OBJ_ROLE = 20
    OBJ_TYPE = 21
    OBJ_LEV_LOW = 22
    OBJ_LEV_HIGH = 23
    LOGINUID_SET = 24
    SESSIONID = 25
    FSTYPE = 26
    DEVMAJOR = 100
    DEVMINOR = 101
    INODE = 102
    EXIT = 103
    SUCCESS = 104
    WATCH = 105
    PERM = 106
    DIR = 107
    FILETYPE = 108
    OBJ_UID = 109
    OBJ_GID = 110
    FIELD_COMPARE = 111
    EXE = 112
    SADDR_FAM = 113
    ARG0 = 200
    ARG1 = 201
    ARG2 = 202
    ARG3 = 203
    FILTERKEY = 210


PERM_EXEC, PERM_WRITE, PERM_READ, PERM_ATTR = 1, 2, 4, 8
PERM_ALL = PERM_READ | PERM_WRITE | PERM_EXEC | PERM_ATTR


def is_string_field(field: int) -> bool:
    """Whether the field's value lives in ``buf`` (its value is a length)."""
    return (F.SUBJ_USER <= field <= F.OBJ_LEV_HIGH and field != F.PPID) or field in (
        F.WATCH, F.DIR, F.EXE, F.FILTERKEY)


class _All:
    """Sentinel for ``-S all`` (every mask bit set)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ALL"

    def __reduce__(self):
        return (_All, ())


ALL = _All()
Syscalls = Union[_All, frozenset]


@dataclass
class RuleField:
    """One ``-F``/``-C``/key field: number, operator, value.

    ``value`` is an ``int`` (stored as u32; negative ints allowed) or, for
    string fields, a ``str`` (latin-1).  A ``-C`` comparison is field
    ``F.FIELD_COMPARE`` with the comparison code as value.
    """

    field: int
    op: Operator
    value: Union[int, str]

    def __post_init__(self) -> None:
        self.op = Operator(self.op)


def mask_from_syscalls(syscalls: Syscalls) -> tuple[int, ...]:
    if syscalls is ALL:
        return (0xFFFFFFFF,) * BITMASK_WORDS
    words = [0] * BITMASK_WORDS
    for nr in syscalls:
        if not 0 <= nr < BITMASK_WORDS * 32:
            raise ValueError(f"syscall number {nr} out of range")
        words[nr // 32] |= 1 << (nr % 32)
    return tuple(words)


def syscalls_from_mask(mask: Iterable[int]) -> Syscalls:
    words = list(mask)
    if all(w == 0xFFFFFFFF for w in words[: BITMASK_WORDS - 1]):
        return ALL
    return frozenset(i * 32 + b for i, w in enumerate(words) if w for b in range(32) if w >> b & 1)


@dataclass
class Rule:
    """One audit rule.

    ``syscalls`` is ``ALL`` or a frozenset of numbers (for the rule's arch);
    ``mask`` keeps the exact 64 words when the rule came from the kernel
    (which clears bits it has no syscall for), so decode/encode is exact.
    ``fields`` are in wire order and include ``-C`` comparisons and the key
    field; :attr:`keys` lists the keys.
    """

    filter: Filter = Filter.EXIT
    action: Action = Action.ALWAYS
    prepend: bool = False
    syscalls: Syscalls = dc_field(default_factory=frozenset)
    fields: list[RuleField] = dc_field(default_factory=list)
    mask: tuple[int, ...] | None = dc_field(default=None, compare=False, repr=False)
    raw_flags: int | None = dc_field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.filter = Filter(self.filter)
        self.action = Action(self.action)
        if self.syscalls is not ALL and not isinstance(self.syscalls, frozenset):
            self.syscalls = frozenset(self.syscalls)

    # -- derived views ---------------------------------------------------------
    @property
    def keys(self) -> list[str]:
        out: list[str] = []
        for f in self.fields:
            if f.field == F.FILTERKEY and isinstance(f.value, str):
                out.extend(k for k in f.value.split(KEY_SEPARATOR) if k)
        return out

    @property
    def arch(self) -> int | None:
        for f in self.fields:
            if f.field == F.ARCH:
                return int(f.value) & 0xFFFFFFFF
        return None

    def mask_words(self) -> tuple[int, ...]:
        return self.mask if self.mask is not None else mask_from_syscalls(self.syscalls)

    def flags_word(self) -> int:
        if self.raw_flags is not None:
            return self.raw_flags
        return int(self.filter) | (FILTER_PREPEND if self.prepend else 0)

    # -- wire format -------------------------------------------------------------
    def to_bytes(self) -> bytes:
        if len(self.fields) > MAX_FIELDS:
            raise ValueError(f"too many fields ({len(self.fields)} > {MAX_FIELDS})")
        nums = [0] * MAX_FIELDS
        values = [0] * MAX_FIELDS
        flags = [0] * MAX_FIELDS
        buf = bytearray()
        for i, f in enumerate(self.fields):
            nums[i] = int(f.field)
            flags[i] = int(f.op)
            if isinstance(f.value, str):
                data = f.value.encode("latin-1")
                values[i] = len(data)
                buf += data
            else:
                values[i] = int(f.value) & 0xFFFFFFFF
        return b"".join((
            _HEAD.pack(self.flags_word(), int(self.action), len(self.fields)),
            _ARRAY.pack(*self.mask_words()),
            _ARRAY.pack(*nums),
            _ARRAY.pack(*values),
            _ARRAY.pack(*flags),
            _U32.pack(len(buf)),
            bytes(buf),
        ))

    @classmethod
    def from_bytes(cls, data: bytes) -> "Rule":
        if len(data) < RULE_HEADER_SIZE:
            raise ValueError(f"audit_rule_data too short ({len(data)} < {RULE_HEADER_SIZE} bytes)")
        flags, action, count = _HEAD.unpack_from(data, 0)
        off = _HEAD.size
        mask = _ARRAY.unpack_from(data, off)
        nums = _ARRAY.unpack_from(data, off + _ARRAY.size)
        values = _ARRAY.unpack_from(data, off + 2 * _ARRAY.size)
        fflags = _ARRAY.unpack_from(data, off + 3 * _ARRAY.size)
        (buflen,) = _U32.unpack_from(data, off + 4 * _ARRAY.size)
        buf = bytes(data[RULE_HEADER_SIZE: RULE_HEADER_SIZE + buflen])
        if count > MAX_FIELDS:
            raise ValueError(f"field_count {count} > {MAX_FIELDS}")
        fields: list[RuleField] = []
        pos = 0
        for i in range(count):
            num = nums[i]
            op_bits = fflags[i] & OPERATORS_MASK
            try:
                op = Operator(op_bits)
            except ValueError:
                raise ValueError(f"field {i}: unknown operator 0x{fflags[i]:x}") from None
            if is_string_field(num):
                fields.append(RuleField(num, op, buf[pos: pos + values[i]].decode("latin-1")))
                pos += values[i]
            else:
                fields.append(RuleField(num, op, values[i]))
        listnr = flags & ~FILTER_PREPEND
        try:
            filt = Filter(listnr)
        except ValueError:
            raise ValueError(f"unknown filter list {listnr}") from None
        return cls(
            filter=filt,
            action=Action(action) if action in (0, 1, 2) else Action.NEVER,
            prepend=bool(flags & FILTER_PREPEND),
            syscalls=syscalls_from_mask(mask),
            fields=fields,
            mask=tuple(mask),
            raw_flags=flags,
        )

    # -- text ----------------------------------------------------------------------
    def to_command_line(self, arch_name: str | None = None, *, interpret: bool = False) -> str:
        """The line ``auditctl -l`` prints for this rule (without newline).

        Syscall names come from the rule's ``arch`` field, else from
        ``arch_name`` (default: this machine)."""
        from .rules_text import render_rule, ListingState

        return render_rule(self, ListingState.for_arch_name(arch_name), interpret=interpret)


def syscall_rule(*, arch: str, fields: list[RuleField], key: str | None = None,
                 syscalls: Syscalls = ALL, prepend: bool = True,
                 action: Action = Action.ALWAYS) -> Rule:
    """An exit-list syscall rule, as ``auditctl -A exit,always -F arch=ARCH -S ... -F ... -k KEY``.

    ``arch`` is a name (``x86_64``, ``i386``, ``b64``, ``b32``) or a number;
    ``syscalls`` is ``ALL`` or an iterable of names/numbers for that arch.
    """
    from .rules_lookup import arch_to_elf, syscall_number

    elf = arch_to_elf(arch)
    if syscalls is ALL:
        numbers: Syscalls = ALL
    else:
        numbers = frozenset(syscall_number(s, elf) for s in syscalls)
    all_fields = [RuleField(F.ARCH, Operator.EQUAL, elf)] + list(fields)
    if key:
        if len(key.encode("latin-1")) > MAX_KEY_LEN:
            raise ValueError("key longer than 256 bytes")
        all_fields.append(RuleField(F.FILTERKEY, Operator.EQUAL, key))
    return Rule(filter=Filter.EXIT, action=action, prepend=prepend, syscalls=numbers, fields=all_fields)


def __getattr__(name: str):
    # parse_rule_args / ParsedCommand live in rules_parse (imported lazily to
    # avoid a cycle) but are part of this module's API.
    if name in ("parse_rule_args", "ParsedCommand", "ParseEnv"):
        from . import rules_parse

        return getattr(rules_parse, name)
    raise AttributeError(name)
