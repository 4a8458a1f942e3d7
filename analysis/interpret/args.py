"""a0-a3 of SYSCALL records: interpreted according to the syscall.

Mirrors which argument of which syscall the reference names (dirfds,
modes, flags, ids, signals...); every other argument prints as ``0xVALUE``.
"""
from __future__ import annotations

from typing import Callable

from . import modes as m
from . import values as v
from .cnum import ConversionError, s32, strtoul
from .ids import NameLookup, print_gid, print_uid
from .syscalls import print_ipccall, print_socketcall

PPC_MACHINES = frozenset({3, 4, 10})
O_CREAT = 0x40
F_SETFD, F_SETOWN, FD_CLOEXEC = 2, 8, 1
PR_SET_PDEATHSIG, PR_CAPBSET_READ, PR_CAPBSET_DROP = 1, 23, 24
IPPROTO_IP, SOL_SOCKET, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_IPV6, SOL_PACKET = 0, 1, 6, 17, 41, 263

Printer = Callable[[str], str]

_DIRFD_A0 = frozenset({"renameat", "renameat2", "readlinkat", "mkdirat", "mknodat", "fchownat",
                       "futimesat", "futimensat", "fchmodat", "unlinkat", "utimensat", "linkat", "newfstatat",
                       "name_to_handle_at"})


def _hex(value: str) -> str:
    return f"0x{value}"


def print_a0(name: str | None, value: str, ids: NameLookup) -> str:
    if name is None:
        return _hex(value)
    if name == "rt_sigaction":
        return v.print_signal(value, 16)
    if (name in _DIRFD_A0 or name.startswith(("renameat", "faccessat", "openat"))):
        return v.print_dirfd(value)
    simple: dict[str, Printer] = {
        "clock_settime": v.print_clock_id, "personality": v.print_personality,
        "ptrace": v.print_ptrace, "prctl": v.print_prctl_option,
        "unshare": v.print_clone_flags, "getrlimit": v.print_rlimit,
        "setrlimit": v.print_rlimit, "socket": v.print_socket_domain,
        "socketcall": print_socketcall, "ipccall": print_ipccall, "bpf": v.print_bpf,
    }
    printer = simple.get(name)
    if printer is not None:
        return printer(value)
    if name[1:] == "etrlimit":
        return v.print_rlimit(value)
    if name in ("setuid", "setreuid", "setresuid", "setfsuid"):
        return print_uid(value, ids, 16)
    if name in ("setgid", "setregid", "setresgid", "setfsgid"):
        return print_gid(value, ids, 16)
    if name.startswith("exit"):
        return v.print_exit_syscall(value)
    return _hex(value)


def print_a1(name: str | None, value: str, a0: int, ids: NameLookup) -> str:
    if name is None:
        return _hex(value)
    first = name[0]
    if first == "f":
        if name == "fchmod":
            return m.print_mode_short(value, 16)
        if name.startswith("fcntl"):
            return v.print_fcntl_cmd(value)
    elif first == "c":
        if name == "chmod" or name == "creat":
            return m.print_mode_short(value, 16)
        if "chown" in name:
            return print_uid(value, ids, 16)
    if name[1:] == "etsockopt":
        return v.print_sock_opt_level(value)
    if first == "s":
        if name in ("setreuid", "setresuid"):
            return print_uid(value, ids, 16)
        if name in ("setregid", "setresgid"):
            return print_gid(value, ids, 16)
        if name == "socket":
            return v.print_socket_type(value)
        if name == "setns":
            return v.print_clone_flags(value)
        if name == "sched_setscheduler":
            return v.print_sched(value)
    elif first == "m":
        if name == "mkdir":
            return m.print_mode_short(value, 16)
        if name == "mknod":
            return m.print_mode(value, 16)
        if name == "mq_open":
            return v.print_open_flags(value)
    elif name == "open":
        return v.print_open_flags(value)
    elif name == "access":
        return v.print_access(value)
    elif name == "epoll_ctl":
        return v.print_epoll_ctl(value)
    elif name in ("kill", "tkill"):
        return v.print_signal(value, 16)
    elif name == "prctl":
        if a0 in (PR_CAPBSET_READ, PR_CAPBSET_DROP):
            return m.print_capability(value, 16)
        if a0 == PR_SET_PDEATHSIG:
            return v.print_signal(value, 16)
    elif name == "umount2":
        return v.print_umount(value)
    elif name == "ioctl":
        return v.print_ioctl_req(value)
    return _hex(value)


