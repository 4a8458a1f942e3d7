"""Machines, arch=, syscall= and exit= (errno names and messages)."""
from __future__ import annotations

import platform

from ..tables import errnos, machines, sockets, syscalls
from .cnum import ConversionError, s32, s64, strtol, strtoul, u32

# audit arch number -> libaudit machine number
_ELF_MACHINES = {arch: machine for machine, arch in machines.MACHINE_AUDIT_ARCH.items()}


def host_machine() -> int | None:
    """The machine of this host (libaudit's audit_detect_machine), None if unknown."""
    return machines.MACHINE_NUMBERS.get(platform.machine())


def elf_to_machine(arch: int) -> int | None:
    """Audit arch number (``arch=c000003e``) -> machine number, None if unknown."""
    return _ELF_MACHINES.get(u32(arch))


def machine_name(machine: int) -> str | None:
    return machines.MACHINE_NAMES.get(machine)


def syscall_table_name(machine: int | None) -> str | None:
    return None if machine is None else machines.MACHINE_NAMES.get(machine)


def syscall_name(arch_number: int, number: int) -> str | None:
    """Name of syscall ``number`` for audit arch ``arch_number`` (e.g. 0xc000003e), or None."""
    machine = elf_to_machine(arch_number)
    return lookup_syscall(machine, number)


def lookup_syscall(machine: int | None, number: int) -> str | None:
    table = syscall_table_name(machine)
    if table is None:
        return None
    return syscalls.SYSCALL_NAMES.get(table, {}).get(number)


def errno_text(exit: int) -> tuple[str | None, str]:
    """(name, message) for a negative exit code (``-2`` -> ``('ENOENT', 'No such file or directory')``).

    The name is None for numbers libaudit does not know; the message is strerror's.
    """
    number = s32(-s64(exit))
    name = errnos.ERRNO_NAMES.get(number) if number >= 0 else None
    message = errnos.ERRNO_STRINGS.get(number)
    if message is None:
        message = "Success" if number == 0 else f"Unknown error {number}"
    return name, message


def print_exit(value: str) -> str:
    try:
        code = strtol(value, 10)
    except ConversionError:
        return f"conversion error({value})"
    if code < 0:
        name, message = errno_text(code)
        return "%s(%s)" % (name if name is not None else "(null)", message)
    return value


def print_arch(value: str) -> str:
    try:
        arch = u32(strtoul(value, 16))
    except ConversionError:
        return f"conversion error({value}) "
    machine = elf_to_machine(arch)
    if machine is None:
        return f"unknown-elf-type({value})"
    name = machine_name(machine)
    return name if name is not None else f"unknown-machine-type({machine})"


def print_syscall(number: int, machine: int | None, a0: int, value: str) -> str:
    """syscall=: the name for the record's machine; socketcall/ipc show their call."""
    if machine is None:
        machine = host_machine()
    if machine is None:
        return value
    name = lookup_syscall(machine, number)
    if name is None:
        return f"unknown-syscall({number})"
    call = None
    if name == "socketcall" and s32(a0) == a0:
        call = sockets.SOCKETCALLS.get(a0)
    elif name == "ipc" and s32(a0) == a0:
        call = sockets.IPC_CALLS.get(a0)
    return f"{name}({call})" if call is not None else name


def print_socketcall(value: str) -> str:
    try:
        call = s32(strtol(value, 16))
    except ConversionError:
        return f"conversion error({value})"
    name = sockets.SOCKETCALLS.get(call)
    return name if name is not None else f"unknown-socketcall({value})"


def print_ipccall(value: str) -> str:
    try:
        call = s32(strtol(value, 16))
    except ConversionError:
        return f"conversion error({value})"
    name = sockets.IPC_CALLS.get(call)
    return name if name is not None else f"unknown-ipccall({value})"
