"""Audit arch numbers <-> names, and how auditctl resolves ``-F arch=NAME``.

The data is generated (machines.py); this module adds the resolution rules of the
reference's rule parser: ``b64``/``b32`` mean the host machine's 64/32-bit ABI, a name
may be any spelling libaudit knows (``i686``, ``armv7l``...), case-insensitively, or
a hexadecimal audit arch number; 32-bit-only machines refuse ``b64`` and 64-bit-only
ones refuse ``b32``.
"""

from __future__ import annotations

import os

from .audit_h import AUDIT_CONSTANTS
from .machines import (
    AUDIT_ARCH_NAMES,
    AUDIT_ARCH_NUMBERS,
    MACHINE_AUDIT_ARCH,
    MACHINE_NAMES,
    MACHINE_NUMBERS,
)

__all__ = [
    "AUDIT_ARCH_NAMES", "AUDIT_ARCH_NUMBERS", "ARCH_64BIT", "ArchError", "UnknownArchError",
    "UnsupportedArchError", "arch_from_name", "arch_name", "canonical_machine_name", "is_64bit",
]

ARCH_64BIT: int = AUDIT_CONSTANTS["__AUDIT_ARCH_64BIT"]

# The 32-bit ABI of a 64-bit machine (what b32 means on it).
_COMPAT_32 = {"x86_64": "i386", "ppc64": "ppc", "s390x": "s390", "aarch64": "armeb"}
_ONLY_32 = frozenset({"i386", "ppc", "s390", "armeb"})
_ONLY_64 = frozenset({"aarch64", "ppc64le"})

_FOLDED_MACHINES = {name.lower(): number for name, number in MACHINE_NUMBERS.items()}


class ArchError(ValueError):
    """``-F arch=`` cannot be resolved."""


class UnknownArchError(ArchError):
    """Not a machine name libaudit knows (the reference's -4, 'machine type not found')."""


class UnsupportedArchError(ArchError):
    """b64/b32 asked of a machine without that ABI (the reference's -6)."""


def canonical_machine_name(name: str) -> str | None:
    """'i686' -> 'i386', 'arm' -> 'armeb', 'X86_64' -> 'x86_64'; None when unknown."""
    number = _FOLDED_MACHINES.get(name.lower())
    return None if number is None else MACHINE_NAMES.get(number)


def arch_name(arch: int) -> str | None:
    """Audit arch number -> the name ``ausearch -i`` prints, or None."""
    return AUDIT_ARCH_NAMES.get(arch)


def is_64bit(arch: int) -> bool:
    return bool(arch & ARCH_64BIT)


def _machine_from_text(name: str) -> str:
    machine = canonical_machine_name(name)
    if machine is not None:
        return machine
    try:
        number = int(name, 16)
    except ValueError:
        raise UnknownArchError(f"unknown arch {name!r}") from None
    printed = AUDIT_ARCH_NAMES.get(number)
    if printed is None:
        raise UnknownArchError(f"unknown arch {name!r}")
    return printed


def arch_from_name(name: str, host_machine: str | None = None) -> int:
    """Resolve auditctl's ``-F arch=`` value to an audit arch number.

    ``host_machine`` is a machine name (``uname -m``); it defaults to this host's and is
    used only for ``b64``/``b32``.  Raises UnknownArchError or UnsupportedArchError.
    """
    word = name.lower()
    if word in ("b64", "b32"):
        host = host_machine if host_machine is not None else os.uname().machine
        machine = canonical_machine_name(host)
        if machine is None:
            raise UnknownArchError(f"unknown host machine {host!r}")
        if word == "b32":
            machine = _COMPAT_32.get(machine, machine)
            if machine in _ONLY_64:
                raise UnsupportedArchError(f"{host} has no 32-bit syscall ABI")
        elif machine in _ONLY_32:
            raise UnsupportedArchError(f"{host} has no 64-bit syscall ABI")
    else:
        machine = _machine_from_text(name)
    number = MACHINE_NUMBERS[machine]
    return MACHINE_AUDIT_ARCH[number]
