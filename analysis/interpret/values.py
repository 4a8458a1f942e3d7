"""Numeric fields printed as names: signals, enumerations, flag sets...

Each printer takes the field's text and returns what ``ausearch -i`` shows,
including the reference's fallbacks (``unknown-signal(0x40)``, ``0x1234``,
``conversion error(...)``).
"""
from __future__ import annotations

from typing import Callable, Mapping

from ..tables import flags, signals, sockets
from .cnum import ConversionError, s32, strtol, strtoul, u32
from .modes import conversion_error, mode_short_text

ADDR_NO_RANDOMIZE = flags.PERSONALITY_CONSTANTS.get("ADDR_NO_RANDOMIZE", 0x40000)
PER_MASK = 0xFF
SCHED_RESET_ON_FORK = flags.SCHED_CONSTANTS.get("SCHED_RESET_ON_FORK", 0x40000000)
SECCOMP_RET_ACTION = 0x7FFF0000
AUDIT_FILTER_NAMES = {0: "user", 1: "task", 4: "exit", 5: "exclude", 6: "filesystem"}
FANOTIFY_RESPONSES = {1: "allow", 2: "deny"}


def guarded(parse: Callable[[str], str]) -> Callable[[str], str]:
    """Wrap a printer so that number overflow prints ``conversion error(VALUE)``."""
    def printer(value: str) -> str:
        try:
            return parse(value)
        except ConversionError:
            return conversion_error(value)
    printer.__name__ = parse.__name__
    printer.__doc__ = parse.__doc__
    return printer


def join_bits(value: int, table: Mapping[int, str], sep: str = "|",
              limit: int | None = None) -> str:
    """Names of the table entries (non-zero keys, table order) sharing a bit with value."""
    names = []
    for i, (bit, name) in enumerate(kv for kv in table.items() if kv[0]):
        if limit is not None and i >= limit:
            break
        if bit & value:
            names.append(name)
    return sep.join(names)


# --- signals ---------------------------------------------------------------------

def print_signal(value: str, base: int = 10) -> str:
    try:
        sig = s32(strtoul(value, base))
    except ConversionError:
        return conversion_error(value)
    if sig < 32:
        name = signals.SIGNAL_NAMES.get(sig)
        if name is not None:
            return name
    return "unknown-signal(%s%s)" % ("0x" if base == 16 else "", value)


# --- results and simple enumerations ---------------------------------------------

@guarded
def print_success(value: str) -> str:
    if not value[:1].isdigit() or not value[:1].isascii():
        return value
    res = s32(strtoul(value, 10))
    return {0: "no", 1: "yes"}.get(res, "unset")


@guarded
def print_promiscuous(value: str) -> str:
    return "no" if s32(strtol(value, 10)) == 0 else "yes"


@guarded
def print_list(value: str) -> str:
    name = AUDIT_FILTER_NAMES.get(s32(strtoul(value, 10)))
    return name if name is not None else f"unknown-list({value})"


def _lookup(table: Mapping[int, str], unknown: str, base: int = 16,
            cast: Callable[[int], int] = s32) -> Callable[[str], str]:
    """A printer: table[cast(number)] or ``unknown`` % value."""
    @guarded
    def printer(value: str) -> str:
        name = table.get(cast(strtoul(value, base)))
        return name if name is not None else unknown % value
    return printer


print_nfproto = _lookup(flags.NETFILTER_PROTOCOLS, "unknown-netfilter-protocol(%s)", 10)
print_icmptype = _lookup(sockets.ICMP_TYPES, "unknown-icmp-type(%s)", 10)
print_hook = _lookup(flags.NETFILTER_HOOKS, "unknown-hook(%s)")
print_netaction = _lookup(flags.NETFILTER_ACTIONS, "unknown-action(%s)")
print_ptrace = _lookup(flags.PTRACE_REQUESTS, "unknown-ptrace(0x%s)")
print_prctl_option = _lookup(flags.PRCTL_OPTIONS, "unknown-prctl-option(0x%s)")
print_bpf = _lookup(flags.BPF_CMDS, "unknown-bpf-cmd(%s)", cast=u32)
print_socket_domain = _lookup(sockets.SOCKET_FAMILIES, "unknown-family(0x%s)")
print_socket_type = _lookup(sockets.SOCKET_TYPES, "unknown-type(%s)",
                            cast=lambda n: n & 0xFF)
