"""What a timeline is made of: syscall events, process lifecycle events, lost markers.

:func:`syscall_event` turns one coalesced audit :class:`~audix.analysis.event.Event`
(SYSCALL plus its CWD/PATH/EXECVE/SOCKADDR/... records) into a
:class:`SyscallEvent` with every value decoded once.  Renderers (text, JSON,
summary) only read these objects.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from ..event import Event
from ..record import Record, decode_untrusted
from ..tables.arches import AUDIT_ARCH_NAMES
from ..tables.syscalls import SYSCALL_NAMES

SYSCALL = 1300
PATH = 1302
SOCKADDR = 1306
CWD = 1307
EXECVE = 1309


@dataclass(slots=True)
class PathItem:
    """One PATH record: the name as the program passed it, and what it named."""

    item: int
    name: str | None
    nametype: str
    mode: int | None = None
    inode: int | None = None

    def as_dict(self) -> dict:
        return {"item": self.item, "name": self.name, "nametype": self.nametype,
                "mode": None if self.mode is None else f"0{self.mode:o}", "inode": self.inode}


@dataclass(slots=True)
class SyscallEvent:
    """One audited syscall, with the values of all its records decoded."""

    serial: int
    sec: int
    msec: int
    node: str | None
    pid: int
    ppid: int
    arch: str                      # x86_64, i386... (hex text when unknown)
    number: int
    name: str                      # syscall name, or "syscall_<n>"
    args: tuple[int, ...]          # a0..a3 as unsigned values
    success: bool | None           # None: the syscall did not return (exit, exit_group)
    exit: int | None               # raw return value (negative errno on failure)
    syscall_body: str = ""          # its fields are parsed on first use (.raw)
    cwd: str | None = None
    paths: list[PathItem] = field(default_factory=list)
    argv: list[str] | None = None
    sockaddr: str | None = None    # hex saddr of the SOCKADDR record
    _records: list[Record] | None = None
    _texts: list[tuple[int, str]] | None = None     # kernel (type, text) when built from netlink
    _raw: dict[str, str] | None = None
    _datagrams: list[bytes] | None = None           # netlink datagrams, decoded on first use
    call_key: bytes | None = None   # the SYSCALL record's "arch=... a3=..." (equal keys: equal calls)

    @property
    def raw(self) -> dict[str, str]:
        """All fields of the SYSCALL record (name -> raw value)."""
        if self._raw is None:
            if not self.syscall_body and self._datagrams is not None:
                self.syscall_body = _datagram_body(self._datagrams[0])
            self._raw = dict(_FIELD.findall(self.syscall_body))
        return self._raw

    @property
    def texts(self) -> list[tuple[int, str]]:
        """The event's kernel records as ``(type, "audit(S.M:N): body")``."""
        if self._texts is None and self._datagrams is not None:
            self._texts = datagram_texts(self._datagrams)
        return self._texts or []

    @property
    def records(self) -> list[Record]:
        """The event's records (built on first use when the event came from netlink)."""
        if self._records is None:
            from ..record import make_record
            self._records = [make_record(t, text, self.node) for t, text in self.texts]
        return self._records

    @property
    def time(self) -> float:
        return self.sec + self.msec / 1000.0

    @property
    def comm(self) -> str | None:
        if self._raw is None and self._datagrams is not None:
            return _text(_datagram_field(self._datagrams[0], b" comm="))   # (-c asks every event)
        return _text(self.raw.get("comm"))

    @property
    def exe(self) -> str | None:
        return _text(self.raw.get("exe"))

    @property
    def key(self) -> str | None:
        return _text(self.raw.get("key"))

    @property
    def uid(self) -> int | None:
        return _int(self.raw.get("uid"))

    @property
    def is_32bit(self) -> bool:
        return self.arch in ("i386", "armeb", "arm", "ppc", "s390")

    def signed(self, value: int) -> int:
        """An argument value as a C int/long of this arch."""
        bits = 32 if self.is_32bit else 64
        value &= (1 << bits) - 1
        return value - (1 << bits) if value >> (bits - 1) else value

    @property
    def errno(self) -> int | None:
        if self.success is False and self.exit is not None and self.exit < 0:
            return -self.exit
        return None


class ProcessChange(enum.Enum):
    START = "start"          # new process (fork/vfork/clone): pid, parent, how
    THREAD_START = "thread_start"
    THREAD_EXIT = "thread_exit"
    EXEC = "exec"
    EXIT = "exit"            # exited with code
    KILLED = "killed"        # killed by signal


