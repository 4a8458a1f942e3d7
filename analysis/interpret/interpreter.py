"""The Interpreter: one field's interpreted value, and whole ``ausearch -i`` lines."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable

from ..record import Record
from . import layout
from . import modes as m
from . import values as v
from .args import print_a0, print_a1, print_a2, print_a3
from .cnum import ConversionError, s32, strtoul, u32
from .enriched import parse_interpretations
from .escape import ESCAPE_TABLES, KEY_SEPARATOR, EscapeMode, escape, escape_key
from .ids import NameLookup, print_gid, print_session, print_uid
from .sockaddr import print_sockaddr
from .strings import print_escaped, print_proctitle, print_tty_data, realpath_text
from .syscalls import (elf_to_machine, host_machine, lookup_syscall, print_arch,
                       print_exit, print_syscall)
from .typetab import SECCOMP, SYSCALL, FieldType, field_type


@dataclass
class FieldContext:
    """What a field's interpretation may depend on besides its value."""

    record_type: int
    machine: int | None = None       # libaudit machine number; None: unknown/not a syscall record
    syscall: int = 0
    a0: int = 0
    a1: int = 0
    interpretations: dict[str, str] | None = None
    syscall_record: bool = False

    @property
    def syscall_name(self) -> str | None:
        return lookup_syscall(self.machine, self.syscall)


_ARGS = {name: re.compile(rf"(?:^| ){name}=([^ ]*)") for name in ("a0", "a1")}


def _hex_arg(record: Record, name: str) -> int:
    """a0/a1 of a SYSCALL record as the reference's parser reads them (0 if absent/bad)."""
    found = _ARGS[name].search(record.body)
    if found is None:
        return 0
    try:
        return strtoul(found.group(1), 16)
    except ConversionError:
        return 0


Handler = Callable[["Interpreter", FieldContext, str, str], "str | None"]


def _simple(printer: Callable[[str], str]) -> Handler:
    return lambda self, ctx, name, value: printer(value)


_HANDLERS: dict[FieldType, Handler] = {
    FieldType.UID: lambda self, ctx, name, value: print_uid(value, self.names),
    FieldType.GID: lambda self, ctx, name, value: print_gid(value, self.names),
    FieldType.SYSCALL: lambda self, ctx, name, value: print_syscall(
        ctx.syscall, ctx.machine, ctx.a0, value),
    FieldType.ARCH: _simple(print_arch),
    FieldType.EXIT: _simple(print_exit),
    FieldType.ESCAPED: _simple(print_escaped),
    FieldType.ESCAPED_FILE: _simple(print_escaped),
    FieldType.ESCAPED_KEY: _simple(print_escaped),
    FieldType.PERM: _simple(m.print_perm),
    FieldType.MODE: _simple(m.print_mode),
    FieldType.MODE_SHORT: _simple(m.print_mode_short),
    FieldType.SOCKADDR: _simple(print_sockaddr),
    FieldType.FLAGS: _simple(v.print_path_flags),
    FieldType.PROMISC: _simple(v.print_promiscuous),
    FieldType.CAPABILITY: _simple(m.print_capability),
    FieldType.SUCCESS: _simple(v.print_success),
    FieldType.A0: lambda self, ctx, name, value: print_a0(ctx.syscall_name, value, self.names),
    FieldType.A1: lambda self, ctx, name, value: print_a1(
        ctx.syscall_name, value, ctx.a0, self.names),
    FieldType.A2: lambda self, ctx, name, value: print_a2(
        ctx.syscall_name, value, ctx.a1, ctx.machine, self.names),
    FieldType.A3: lambda self, ctx, name, value: print_a3(ctx.syscall_name, value),
    FieldType.SIGNAL: _simple(v.print_signal),
    FieldType.LIST: _simple(v.print_list),
    FieldType.TTY_DATA: _simple(print_tty_data),
    FieldType.SESSION: _simple(print_session),
    FieldType.CAP_BITMAP: _simple(m.print_cap_bitmap),
    FieldType.NFPROTO: _simple(v.print_nfproto),
    FieldType.ICMPTYPE: _simple(v.print_icmptype),
    FieldType.PROTOCOL: _simple(v.print_protocol),
    FieldType.ADDR: _simple(lambda value: value),
    FieldType.PERSONALITY: _simple(v.print_personality),
    FieldType.SECCOMP: _simple(v.print_seccomp_code),
    FieldType.OFLAG: _simple(v.print_open_flags),
    FieldType.MMAP: _simple(v.print_mmap),
    FieldType.PROCTITLE: _simple(print_proctitle),
    FieldType.HOOK: _simple(v.print_hook),
    FieldType.NETACTION: _simple(v.print_netaction),
    FieldType.MACPROTO: _simple(v.print_macproto),
    FieldType.IOCTL_REQ: _simple(v.print_ioctl_req),
    FieldType.FANOTIFY: _simple(v.print_fanotify),
    FieldType.NLMCGRP: _simple(v.print_nlmcgrp),
    FieldType.RESOLVE: _simple(v.print_resolve),
}


