"""Decode a syscall's arguments and result, strace-like, from its audit records.

Audit gives the first four arguments (a0-a3) as numbers, and the objects the
kernel resolved: paths (PATH records, relative names resolved against CWD),
execve argv (EXECVE), socket addresses (SOCKADDR).  Each known syscall has a
signature: one *kind* per argument saying how to show it.  Arguments past
the fourth are shown as ``...``; unknown syscalls show their four raw values.
"""
from __future__ import annotations

import ipaddress
import posixpath
import struct

from ..tables import flags as F
from ..tables.errnos import ERRNO_NAMES, ERRNO_STRINGS
from ..tables.signals import SIGNAL_NAMES
from ..tables.sockets import IP_PROTOCOLS, SOCKET_FAMILIES, SOCKET_TYPES
from .model import SyscallEvent

AT_FDCWD = -100
O_CREAT = 0x40
O_TMPFILE = 0x400000 | 0x10000
O_ACCMODE = 3
MAX_STRING = 64          # like strace -s (longer strings end with ...)

# kind letters: d int (32-bit), l long, u unsigned, x hex, p pointer (NULL/hex), fd, dirfd, path,
# oflags, mode, atflags, access, prot, mapflags, clone, sig, whence, fcntl,
# family, socktype, proto, sockaddr, argv, envp, size, ofd (dup target)...
_SIGNATURES: dict[str, tuple[str, ...]] = {
    "read": ("fd", "p", "u"), "write": ("fd", "p", "u"),
    "pread64": ("fd", "p", "u", "l"), "pwrite64": ("fd", "p", "u", "l"),
    "pread": ("fd", "p", "u", "l"), "pwrite": ("fd", "p", "u", "l"),
    "readv": ("fd", "p", "u"), "writev": ("fd", "p", "u"),
    "open": ("path", "oflags", "mode"), "openat": ("dirfd", "path", "oflags", "mode"),
    "openat2": ("dirfd", "path", "p", "u"), "creat": ("path", "mode"),
    "close": ("fd",), "close_range": ("fd", "fd", "x"),
    "stat": ("path", "p"), "lstat": ("path", "p"), "fstat": ("fd", "p"),
    "newfstatat": ("dirfd", "path", "p", "atflags"), "statx": ("dirfd", "path", "atflags", "x"),
    "access": ("path", "access"), "faccessat": ("dirfd", "path", "access"),
    "faccessat2": ("dirfd", "path", "access", "atflags"),
    "readlink": ("path", "p", "u"), "readlinkat": ("dirfd", "path", "p", "u"),
    "unlink": ("path",), "unlinkat": ("dirfd", "path", "atflags"),
    "rmdir": ("path",), "mkdir": ("path", "mode"), "mkdirat": ("dirfd", "path", "mode"),
    "rename": ("path", "path"), "renameat": ("dirfd", "path", "dirfd", "path"),
    "renameat2": ("dirfd", "path", "dirfd", "path"),
    "link": ("path", "path"), "linkat": ("dirfd", "path", "dirfd", "path"),
    "symlink": ("str", "path"), "symlinkat": ("str", "dirfd", "path"),
    "chmod": ("path", "mode"), "fchmod": ("fd", "mode"), "fchmodat": ("dirfd", "path", "mode"),
    "chown": ("path", "d", "d"), "lchown": ("path", "d", "d"), "fchown": ("fd", "d", "d"),
    "fchownat": ("dirfd", "path", "d", "d"),
    "chdir": ("path",), "fchdir": ("fd",), "getcwd": ("p", "u"),
    "truncate": ("path", "l"), "ftruncate": ("fd", "l"),
    "mknod": ("path", "mode", "x"), "mknodat": ("dirfd", "path", "mode", "x"),
    "utimensat": ("dirfd", "path", "p", "atflags"),
    "execve": ("path", "argv", "envp"), "execveat": ("dirfd", "path", "argv", "envp"),
    "lseek": ("fd", "l", "whence"), "getdents64": ("fd", "p", "u"), "getdents": ("fd", "p", "u"),
    "dup": ("fd",), "dup2": ("fd", "fd"), "dup3": ("fd", "fd", "oflags"),
    "pipe": ("p",), "pipe2": ("p", "oflags"),
    "fcntl": ("fd", "fcntl", "x"), "ioctl": ("fd", "ioctl", "p"),
    "mmap": ("p", "u", "prot", "mapflags", "fd", "x"), "munmap": ("p", "u"),
    "mprotect": ("p", "u", "prot"), "brk": ("p",), "madvise": ("p", "u", "d"),
    "mremap": ("p", "u", "u", "x"),
    "clone": ("clone", "p", "p", "p"), "clone3": ("p", "u"), "fork": (), "vfork": (),
    "exit": ("d",), "exit_group": ("d",),
    "wait4": ("d", "p", "wait", "p"), "waitid": ("d", "d", "p", "wait"),
    "kill": ("d", "sig"), "tkill": ("d", "sig"), "tgkill": ("d", "d", "sig"),
    "rt_sigaction": ("sig", "p", "p", "u"), "rt_sigprocmask": ("sighow", "p", "p", "u"),
    "rt_sigreturn": (), "sigaltstack": ("p", "p"), "pause": (),
    "getpid": (), "getppid": (), "gettid": (), "getuid": (), "geteuid": (), "getgid": (),
    "getegid": (), "getpgrp": (), "setsid": (), "getpgid": ("d",), "setpgid": ("d", "d"),
    "setuid": ("d",), "setgid": ("d",), "setresuid": ("d", "d", "d"), "setresgid": ("d", "d", "d"),
    "umask": ("mode",), "uname": ("p",), "sysinfo": ("p",), "set_tid_address": ("p",),
    "set_robust_list": ("p", "u"), "arch_prctl": ("archprctl", "p"), "prctl": ("prctl", "x", "x", "x"),
    "prlimit64": ("d", "rlimit", "p", "p"), "getrlimit": ("rlimit", "p"), "setrlimit": ("rlimit", "p"),
    "rseq": ("p", "u", "x", "x"), "getrandom": ("p", "u", "x"),
    "futex": ("p", "futex", "d", "p"), "nanosleep": ("p", "p"),
    "clock_nanosleep": ("clock", "x", "p", "p"), "clock_gettime": ("clock", "p"), "gettimeofday": ("p", "p"), "time": ("p",),
    "socket": ("family", "socktype", "proto"), "socketpair": ("family", "socktype", "proto", "p"),
    "connect": ("fd", "sockaddr", "u"), "bind": ("fd", "sockaddr", "u"), "listen": ("fd", "d"),
    "accept": ("fd", "p", "p"), "accept4": ("fd", "p", "p", "x"),
    "sendto": ("fd", "p", "u", "x"), "recvfrom": ("fd", "p", "u", "x"),
    "sendmsg": ("fd", "p", "x"), "recvmsg": ("fd", "p", "x"),
    "shutdown": ("fd", "d"), "getsockname": ("fd", "p", "p"), "getpeername": ("fd", "p", "p"),
    "setsockopt": ("fd", "d", "d", "p"), "getsockopt": ("fd", "d", "d", "p"),
    "poll": ("p", "u", "d"), "ppoll": ("p", "u", "p", "p"), "select": ("d", "p", "p", "p"),
    "pselect6": ("d", "p", "p", "p"), "epoll_create1": ("x",), "epoll_ctl": ("fd", "d", "fd", "p"),
    "epoll_wait": ("fd", "p", "d", "d"), "epoll_pwait": ("fd", "p", "d", "d"),
    "eventfd2": ("u", "x"), "sched_getaffinity": ("d", "u", "p"), "sched_yield": (),
    "fsync": ("fd",), "fdatasync": ("fd",), "sync": (), "flock": ("fd", "d"),
    "statfs": ("path", "p"), "fstatfs": ("fd", "p"), "sendfile": ("fd", "fd", "p", "u"),
    "copy_file_range": ("fd", "p", "fd", "p"), "splice": ("fd", "p", "fd", "p"),
    "mount": ("str", "path", "str", "x"), "umount2": ("path", "x"),
    "memfd_create": ("str", "x"), "inotify_init1": ("x",), "alarm": ("u",),
    "setitimer": ("d", "p", "p"), "getitimer": ("d", "p"), "capget": ("p", "p"),
    "capset": ("p", "p"), "getgroups": ("d", "p"), "setgroups": ("d", "p"),
    "ptrace": ("d", "d", "p", "p"), "chroot": ("path",),
    "pidfd_open": ("d", "x"), "pidfd_send_signal": ("fd", "sig", "p", "x"),
}

