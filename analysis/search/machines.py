"""CPU "machines" as libaudit names them, for ``--arch`` and ``-sc``."""
from __future__ import annotations

import os

X86, X86_64, IA64, PPC64, PPC, S390X, S390, ALPHA, ARM, AARCH64, PPC64LE = range(11)

MACHINE_NAMES = {
    "i386": X86, "i486": X86, "i586": X86, "i686": X86, "x86_64": X86_64,
    "ppc64": PPC64, "ppc64le": PPC64LE, "ppc": PPC, "s390x": S390X, "s390": S390,
    "armeb": ARM, "arm": ARM, "armv5tejl": ARM, "armv5tel": ARM, "armv6l": ARM,
    "armv7l": ARM, "aarch64": AARCH64, "armv8l": AARCH64,
}

ELF_MACHINES = {
    0x40000003: X86, 0xc000003e: X86_64, 0xc0000032: IA64, 0x80000015: PPC64,
    0xc0000015: PPC64LE, 0x14: PPC, 0x80000016: S390X, 0x16: S390,
    0x40000028: ARM, 0xc00000b7: AARCH64,
}

# the arch names the syscall tables use
TABLE_ARCH = {X86: "i386", X86_64: "x86_64", IA64: "ia64", PPC64: "ppc64",
              PPC64LE: "ppc64le", PPC: "ppc", S390X: "s390x", S390: "s390",
              ARM: "armeb", AARCH64: "aarch64"}

_64BIT = {X86_64, IA64, PPC64, PPC64LE, S390X, AARCH64}
_TO_32 = {X86_64: X86, PPC64: PPC, S390X: S390, AARCH64: ARM}


def detect_machine() -> int:
    return MACHINE_NAMES.get(os.uname().machine, -1)


def elf_to_machine(elf: int) -> int:
    return ELF_MACHINES.get(elf & 0xffffffff, -1)


def determine_machine(arch: str) -> int:
    """libaudit audit_determine_machine: name, b32/b64 or hex AUDIT_ARCH; -1."""
    low = arch.lower()
    if low in ("b64", "b32"):
        machine = detect_machine()
        if low == "b32":
            machine = _TO_32.get(machine, machine)
        elif machine not in _64BIT:
            return -1
        return machine
    machine = MACHINE_NAMES.get(arch, -1)
    if machine < 0:
        try:
            machine = elf_to_machine(int(arch, 16))
        except ValueError:
            machine = -1
    return machine


def syscall_number(name: str, machine: int) -> int:
    """audit_name_to_syscall: -1 if unknown."""
    from ..tables.syscalls import SYSCALL_NUMBERS
    table = SYSCALL_NUMBERS.get(TABLE_ARCH.get(machine, ""), {})
    return table.get(name, -1)