print_socket_proto = _lookup(sockets.IP_PROTOCOLS, "unknown-proto(%s)", cast=u32)
print_seek = _lookup(flags.SEEK_WHENCE, "unknown-whence(%s)", cast=lambda n: n & 0xFF)
print_ip_option = _lookup(sockets.IP_OPTIONS, "unknown-ipopt-name(0x%s)")
print_ip6_option = _lookup(sockets.IPV6_OPTIONS, "unknown-ip6opt-name(0x%s)")
print_tcp_option = _lookup(sockets.TCP_OPTIONS, "unknown-tcpopt-name(0x%s)")
print_udp_option = _lookup(sockets.UDP_OPTIONS, "unknown-udpopt-name(0x%s)")
print_packet_option = _lookup(sockets.PACKET_OPTIONS, "unknown-pktopt-name(0x%s)")


@guarded
def print_protocol(value: str) -> str:
    name = sockets.IP_PROTOCOLS.get(s32(strtoul(value, 10)))
    return name if name is not None else "undefined protocol"


@guarded
def print_macproto(value: str) -> str:
    return {0x0800: "IP", 0x0806: "ARP"}.get(s32(strtoul(value, 16)), "UNKNOWN")


@guarded
def print_seccomp_code(value: str) -> str:
    code = strtoul(value, 16)
    name = flags.SECCOMP_ACTIONS.get(code & SECCOMP_RET_ACTION)
    return name if name is not None else f"unknown-seccomp-code({value})"


@guarded
def print_nlmcgrp(value: str) -> str:
    return "audit-netlink-multicast" if strtoul(value, 16) == 1 else "audit-none"


@guarded
def print_fanotify(value: str) -> str:
    if not value[:1].isdigit() or not value[:1].isascii():
        return value
    return FANOTIFY_RESPONSES.get(s32(strtoul(value, 10)), "unknown")


@guarded
def print_personality(value: str) -> str:
    pers = s32(strtoul(value, 16))
    name = flags.PERSONALITIES.get(pers & PER_MASK)
    if name is None:
        return f"unknown-personality(0x{value})"
    return name + "|~ADDR_NO_RANDOMIZE" if pers & ADDR_NO_RANDOMIZE else name


@guarded
def print_sched(value: str) -> str:
    policy = u32(strtoul(value, 16))
    name = flags.SCHED_POLICIES.get(policy & 0x0F)
    if name is None:
        return f"unknown-scheduler-policy(0x{value})"
    return name + "|SCHED_RESET_ON_FORK" if policy & SCHED_RESET_ON_FORK else name


@guarded
def print_rlimit(value: str) -> str:
    limit = s32(strtoul(value, 16))
    name = flags.RLIMITS.get(limit) if limit < 17 else None
    return name if name is not None else f"unknown-rlimit(0x{value})"


@guarded
def print_clock_id(value: str) -> str:
    clock = s32(strtoul(value, 16))
    name = flags.CLOCK_IDS.get(clock) if clock < 7 else None
    return name if name is not None else f"unknown-clk_id(0x{value})"


@guarded
def print_fcntl_cmd(value: str) -> str:
    cmd = s32(strtoul(value, 16))
    name = flags.FCNTL_CMDS.get(cmd)
    return name if name is not None else f"unknown-fcntl-command({cmd})"


@guarded
def print_epoll_ctl(value: str) -> str:
    op = s32(strtoul(value, 16))
    name = flags.EPOLL_OPS.get(op)
    return name if name is not None else f"unknown-epoll_ctl-operation({op})"


@guarded
def print_ioctl_req(value: str) -> str:
    req = s32(strtoul(value, 16))
    name = flags.IOCTL_REQUESTS.get(req)
    if name is None:
        name = flags.IOCTL_REQUESTS.get(u32(req))
    return name if name is not None else "0x%x" % u32(req)