# linux/wait.h, signal.h, asm/prctl.h, linux/futex.h (kernel ABI constants)
_WAIT_OPTIONS = {1: "WNOHANG", 2: "WUNTRACED", 4: "WEXITED", 8: "WCONTINUED", 0x1000000: "WNOWAIT",
                 0x20000000: "__WNOTHREAD", 0x40000000: "__WALL", 0x80000000: "__WCLONE"}
_SIG_HOW = {0: "SIG_BLOCK", 1: "SIG_UNBLOCK", 2: "SIG_SETMASK"}
_ARCH_PRCTL = {0x1001: "ARCH_SET_GS", 0x1002: "ARCH_SET_FS", 0x1003: "ARCH_GET_FS", 0x1004: "ARCH_GET_GS",
               0x1011: "ARCH_GET_CPUID", 0x1012: "ARCH_SET_CPUID"}
_FUTEX_OPS = {0: "FUTEX_WAIT", 1: "FUTEX_WAKE", 2: "FUTEX_FD", 3: "FUTEX_REQUEUE", 4: "FUTEX_CMP_REQUEUE",
              5: "FUTEX_WAKE_OP", 6: "FUTEX_LOCK_PI", 7: "FUTEX_UNLOCK_PI", 8: "FUTEX_TRYLOCK_PI",
              9: "FUTEX_WAIT_BITSET", 10: "FUTEX_WAKE_BITSET", 11: "FUTEX_WAIT_REQUEUE_PI",
              12: "FUTEX_CMP_REQUEUE_PI", 13: "FUTEX_LOCK_PI2"}