@dataclass(slots=True)
class ProcessEvent:
    """A process lifecycle line (fork/clone, exec, exit)."""

    change: ProcessChange
    pid: int
    time: float | None = None
    parent: int | None = None          # START
    how: str | None = None             # START: fork|vfork|clone
    tid: int | None = None             # THREAD_*
    path: str | None = None            # EXEC
    code: int | None = None            # EXIT: exit code; KILLED: signal number
    core_dumped: bool = False


@dataclass(slots=True)
class LostMarker:
    """Records that never reached us, at the place in the stream where they went missing."""

    count: int
    time: float | None = None
    source: str = "serial"             # "serial" (gap) or "kernel" (lost counter)


TimelineItem = SyscallEvent | ProcessEvent | LostMarker


def _int(value: str | None, base: int = 10) -> int | None:
    if value is None:
        return None
    try:
        return int(value, base)
    except ValueError:
        return None


def _hex(value: str | None) -> int:
    try:
        return int(value, 16)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _text(value: str | None) -> str | None:
    if value is None or value in ("(null)", "(none)", "?"):
        return None
    return decode_untrusted(value)


def arch_name(hex_text: str) -> str:
    number = _int(hex_text, 16)
    if number is None:
        return hex_text
    return AUDIT_ARCH_NAMES.get(number, hex_text)


def syscall_name(arch: str, number: int) -> str:
    return SYSCALL_NAMES.get(arch, {}).get(number) or f"syscall_{number}"


def _execve_argv(fields: dict[str, str], body: str) -> list[str]:
    """EXECVE aN values (long ones come split as aN_len, aN[0], aN[1]...)."""
    argc = _int(fields.get("argc")) or 0
    pieces: dict[int, list[str]] = {}
    whole: dict[int, str] = {}
    for k, v in _FIELD.findall(body):
        if not k.startswith("a") or k == "argc":
            continue
        name = k[1:]
        if name.isdigit():
            whole[int(name)] = v
        elif "[" in name and name.endswith("]"):
            idx, _, _part = name.partition("[")
            if idx.isdigit():
                pieces.setdefault(int(idx), []).append(v)
    out = []
    for i in range(argc):
        if i in whole:
            out.append(decode_untrusted(whole[i]))
        elif i in pieces:
            out.append("".join(decode_untrusted(p) for p in pieces[i]))
        else:
            break
    return out


_FIELD = re.compile(r"([^ =]+)=([^ ]*)")


def _body_fields(rec: Record) -> dict[str, str]:
    """name -> raw value of a kernel record's body (faster than Record.fields;
    kernel records have no ``msg='...'`` part and no repeated names)."""
    return dict(_FIELD.findall(rec.body))


# The kernel writes a SYSCALL record's leading fields in a fixed order.
_SYSCALL_HEAD = re.compile(
    r"arch=([0-9a-f]+) syscall=(\d+) (?:success=(\w+) exit=(-?\d+) )?"
    r"a0=([0-9a-f]+) a1=([0-9a-f]+) a2=([0-9a-f]+) a3=([0-9a-f]+) items=\d+ ppid=(\d+) pid=(\d+) ")
_PATH = re.compile(r"item=(\d+) name=(\S+)(?: inode=(\d+) dev=\S+ mode=([0-7]+))?.*? nametype=(\S+)")
_ARCH_NAMES: dict[str, str] = {}


def _arch(hex_text: str) -> str:
    name = _ARCH_NAMES.get(hex_text)
    if name is None:
        name = _ARCH_NAMES[hex_text] = arch_name(hex_text)
    return name


def syscall_event(event: Event) -> SyscallEvent | None:
    """The SyscallEvent of an audit event, or None when it has no SYSCALL record."""
    for r in event.records:
        if r.type == SYSCALL:
            ev = _build(r.serial, r.sec, r.msec, r.node, [(x.type, x.body) for x in event.records])
            if ev is not None:
                ev._records = event.records
            return ev
    return None


_SYSCALL_TEXT = re.compile(r"audit\((\d+)\.(\d+):(\d+)\): (" + _SYSCALL_HEAD.pattern + ")")
_NAME_CACHE: dict[tuple[str, int], str] = {}