@guarded
def print_dirfd(value: str) -> str:
    return "AT_FDCWD" if u32(strtoul(value, 16)) == 0xFFFFFF9C else f"0x{value}"


@guarded
def print_sock_opt_level(value: str) -> str:
    level = s32(strtoul(value, 16))
    if level == 1:
        return "SOL_SOCKET"
    name = sockets.IP_PROTOCOLS.get(level)
    if name is None:
        name = sockets.SOCKET_LEVELS.get(level)
    return name if name is not None else f"unknown-sockopt-level(0x{value})"


def print_sock_opt_name(value: str, ppc: bool = False) -> str:
    try:
        opt = s32(strtoul(value, 16))
    except ConversionError:
        return conversion_error(value)
    if ppc and 16 <= opt <= 21:
        opt += 100
    name = sockets.SOCKET_OPTIONS.get(opt)
    return name if name is not None else f"unknown-sockopt-name(0x{value})"


def print_exit_syscall(value: str) -> str:
    return {"0": "EXIT_SUCCESS", "1": "EXIT_FAILURE"}.get(value, "UNKNOWN")


# --- flag sets ----------------------------------------------------------------------

@guarded
def print_open_flags(value: str) -> str:
    bits = u32(strtoul(value, 16))
    names = ["O_RDONLY"] if bits & 3 == 0 else []
    rest = join_bits(bits, flags.OPEN_FLAGS)
    if rest:
        names.append(rest)
    return "|".join(names) or f"0x{value}"


@guarded
def print_clone_flags(value: str) -> str:
    bits = u32(strtoul(value, 16))
    text = join_bits(bits, flags.CLONE_FLAGS)
    sig = bits & 0xFF
    if 0 < sig < 32:
        name = signals.SIGNAL_NAMES.get(sig)
        if name is not None:
            text = text + "|" + name if text else name
    return text or "0x%x" % bits


def print_prot(value: str, is_mmap: bool) -> str:
    try:
        bits = u32(strtoul(value, 16))
    except ConversionError:
        return conversion_error(value)
    if bits & 7 == 0:
        return "PROT_NONE"
    return join_bits(bits, flags.MMAP_PROT, limit=4 if is_mmap else 3) or f"0x{value}"


@guarded
def print_mmap(value: str) -> str:
    bits = u32(strtoul(value, 16))
    names = ["MAP_FILE"] if bits & 0x0F == 0 else []
    rest = join_bits(bits, flags.MMAP_FLAGS)
    if rest:
        names.append(rest)
    return "|".join(names) or f"0x{value}"


def _bit_printer(table: Mapping[int, str], cast: Callable[[int], int] = u32,
                 sep: str = "|") -> Callable[[str], str]:
    @guarded
    def printer(value: str) -> str:
        return join_bits(cast(strtoul(value, 16)), table, sep) or f"0x{value}"
    return printer


print_mount = _bit_printer(flags.MOUNT_FLAGS)
print_umount = _bit_printer(flags.UMOUNT_FLAGS)
print_recv = _bit_printer(flags.RECV_FLAGS)
print_resolve = _bit_printer(flags.OPENAT2_RESOLVE, cast=lambda n: n)


@guarded
def print_access(value: str) -> str:
    mode = strtoul(value, 16)
    if mode & 0x0F == 0:
        return "F_OK"
    return join_bits(mode, flags.ACCESS_MODES, limit=3) or f"0x{value}"


@guarded
def print_path_flags(value: str) -> str:
    bits = s32(strtoul(value, 16))
    if bits == 0:
        return "none"
    return join_bits(bits, flags.PATH_FLAGS, ",") or f"0x{value}"


@guarded
def print_shm_flags(value: str) -> str:
    bits = u32(strtoul(value, 16))
    names = [n for n in (join_bits(bits & 0o3000, flags.IPC_FLAGS),
                         join_bits(bits & 0o14000, flags.SHM_MODES)) if n]
    names.append(mode_short_text(bits & 0o777))
    return "|".join(names)