_RETURN_HEX = frozenset({"mmap", "mremap", "brk", "shmat"})
_NO_RETURN = frozenset({"exit", "exit_group", "rt_sigreturn"})
# kernel-internal errnos (never seen by programs); strace shows them with "?"
_INTERNAL_ERRNOS = {512: ("ERESTARTSYS", "To be restarted if SA_RESTART is set"),
                    513: ("ERESTARTNOINTR", "To be restarted"),
                    514: ("ERESTARTNOHAND", "To be restarted if no handler"),
                    516: ("ERESTART_RESTARTBLOCK", "Interrupted by signal")}


def signature(name: str) -> tuple[str, ...] | None:
    return _SIGNATURES.get(name)


def quote(text: str) -> str:
    """A string as strace prints it: C-escaped, double-quoted, cut at MAX_STRING."""
    tail = "..." if len(text) > MAX_STRING else ""
    head = text[:MAX_STRING]
    if head.isascii() and head.isprintable() and '"' not in head and "\\" not in head:
        return '"' + head + '"' + tail           # nothing to escape (the usual name)
    out = []
    for ch in head:
        o = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o >= 0x7F:
            out.append(f"\\{o:o}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"' + tail


def bit_flags(value: int, table: dict[int, str], zero: str | None = None) -> str:
    if value == 0:
        return zero if zero is not None else table.get(0, "0")
    names = []
    rest = value
    for bit, name in table.items():
        if bit and value & bit == bit and rest & bit:
            names.append(name)
            rest &= ~bit
    if rest:
        names.append(hex(rest))
    return "|".join(names)


_FLAG_TEXTS: dict[tuple[str, int], str] = {}     # (kind, value) -> text: programs reuse a few
FLAG_TEXTS_SIZE = 1 << 12


def _remembered(kind: str, value: int, make) -> str:
    text = _FLAG_TEXTS.get((kind, value))
    if text is None:
        if len(_FLAG_TEXTS) >= FLAG_TEXTS_SIZE:
            _FLAG_TEXTS.clear()
        text = _FLAG_TEXTS[(kind, value)] = make(value)
    return text


def open_flags(value: int) -> str:
    return _remembered("open", value, _open_flags)


def _open_flags(value: int) -> str:
    acc = value & O_ACCMODE
    names = [F.OPEN_FLAGS.get(acc, str(acc))]
    rest = value & ~O_ACCMODE
    for bit, name in F.OPEN_FLAGS.items():
        if bit > O_ACCMODE and rest & bit == bit:
            names.append(name.lstrip("_") if name.startswith("__O_") else name)
            rest &= ~bit
    if rest:
        names.append(hex(rest))
    return "|".join(names)


# linux/fcntl.h: the AT_* flags of the *at() calls (0x200 is AT_REMOVEDIR for unlinkat)
_AT_FLAG_BITS = {0x100: "AT_SYMLINK_NOFOLLOW", 0x200: "AT_REMOVEDIR", 0x400: "AT_SYMLINK_FOLLOW",
                 0x800: "AT_NO_AUTOMOUNT", 0x1000: "AT_EMPTY_PATH", 0x2000: "AT_STATX_FORCE_SYNC",
                 0x4000: "AT_STATX_DONT_SYNC", 0x8000: "AT_RECURSIVE"}


def at_flags(value: int) -> str:
    return _remembered("at", value, _at_flags)


def _at_flags(value: int) -> str:
    return bit_flags(value, _AT_FLAG_BITS, zero="0")


def access_mode(value: int) -> str:
    if value == 0:
        return "F_OK"
    return bit_flags(value, {4: "R_OK", 2: "W_OK", 1: "X_OK"})


def mode_text(value: int) -> str:
    return f"0{value:o}" if value else "000"


def clone_flags(value: int) -> str:
    sig = value & 0xFF
    text = bit_flags(value & ~0xFF, F.CLONE_FLAGS, zero="")
    if sig:
        sname = SIGNAL_NAMES.get(sig, str(sig))
        text = f"{text}|{sname}" if text else sname
    return text or "0"


def signal_name(value: int) -> str:
    return SIGNAL_NAMES.get(value, str(value))


def sockaddr_text(hex_text: str | None) -> str | None:
    """A SOCKADDR ``saddr`` as strace shows a struct sockaddr."""
    if not hex_text:
        return None
    try:
        raw = bytes.fromhex(hex_text)
    except ValueError:
        return None
    if len(raw) < 2:
        return None
    family = struct.unpack_from("<H", raw)[0]
    fname = SOCKET_FAMILIES.get(family)
    label = f"AF_{fname.upper()}" if fname else str(family)
    if family == 1:   # unix
        path = raw[2:]
        if path[:1] == b"\0":
            name = path[1:].split(b"\0", 1)[0].decode("latin-1")
            return f"{{sa_family=AF_UNIX, sun_path=@{quote(name)}}}"
        name = path.split(b"\0", 1)[0].decode("latin-1")
        return f"{{sa_family=AF_UNIX, sun_path={quote(name)}}}"
    if family == 2 and len(raw) >= 8:
        port = struct.unpack_from(">H", raw, 2)[0]
        addr = ipaddress.IPv4Address(raw[4:8])
        return f'{{sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr("{addr}")}}'
    if family == 10 and len(raw) >= 24:
        port = struct.unpack_from(">H", raw, 2)[0]
        addr = ipaddress.IPv6Address(raw[8:24])
        return (f'{{sa_family=AF_INET6, sin6_port=htons({port}), '
                f'sin6_addr=inet_pton(AF_INET6, "{addr}")}}')
    if family == 16 and len(raw) >= 12:
        pid, groups = struct.unpack_from("<II", raw, 4)
        return f"{{sa_family=AF_NETLINK, nl_pid={pid}, nl_groups={groups:08x}}}"
    return f"{{sa_family={label}, sa_data={hex_text[4:]}}}"


def resolve_path(name: str, cwd: str | None, relative_to_cwd: bool) -> str:
    """A PATH name as the program gave it, made absolute against CWD when it is relative."""
    if not relative_to_cwd or not cwd or name.startswith("/"):
        return name
    if name in ("", "."):
        return cwd
    joined = posixpath.join(cwd, name)
    if "/../" in joined or joined.endswith("/.."):
        return joined
    return posixpath.normpath(joined)


class _PathCursor:
    """Hands out PATH items to path arguments, in order (PARENT items last)."""

    def __init__(self, ev: SyscallEvent):
        items = sorted(ev.paths, key=lambda p: p.item)
        self._primary = [p for p in items if p.nametype != "PARENT" and p.name is not None]
        self._parents = [p for p in items if p.nametype == "PARENT" and p.name is not None]
        if ev.name in ("rename", "renameat", "renameat2", "link", "linkat"):
            # PARENT old, PARENT new, DELETE/NORMAL old, CREATE new
            self._primary = [p for p in items if p.nametype in ("DELETE", "NORMAL")] + \
                            [p for p in items if p.nametype == "CREATE"]
        if ev.name in ("execve", "execveat"):
            self._primary = items[:1]

    def next(self):
        if self._primary:
            return self._primary.pop(0)
        if self._parents:
            return self._parents.pop(0)
        return None


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >> 31 else value


def _has_empty_path_flag(ev: SyscallEvent, sig: tuple[str, ...]) -> bool:
    """An *at() call with AT_EMPTY_PATH operates on the dirfd itself (path "")."""
    if "atflags" not in sig:
        return False
    idx = sig.index("atflags")
    return idx < len(ev.args) and bool(ev.args[idx] & 0x1000)


def _pointer(value: int) -> str:
    return "NULL" if value == 0 else hex(value)


def _futex_op(v: int) -> str:
    op = _FUTEX_OPS.get(v & 0x7F, str(v & 0x7F))
    if v & 128:
        op += "_PRIVATE"
    if v & 256:
        op = "FUTEX_CLOCK_REALTIME|" + op
    return op


def _family(v: int) -> str:
    name = SOCKET_FAMILIES.get(v)
    return f"AF_{name.upper()}" if name else str(v)


def _socket_type(v: int) -> str:
    base = v & 0xF
    text = SOCKET_TYPES.get(base, str(base))
    if v & 0x80000:
        text += "|SOCK_CLOEXEC"
    if v & 0x800:
        text += "|SOCK_NONBLOCK"
    return text


# the kinds whose text depends on the argument's value alone
_VALUE_KINDS = {
    "d": lambda v: str(_int32(v)), "fd": lambda v: str(_int32(v)), "u": str, "x": hex,
    "p": _pointer, "str": _pointer, "envp": _pointer, "mode": mode_text, "atflags": at_flags,
    "access": access_mode, "prot": lambda v: bit_flags(v, F.MMAP_PROT),
    "mapflags": lambda v: bit_flags(v, F.MMAP_FLAGS), "clone": clone_flags,
    "sig": lambda v: signal_name(_int32(v)), "whence": lambda v: F.SEEK_WHENCE.get(v, str(v)),
    "fcntl": lambda v: F.FCNTL_CMDS.get(v, str(v)),
    "ioctl": lambda v: F.IOCTL_REQUESTS.get(v & 0xFFFFFFFF) or hex(v),
    "wait": lambda v: bit_flags(v, _WAIT_OPTIONS, zero="0"), "sighow": lambda v: _SIG_HOW.get(v, str(v)),
    "archprctl": lambda v: _ARCH_PRCTL.get(v, hex(v)), "prctl": lambda v: F.PRCTL_OPTIONS.get(v, str(v)),
    "rlimit": lambda v: F.RLIMITS.get(v, str(v)), "clock": lambda v: F.CLOCK_IDS.get(v, str(_int32(v))),
    "futex": _futex_op, "family": _family, "socktype": _socket_type,
    "proto": lambda v: IP_PROTOCOLS.get(v, str(v)).upper() if v else "0",
}
_NO_PLAN = object()
_PLANS: dict[str, object] = {}


def _plan(name: str):
    """(formatters of the first four arguments, whether ``...`` follows) for a
    syscall all of whose shown arguments depend on their values alone; else None."""
    plan = _PLANS.get(name, _NO_PLAN)
    if plan is _NO_PLAN:
        sig = _SIGNATURES.get(name)
        plan = None
        if sig is not None and all(kind in _VALUE_KINDS for kind in sig[:4]):
            plan = (tuple(_VALUE_KINDS[kind] for kind in sig[:4]), len(sig) > 4)
        _PLANS[name] = plan
    return plan


def format_args(ev: SyscallEvent) -> list[str]:
    """The arguments of ``ev`` as strace would print them."""
    args = ev.args
    plan = _plan(ev.name)
    if plan is not None and len(args) >= len(plan[0]):
        out = [fmt(v) for fmt, v in zip(plan[0], args)]
        if plan[1]:
            out.append("...")
        return out
    sig = signature(ev.name)
    if sig is None:
        return [hex(a) for a in args]
    out: list[str] = []
    cursor = None
    last_dirfd_is_cwd = True
    value_kinds = _VALUE_KINDS
    count = len(args)
    for i, kind in enumerate(sig):
        if i >= count:
            out.append("...")
            break
        v = args[i]
        by_value = value_kinds.get(kind)
        if by_value is not None:
            out.append(by_value(v))
        elif kind == "dirfd":
            s = _int32(v)
            last_dirfd_is_cwd = s == AT_FDCWD
            out.append("AT_FDCWD" if s == AT_FDCWD else str(s))
        elif kind == "path":
            if cursor is None:
                cursor = _PathCursor(ev)
            item = cursor.next()
            if item is None:
                empty_ok = _has_empty_path_flag(ev, sig)
                out.append('""' if empty_ok else _pointer(v))
            else:
                out.append(quote(resolve_path(item.name or "", ev.cwd, last_dirfd_is_cwd)))
            last_dirfd_is_cwd = True
        elif kind == "l":
            out.append(str(ev.signed(v)))
        elif kind == "oflags":
            out.append(open_flags(v))
            if ev.name in ("open", "openat") and not (v & O_CREAT or v & O_TMPFILE == O_TMPFILE):
                break   # the mode argument only counts with O_CREAT/O_TMPFILE
        elif kind == "sockaddr":
            out.append(sockaddr_text(ev.sockaddr) or _pointer(v))
        elif kind == "argv":
            if ev.argv is not None:
                out.append("[" + ", ".join(quote(a) for a in ev.argv) + "]")
            else:
                out.append(_pointer(v))
        else:
            out.append(hex(v))
    return out


def errno_parts(code: int) -> tuple[str, str]:
    """(name, text) for a positive errno."""
    if code in _INTERNAL_ERRNOS:
        return _INTERNAL_ERRNOS[code]
    return ERRNO_NAMES.get(code, f"E{code}"), ERRNO_STRINGS.get(code, f"Unknown error {code}")


def format_result(ev: SyscallEvent) -> str:
    """The text after ``= ``: value, ``-1 ENOENT (text)``, or ``?``."""
    if ev.success is None or ev.exit is None or ev.name in _NO_RETURN:
        return "?"
    if ev.success is False and ev.exit < 0:
        code = -ev.exit
        name, text = errno_parts(code)
        prefix = "?" if code in _INTERNAL_ERRNOS else "-1"
        return f"{prefix} {name} ({text})"
    if ev.name in _RETURN_HEX:
        return hex(ev.exit & ((1 << 64) - 1))
    return str(ev.exit)


_CALL_TEXTS: dict[bytes, str] = {}
CALL_TEXTS_SIZE = 1 << 16


def format_call(ev: SyscallEvent) -> str:
    """``name(args) = result``.  A call whose arguments depend on their values
    alone is the same text for the same SYSCALL fields (``ev.call_key``):
    those texts are cached."""
    key = ev.call_key
    if key is not None:
        text = _CALL_TEXTS.get(key)
        if text is not None:
            return text
    text = f"{ev.name}({', '.join(format_args(ev))}) = {format_result(ev)}"
    if key is not None and _plan(ev.name) is not None:
        if len(_CALL_TEXTS) >= CALL_TEXTS_SIZE:
            _CALL_TEXTS.clear()
        _CALL_TEXTS[key] = text
    return text