_HANDLERS_BY_NAME: dict[str, Handler] = {kind._name_: h for kind, h in _HANDLERS.items()}
# interpretations that depend on more than the value (never cached)
_CONTEXT_KINDS = frozenset({"SYSCALL", "A0", "A1", "A2", "A3"})
CACHE_SIZE = 8192
_ID_KINDS = (FieldType.UID, FieldType.GID)


class Interpreter:
    """Interprets audit fields and records as ``ausearch -i`` does.

    ``escape``: output escaping (``--escape``: an EscapeMode or its name, tty
    by default); ``names``: the uid/gid name lookup (local databases by
    default); ``localtime``: seconds -> ``time.struct_time`` (the process's
    TZ by default); ``machine``: the host machine number (libaudit's) used
    where a syscall record names none.

    Like the reference, an Interpreter carries a0/a1 of the last SYSCALL
    record it saw (``last_a0``/``last_a1``) into later records; use one
    Interpreter per output stream, in output order.
    """

    def __init__(self, escape: EscapeMode | str = EscapeMode.TTY, names: NameLookup | None = None,
                 localtime: Callable[[float], time.struct_time] = time.localtime,
                 machine: int | None = None):
        self.escape = EscapeMode(escape)
        self._escape_table = ESCAPE_TABLES.get(self.escape)
        self.names = names if names is not None else NameLookup()
        self.localtime = localtime
        self.host_machine = machine if machine is not None else host_machine()
        # a0/a1 of the last SYSCALL record formatted: the reference keeps them
        # across records, and SECCOMP's syscall=socketcall(...) shows the stale a0
        self.last_a0 = 0
        self.last_a1 = 0
        self._cache: dict[tuple[str, str], str] = {}

    # --- contexts ------------------------------------------------------------
    def new_context(self, record: Record) -> FieldContext:
        """The context of a record before its first field is read (for layout)."""
        is_syscall = record.type in (SYSCALL, SECCOMP)
        ctx = FieldContext(record.type, syscall_record=is_syscall, syscall=-1 if is_syscall else 0,
                           interpretations=parse_interpretations(record.enriched))
        if record.type == SYSCALL:
            self.last_a0 = _hex_arg(record, "a0")
            self.last_a1 = _hex_arg(record, "a1")
        ctx.a0, ctx.a1 = self.last_a0, self.last_a1
        return ctx

    def record_context(self, record: Record) -> FieldContext:
        """The context after reading the record's arch= and syscall= fields."""
        ctx = self.new_context(record)
        if ctx.syscall_record:
            ctx.machine = self.host_machine
            for name, value in record.fields:
                self.observe(ctx, name, value)
        return ctx

    def observe(self, ctx: FieldContext, name: str, value: str) -> str | None:
        """Update the context with a SYSCALL/SECCOMP field; returns an error text if any."""
        if not ctx.syscall_record:
            return None
        if ctx.machine is None:
            ctx.machine = self.host_machine
        if name == "arch":
            try:
                ctx.machine = elf_to_machine(u32(strtoul(value, 16)))
            except ConversionError:
                return f"arch conversion error({value}) "
        elif name == "syscall" and ctx.syscall < 0:
            try:
                ctx.syscall = s32(strtoul(value, 10))
            except ConversionError:
                return f"syscall conversion error({value}) "
        return None

    # --- fields --------------------------------------------------------------
    def interpret(self, record: Record, name: str, value: str) -> str:
        """Field ``name`` with raw ``value`` of ``record`` as ``ausearch -i`` shows it.

        Several keys (``key=`` with \\x01 separators) stay joined by \\x01.
        """
        ctx = self.record_context(record)
        out = self.interpret_in(ctx, name, value, field_type(record.type, name, value))
        return "(null)" if out is None else out

    def interpret_in(self, ctx: FieldContext, name: str, value: str,
                     kind: FieldType) -> str | None:
        """One field in a prepared context: the reference's auparse_do_interpretation."""
        if ctx.interpretations is not None:
            known = ctx.interpretations.get(name)
            if known is not None and not known.startswith("unknown-"):
                if kind in _ID_KINDS:
                    return print_escaped(known)
                return known
        kind_name = kind._name_
        cacheable = kind_name not in _CONTEXT_KINDS
        if cacheable:
            cached = self._cache.get((kind_name, value))
            if cached is not None:
                return cached
        if ctx.syscall_record and ctx.machine is None:
            ctx.machine = self.host_machine
        handler = _HANDLERS_BY_NAME.get(kind_name)
        out = handler(self, ctx, name, value) if handler is not None else value
        table = self._escape_table
        if out is not None and table is not None:
            if kind is FieldType.ESCAPED_KEY and KEY_SEPARATOR in out:
                out = escape_key(out, self.escape)
            else:
                out = out.translate(table)
        if cacheable and out is not None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[(kind_name, value)] = out
        return out

    def realpath(self, value: str, cwd: str | None) -> str:
        """A ``name=`` value made absolute with the event's raw ``cwd=`` value and
        escaped (the reference's auparse_interpret_realpath, used by csv/text)."""
        return escape(realpath_text(value, cwd), self.escape)

    # --- records -------------------------------------------------------------
    def format_record(self, record: Record) -> str:
        """The line ``ausearch -i`` prints for ``record`` (trailing space kept, no final newline)."""
        return layout.format_record(self, record)