def syscall_event_from_texts(texts: list[tuple[int, str]], node: str | None = None) -> SyscallEvent | None:
    """The same, straight from kernel records ``(type, "audit(S.M:N): body")`` (the live hot path)."""
    ev = None
    for t, text in texts:
        if t == SYSCALL:
            m = _SYSCALL_TEXT.match(text)
            if m is None:
                break
            (sec, msec, serial, body, arch_hex, nr, success_text, exit_text,
             a0, a1, a2, a3, ppid, pid) = m.groups()
            arch = _ARCH_NAMES.get(arch_hex) or _arch(arch_hex)
            number = int(nr)
            name = _NAME_CACHE.get((arch, number))
            if name is None:
                name = _NAME_CACHE[(arch, number)] = syscall_name(arch, number)
            success = None if success_text is None else success_text == "yes"
            ev = SyscallEvent(int(serial), int(sec), int(msec), node, int(pid), int(ppid), arch, number,
                              name, (int(a0, 16), int(a1, 16), int(a2, 16), int(a3, 16)), success,
                              int(exit_text) if success is not None else None, text[m.start(4):])
            break
    if ev is None:
        # unusual layout: the general path
        parts = []
        head = None
        for t, text in texts:
            close = text.find("): ")
            parts.append((t, text[close + 3:] if close >= 0 else ""))
            if t == SYSCALL and head is None:
                dot = text.find(".", 6)
                colon = text.find(":", dot)
                try:
                    head = (int(text[colon + 1:close]), int(text[6:dot]), int(text[dot + 1:colon]))
                except ValueError:
                    return None
        if head is None:
            return None
        ev = _build(head[0], head[1], head[2], node, parts)
        if ev is not None:
            ev._texts = texts
        return ev
    ev._texts = texts
    if len(texts) > 1:
        _add_aux(ev, ((t, text[text.find("): ") + 3:]) for t, text in texts if t != SYSCALL))
    return ev


_NETLINK_HEADER = 16          # struct nlmsghdr before a record's text
_SYSCALL_DATAGRAM = re.compile(
    rb"audit\((\d+)\.(\d+):(\d+)\): (arch=[0-9a-f]+ syscall=\d+ (?:success=(?:yes|no) exit=-?\d+ )?"
    rb"a0=[0-9a-f]+ a1=[0-9a-f]+ a2=[0-9a-f]+ a3=[0-9a-f]+) items=\d+ ppid=(\d+) pid=(\d+) ")
_CALL_FIELDS = re.compile(
    rb"arch=([0-9a-f]+) syscall=(\d+) (?:success=(yes|no) exit=(-?\d+) )?"
    rb"a0=([0-9a-f]+) a1=([0-9a-f]+) a2=([0-9a-f]+) a3=([0-9a-f]+)")
# b"arch=... a3=..." -> (arch, number, name, args, success, exit): programs repeat their
# calls (find: ~5k different ones among 48k), so most are decoded once
_CALL_CACHE: dict[bytes, tuple] = {}
CALL_CACHE_SIZE = 1 << 16
_AUX_TYPES = frozenset((PATH, CWD, EXECVE, SOCKADDR))


def datagram_texts(datagrams: list[bytes]) -> list[tuple[int, str]]:
    """``(type, "audit(S.M:N): body")`` of each netlink datagram of an event."""
    return [(d[4] | d[5] << 8, d[_NETLINK_HEADER:].rstrip(b"\0\n").decode("latin-1")) for d in datagrams]


def _datagram_field(data: bytes, marker: bytes) -> str | None:
    """The raw value of the first `` name=`` ``marker`` in a datagram's text."""
    start = data.find(marker, _NETLINK_HEADER)
    if start < 0:
        return None
    start += len(marker)
    end = data.find(b" ", start)
    return data[start:end if end >= 0 else len(data)].rstrip(b"\0\n").decode("latin-1")


def _datagram_body(data: bytes) -> str:
    text = data[_NETLINK_HEADER:].rstrip(b"\0\n").decode("latin-1")
    close = text.find("): ")
    return text[close + 3:] if close >= 0 else ""


def _call_of(call_text: bytes) -> tuple:
    """(arch, number, name, args, success, exit) of a SYSCALL record's leading
    fields (cached)."""
    arch_hex, nr, success_text, exit_text, a0, a1, a2, a3 = _CALL_FIELDS.match(call_text).groups()
    arch = _arch(arch_hex.decode("ascii"))
    number = int(nr)
    success = None if success_text is None else success_text == b"yes"
    call = (arch, number, syscall_name(arch, number), (int(a0, 16), int(a1, 16), int(a2, 16), int(a3, 16)),
            success, None if success is None else int(exit_text))
    if len(_CALL_CACHE) >= CALL_CACHE_SIZE:
        _CALL_CACHE.clear()
    _CALL_CACHE[call_text] = call
    return call


