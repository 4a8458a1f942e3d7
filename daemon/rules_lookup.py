"""Name <-> number lookups the rule parser and renderer need, as auditctl does them.

The tables themselves come from :mod:`audix.analysis.tables`; this module
adds auditctl's matching rules (case folding, C ``strtol`` parsing, the
``b32``/``b64`` arch spellings) on top.
"""

from __future__ import annotations

import os
from functools import lru_cache

from .rules import ARCH_64BIT

# The 32-bit machine of a 64-bit one (``-F arch=b32``).
_MACH_32_OF_64 = {"x86_64": "i386", "ppc64": "ppc", "s390x": "s390", "aarch64": None}


# -- C number parsing ------------------------------------------------------------

def _c_parse(text: str, base: int = 0) -> tuple[int, bool]:
    """C ``strtol`` prefix parse (base 0: 0x hex, 0 octal, else decimal): (value, any digits)."""
    s = text.lstrip(" \t\n\r\f\v")
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if base in (0, 16) and s[:2].lower() == "0x" and s[2:3].lower() in tuple("0123456789abcdef") and s[2:3]:
        s, base = s[2:], 16
    elif base == 0:
        base = 8 if s.startswith("0") else 10
    valid = "0123456789abcdef"[:base]
    n = 0
    used = False
    for ch in s.lower():
        pos = valid.find(ch)
        if pos < 0:
            break
        n = n * base + pos
        used = True
    return sign * n, used


def strtoul(text: str, base: int = 0) -> int:
    """C ``strtoul`` then truncated to u32 (what lands in a rule value)."""
    n, _ = _c_parse(text, base)
    if abs(n) > 0xFFFFFFFFFFFFFFFF:
        return 0xFFFFFFFF
    return n & 0xFFFFFFFF


def strtoul_errno(text: str, base: int = 0) -> bool:
    """Whether C ``strtoul`` would set ERANGE (value beyond unsigned long)."""
    n, _ = _c_parse(text, base)
    return abs(n) > 0xFFFFFFFFFFFFFFFF


def strtol(text: str, base: int = 0) -> int:
    """C ``strtol`` (64-bit long, saturating) truncated to u32."""
    n, _ = _c_parse(text, base)
    n = max(min(n, 0x7FFFFFFFFFFFFFFF), -0x8000000000000000)
    return n & 0xFFFFFFFF


def c_isdigit(text: str) -> bool:
    return bool(text) and "0" <= text[0] <= "9"


# -- tables (imported lazily: another module generates them) ----------------------

def _tables():
    from audix.analysis.tables import errnos, fields, msgtypes, syscalls

    try:
        from audix.analysis.tables import machines
    except ImportError:  # pragma: no cover - older table layout
        from audix.analysis.tables import arches as machines  # type: ignore[no-redef]
    return syscalls, machines, fields, errnos, msgtypes


@lru_cache(maxsize=None)
def _machine_maps() -> tuple[dict[str, str], dict[int, str], dict[str, int]]:
    """(accepted name -> printed machine name, elf -> machine, machine -> elf)."""
    _, machines, _, _, _ = _tables()
    names = machines.MACHINE_NAMES
    accepted = {alias: names[num] for alias, num in machines.MACHINE_NUMBERS.items() if num in names}
    elf_of = {names[num]: elf for num, elf in machines.MACHINE_AUDIT_ARCH.items() if num in names and elf}
    machine_of = {elf: m for m, elf in elf_of.items()}
    return accepted, machine_of, elf_of


def machine_from_name(name: str) -> str | None:
    return _machine_maps()[0].get(name.lower())


def machine_of_elf(elf: int) -> str | None:
    return _machine_maps()[1].get(elf & 0xFFFFFFFF)


def elf_of_machine(machine: str | None) -> int:
    if machine is None:
        return 0
    return _machine_maps()[2].get(machine, 0)


def host_machine() -> str | None:
    return machine_from_name(os.uname().machine)


