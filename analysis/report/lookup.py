"""Value look-ups and escaping for aureport output.

uid -> name, syscall number -> name, success/result words, the
``--escape`` modes for printed strings, and TTY keystroke rendering.  All
text is latin-1 str (one char per byte).
"""
from __future__ import annotations

import enum
import pwd

from ..event import c_strtoul
from ..interpret.strings import TTY_NAMED_KEYS
from ..search.options import Success
from ..search.scan import U32, SearchItems
from ..tables.msgtypes import MSG_TYPE_NAMES

SUCCESS_WORDS = {Success.FAILED: "no", Success.SUCCESS: "yes"}
AVC_RESULT_WORDS = ("unset", "denied", "granted")
UNSET_UID = 0xFFFFFFFF


class EscapeMode(enum.Enum):
    RAW = "raw"
    TTY = "tty"
    SHELL = "shell"
    SHELL_QUOTE = "shell_quote"


def success_word(success: int) -> str:
    return SUCCESS_WORDS.get(success, "unset")


def msg_type_name(type_: int) -> str:
    """audit_msg_type_to_name, printed through ``%s`` (NULL -> ``(null)``)."""
    return MSG_TYPE_NAMES.get(type_, "(null)")


def signed(uid: int) -> int:
    """A uid_t printed with ``%d``."""
    uid &= U32
    return uid - (1 << 32) if uid & 0x80000000 else uid