def syscall_event_from_datagrams(datagrams: list[bytes], node: str | None = None) -> SyscallEvent | None:
    """The same, straight from the kernel's netlink datagrams (16-byte header, then
    the record's text): the renderer's hot path.  Only the SYSCALL record's
    leading fields and the PATH/CWD/EXECVE/SOCKADDR records are decoded; the
    rest of the text on first use (:attr:`SyscallEvent.raw`, ``records``)."""
    first = datagrams[0] if datagrams else b""
    m = _SYSCALL_DATAGRAM.match(first, _NETLINK_HEADER) if first[4:6] == b"\x14\x05" else None
    if m is None:                   # SYSCALL not first, or an unusual layout
        return syscall_event_from_texts(datagram_texts(datagrams), node)
    sec, msec, serial, call_text, ppid, pid = m.groups()
    call = _CALL_CACHE.get(call_text)
    if call is None:
        call = _call_of(call_text)
    ev = SyscallEvent(int(serial), int(sec), int(msec), node, int(pid), int(ppid), *call)
    ev.call_key = call_text
    ev._datagrams = datagrams
    if len(datagrams) > 1:
        aux = _AUX_TYPES
        parts = [(t, _datagram_body(d)) for d in datagrams[1:] if (t := d[4] | d[5] << 8) in aux]
        if parts:
            _add_aux(ev, parts)
    return ev


def _build(serial: int, sec: int, msec: int, node: str | None,
           parts: list[tuple[int, str]]) -> SyscallEvent | None:
    body = next((b for t, b in parts if t == SYSCALL), None)
    if body is None:
        return None
    m = _SYSCALL_HEAD.match(body)
    raw = None
    if m is not None:
        arch_hex, nr, success_text, exit_text, a0, a1, a2, a3, ppid, pid = m.groups()
    else:
        raw = dict(_FIELD.findall(body))
        arch_hex, nr, success_text, exit_text = (raw.get("arch", "?"), raw.get("syscall", "0"),
                                                 raw.get("success"), raw.get("exit"))
        a0, a1, a2, a3 = (raw.get("a0"), raw.get("a1"), raw.get("a2"), raw.get("a3"))
        ppid, pid = raw.get("ppid"), raw.get("pid")
    arch = _arch(arch_hex)
    number = _int(nr) or 0
    success = None if success_text is None else success_text == "yes"
    ev = SyscallEvent(
        serial=serial, sec=sec, msec=msec, node=node,
        pid=_int(pid) or 0, ppid=_int(ppid) or 0,
        arch=arch, number=number, name=syscall_name(arch, number),
        args=(_hex(a0), _hex(a1), _hex(a2), _hex(a3)),
        success=success, exit=_int(exit_text) if success is not None else None,
        syscall_body=body, _raw=raw,
    )
    _add_aux(ev, ((t, b) for t, b in parts if t != SYSCALL))
    return ev


def _add_aux(ev: SyscallEvent, parts) -> None:
    """The event's other records: PATH, CWD, EXECVE, SOCKADDR."""
    for t, b in parts:
        if t == PATH:
            pm = _PATH.match(b)
            if pm is not None:
                item, name, inode, mode, nametype = pm.groups()
            else:
                pf = dict(_FIELD.findall(b))
                item, name, inode, mode, nametype = (pf.get("item"), pf.get("name"), pf.get("inode"),
                                                     pf.get("mode"), pf.get("nametype"))
            ev.paths.append(PathItem(item=_int(item) or 0, name=_text(name), nametype=nametype or "UNKNOWN",
                                     mode=_int(mode, 8), inode=_int(inode)))
        elif t == CWD:
            ev.cwd = _text(b[4:] if b.startswith("cwd=") else dict(_FIELD.findall(b)).get("cwd"))
        elif t == EXECVE:
            ev.argv = (ev.argv or []) + _execve_argv(dict(_FIELD.findall(b)), b)
        elif t == SOCKADDR:
            ev.sockaddr = dict(_FIELD.findall(b)).get("saddr")