def determine_machine(arch: str) -> str | None:
    """auditctl's ``-F arch=`` name handling: b32/b64 or a machine name or a hex elf.

    Returns the machine name, or None where auditctl reports "elf mapping not found".
    """
    bits = None
    if arch.lower() == "b64":
        bits, machine = 64, host_machine()
    elif arch.lower() == "b32":
        bits, machine = 32, host_machine()
    else:
        machine = machine_from_name(arch)
        if machine is None:
            if strtoul_errno(arch, 16):
                return None
            machine = machine_of_elf(strtoul(arch, 16))
    if machine is None:
        return None
    if bits == 32 and machine in _MACH_32_OF_64:
        machine = _MACH_32_OF_64[machine]
        if machine is None:  # aarch64 -> arm (only where arm is built in)
            machine = machine_from_name("arm")
            if machine is None:
                return None
    if machine in ("i386", "ppc", "s390") or machine == machine_from_name("arm"):
        if bits == 64:
            return None
    elif machine in ("aarch64", "ppc64le"):
        if bits is not None and bits != 64:
            return None
    elif machine in ("x86_64", "ppc64", "s390x"):
        pass
    else:
        return None
    return machine


def syscall_number_for_machine(name: str, machine: str | None) -> int | None:
    if machine is None:
        return None
    syscalls = _tables()[0]
    table = syscalls.SYSCALL_NUMBERS.get(machine)
    if table is None:
        return None
    nr = table.get(name.lower())
    return nr if nr is not None and nr >= 0 else None


def syscall_name_for_machine(nr: int, machine: str | None) -> str | None:
    if machine is None:
        return None
    syscalls = _tables()[0]
    return syscalls.SYSCALL_NAMES.get(machine, {}).get(nr)


def arch_to_elf(arch: str | int) -> int:
    """An arch given as a number, ``b32``/``b64`` or a machine name -> audit arch number."""
    if isinstance(arch, int):
        return arch & 0xFFFFFFFF
    if c_isdigit(arch):
        return strtoul(arch)
    machine = determine_machine(arch)
    elf = elf_of_machine(machine)
    if not elf:
        raise ValueError(f"unknown arch {arch!r}")
    return elf


def syscall_number(name: str | int, elf: int) -> int:
    """A syscall name or number for the arch ``elf`` -> its number (ValueError if unknown)."""
    if isinstance(name, int):
        return name
    nr = syscall_number_for_machine(name, machine_of_elf(elf))
    if nr is None:
        if c_isdigit(name):
            return strtol(name)
        raise ValueError(f"unknown syscall {name!r}")
    return nr


def is_64bit(elf: int) -> bool:
    return bool(elf & ARCH_64BIT)


# -- fields, errnos, message types, file types --------------------------------------

def field_number(name: str) -> int | None:
    fields = _tables()[2]
    return fields.FIELD_NUMBERS.get(name.lower())


def field_name(num: int) -> str | None:
    fields = _tables()[2]
    return fields.FIELD_NAMES.get(num)


def errno_number(name: str) -> int:
    """auditctl's audit_name_to_errno: ``EPERM`` or ``-EPERM`` -> 1/-1, unknown -> 0."""
    errnos = _tables()[3]
    sign = 1
    if name.startswith("-"):
        sign, name = -1, name[1:]
    return sign * errnos.ERRNO_NUMBERS.get(name.upper(), 0)


def errno_name(num: int) -> str | None:
    errnos = _tables()[3]
    return errnos.ERRNO_NAMES.get(num) if num >= 0 else None


def msgtype_number(name: str) -> int:
    """audit_name_to_msg_type: name (any case), ``UNKNOWN[n]`` or digits -> number; -1 if unknown."""
    msgtypes = _tables()[4]
    numbers = getattr(msgtypes, "MSG_TYPE_NUMBERS", None)
    if numbers is None:
        numbers = {v: k for k, v in msgtypes.MSG_TYPE_NAMES.items()}
    n = numbers.get(name.upper())
    if n is not None:
        return n
    if name.startswith("UNKNOWN["):
        end = name.find("]", 8)
        if end < 0:
            return -1
        return _signed32(strtol(name[8:8 + min(end - 8, 7)], 10))
    if c_isdigit(name):
        return _signed32(strtol(name, 10))
    return -1


def msgtype_name(num: int) -> str | None:
    msgtypes = _tables()[4]
    return msgtypes.MSG_TYPE_NAMES.get(num)


def ftype_number(name: str) -> int:
    fields = _tables()[2]
    return fields.FILE_TYPE_NUMBERS.get(name.lower(), -1)


def fstype_number(name: str) -> int:
    fields = _tables()[2]
    return fields.FS_TYPE_NUMBERS.get(name.lower(), -1)


def fstype_name(num: int) -> str | None:
    fields = _tables()[2]
    return fields.FS_TYPE_NAMES.get(num)


def _signed32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v