def _sockopt_name(value: str, level: int, machine: int | None) -> str | None:
    if level == IPPROTO_IP:
        return v.print_ip_option(value)
    if level == SOL_SOCKET:
        return v.print_sock_opt_name(value, machine in PPC_MACHINES)
    if level == IPPROTO_TCP:
        return v.print_tcp_option(value)
    if level == IPPROTO_UDP:
        return v.print_udp_option(value)
    if level == IPPROTO_IPV6:
        return v.print_ip6_option(value)
    if level == SOL_PACKET:
        return v.print_packet_option(value)
    return None


def print_a2(name: str | None, value: str, a1: int, machine: int | None,
             ids: NameLookup) -> str:
    if name is None:
        return _hex(value)
    first = name[0]
    if name.startswith("fcntl"):
        try:
            arg = s32(strtoul(value, 16))
        except ConversionError:
            return f"conversion error({value})"
        if a1 == F_SETOWN:
            return print_uid(value, ids, 16)
        if a1 == F_SETFD and arg == FD_CLOEXEC:
            return "FD_CLOEXEC"
    elif name[1:] == "etsockopt":
        out = _sockopt_name(value, a1, machine)
        if out is not None:
            return out
    elif first == "o":
        if name in ("openat", "open_by_handle_at"):
            return v.print_open_flags(value)
        if name == "open" and a1 & O_CREAT:
            return m.print_mode_short(value, 16)
    elif first == "f":
        if name == "fchmodat":
            return m.print_mode_short(value, 16)
        if name.startswith("faccessat"):
            return v.print_access(value)
    elif first == "s":
        if name == "setresuid":
            return print_uid(value, ids, 16)
        if name == "setresgid":
            return print_gid(value, ids, 16)
        if name == "socket":
            return v.print_socket_proto(value)
        if name == "sendmsg":
            return v.print_recv(value)
        if name == "shmget":
            return v.print_shm_flags(value)
    elif first == "m":
        if name == "mmap":
            return v.print_prot(value, True)
        if name in ("mkdirat", "mknodat"):
            return m.print_mode_short(value, 16)
        if name == "mprotect":
            return v.print_prot(value, False)
        if name == "mq_open" and a1 & O_CREAT:
            return m.print_mode_short(value, 16)
    elif first == "r":
        if name == "recvmsg":
            return v.print_recv(value)
        if name == "readlinkat" or name.startswith("renameat"):
            return v.print_dirfd(value)
    elif first == "l":
        if name == "linkat":
            return v.print_dirfd(value)
        if name == "lseek":
            return v.print_seek(value)
    elif first == "c":
        if name in ("clone", "clone2"):
            return v.print_clone_flags(value)
    elif "chown" in name:
        return print_gid(value, ids, 16)
    elif name == "tgkill":
        return v.print_signal(value, 16)
    return _hex(value)


_A3: dict[str, Printer] = {
    "mmap": v.print_mmap, "mount": v.print_mount,
    "recv": v.print_recv, "recvfrom": v.print_recv, "recvmmsg": v.print_recv,
    "send": v.print_recv, "sendto": v.print_recv, "sendmmsg": v.print_recv,
}


def print_a3(name: str | None, value: str) -> str:
    printer = _A3.get(name) if name is not None else None
    return printer(value) if printer is not None else _hex(value)