def _from_os(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


class UserNames:
    """getpwuid with a cache (names as latin-1 text)."""

    def __init__(self):
        self._cache: dict[int, str | None] = {}

    def name(self, uid: int) -> str | None:
        try:
            return self._cache[uid]
        except KeyError:
            pass
        try:
            name = _from_os(pwd.getpwuid(uid).pw_name)
        except (KeyError, OverflowError):
            name = None
        self._cache[uid] = name
        return name


def _unescape_interp(value: str) -> str:
    """print_escaped() of an interpreted value: unquote, or decode hex."""
    if value.startswith('"'):
        end = value.find('"', 1)
        return value[1:end] if end >= 0 else " "
    hexpart = value[2:] if value.startswith("00") else value
    try:
        if hexpart and len(hexpart) % 2 == 0:
            out = bytes.fromhex(hexpart).decode("latin-1")
            nul = out.find("\x00")
            return out if nul < 0 else out[:nul]
    except ValueError:
        pass
    return value


class Interpretations:
    """The ENRICHED values of an event's first record (what -i may use)."""

    __slots__ = ("values",)

    def __init__(self, enriched: str | None):
        values: dict[str, str] = {}
        if enriched:
            if enriched.startswith("SADDR="):
                pass
            else:
                for token in enriched.split(" "):
                    eq = token.find("=")
                    if eq < 0 or not token:
                        continue
                    name = token[:eq].lower()
                    if name not in values:
                        values[name] = token[eq + 1:]
        self.values = values

    def get(self, name: str) -> str | None:
        v = self.values.get(name)
        if v is None:
            return None
        return _unescape_interp(v) if "id" in name else v


class Lookups:
    """The look-ups of one aureport run (numeric, or interpreted with -i)."""

    def __init__(self, interpret: bool):
        self.interpret = interpret
        self.users = UserNames()
        self._syscalls = None
        self._arches = None

    # uid ---------------------------------------------------------------
    def uid(self, uid: int, interp: Interpretations | None = None) -> str:
        if not self.interpret:
            return str(signed(uid))
        uid &= U32
        if uid == UNSET_UID:
            return "unset"
        if interp is not None:
            name = interp.get("auid")
            if name is not None:
                return name
        name = self.users.name(uid)
        if name is not None:
            return name
        return f"unknown({signed(uid)})"

    # syscall -------------------------------------------------------------
    def _tables(self):
        if self._syscalls is None:
            try:
                from ..tables.arches import AUDIT_ARCH_NAMES
                from ..tables.syscalls import SYSCALL_NAMES
            except ImportError:     # tables not generated: numbers only
                AUDIT_ARCH_NAMES, SYSCALL_NAMES = {}, {}
            self._arches = AUDIT_ARCH_NAMES
            self._syscalls = SYSCALL_NAMES
        return self._arches, self._syscalls

    def syscall(self, s: SearchItems, interp: Interpretations | None = None) -> str:
        if not self.interpret:
            return str(s.syscall)
        if interp is not None:
            name = interp.get("syscall")
            if name is not None:
                return name
        arches, syscalls = self._tables()
        arch = arches.get(s.arch & U32)
        if arch is None:
            return "?"
        name = syscalls.get(arch, {}).get(s.syscall)
        if name is None:
            return str(s.syscall)
        func = None
        if name in ("socketcall", "ipc") and s.a0 is not None:
            a0 = c_strtoul(s.a0, 16)[0]
            func = (SOCKETCALLS if name == "socketcall" else IPCCALLS).get(a0)
        return f"{name}({func})" if func else name


SOCKETCALLS = {1: "socket", 2: "bind", 3: "connect", 4: "listen", 5: "accept",
               6: "getsockname", 7: "getpeername", 8: "socketpair", 9: "send",
               10: "recv", 11: "sendto", 12: "recvfrom", 13: "shutdown",
               14: "setsockopt", 15: "getsockopt", 16: "sendmsg", 17: "recvmsg",
               18: "accept4", 19: "recvmmsg", 20: "sendmmsg"}
IPCCALLS = {1: "semop", 2: "semget", 3: "semctl", 4: "semtimedop", 11: "msgsnd",
            12: "msgrcv", 13: "msgget", 14: "msgctl", 21: "shmat", 22: "shmdt",
            23: "shmget", 24: "shmctl"}


# --- escaping -------------------------------------------------------------
_SH_SET = frozenset("\"'`$\\!()| ")
_QUOTE_SET = frozenset("\"'`$\\!()| ;#&*?[]<>{}")
MAX_MESSAGE = 8970


def _octal(c: str) -> str:
    o = ord(c)
    return "\\" + chr(48 + ((o & 0o300) >> 6)) + chr(48 + ((o & 0o70) >> 3)) + chr(48 + (o & 7))


class Escaper:
    """safe_print_string of the reference for one --escape mode."""

    def __init__(self, mode: EscapeMode = EscapeMode.TTY):
        self.mode = mode

    def __call__(self, s: str | None) -> str:
        if s is None:
            return "(null)"
        if len(s) > MAX_MESSAGE:
            s = s[:MAX_MESSAGE]
        mode = self.mode
        if mode is EscapeMode.RAW:
            return s
        if mode is EscapeMode.TTY:
            if not any(c < " " for c in s):
                return s
            return "".join(_octal(c) if c < " " else c for c in s)
        table = _SH_SET if mode is EscapeMode.SHELL else _QUOTE_SET
        if not any(c < " " or c in table or c >= "\x80" for c in s):
            return s
        return "".join(_octal(c) if c < " " else ("\\" + c if c in table else c) for c in s)


# --- TTY data -----------------------------------------------------------
def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


def tty_data(value: str) -> str:
    """print_tty_data: hex keystrokes as ``"text",<key>,...``."""
    if not _is_hex(value):
        return value
    n = 0
    while n < len(value) and value[n] in "0123456789abcdefABCDEF":
        n += 1
    if n < 2:
        return f"conversion error({value})"
    hexpart = value[:n] + ("0" if n % 2 else "")
    data = bytes.fromhex(hexpart).decode("latin-1")[:len(value) // 2]
    out: list[str] = []
    in_printable = False
    need_comma = False
    i = 0
    while i < len(data):
        c = data[i]
        name = None
        if not (c >= " " and (c < "\x7f" or c >= "\xa0")):
            rest = len(data) - i
            for seq, nm in TTY_NAMED_KEYS:
                if len(seq) <= rest and data.startswith(seq, i):
                    name = nm
                    i += len(seq)
                    break
        if name is not None:
            if in_printable:
                out.append('"')
                in_printable = False
            if need_comma:
                out.append(",")
            out.append(f"<{name}>")
        else:
            if not in_printable:
                if need_comma:
                    out.append(",")
                out.append('"')
                in_printable = True
            o = ord(c)
            if o < 0x20 or o > 0x7E:
                out.append(_octal(c) if o < 0x100 else c)
            else:
                if c in '\\"':
                    out.append("\\")
                out.append(c)
            i += 1
        need_comma = True
    if in_printable:
        out.append('"')
    return "".join(out)
