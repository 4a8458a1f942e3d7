"""Primitives of the reference's record scan: search items and value reading.

``SearchItems`` holds what one event offers to the criteria; ``ScanBase``
has the helpers the record parsers share (find a field from a position,
read a number like C ``strtoul``, decode quoted or hex strings).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from ..event import c_strtoul

U32 = 0xffffffff
LOGINUID_UNSET = U32 - 1
NAME_OFFSET = 28
KEY_SEPARATOR = "\x01"
_HEX = frozenset("0123456789abcdefABCDEF")


def _u32(v: int) -> int:
    return v & U32


def _s32(v: int) -> int:
    v &= U32
    return v - (1 << 32) if v >= 1 << 31 else v


class AvcResult(enum.IntEnum):
    """What an AVC said (aureport -a prints it)."""

    UNSET = 0
    DENIED = 1
    GRANTED = 2


@dataclass
class AvcEntry:
    scontext: str | None = None
    tcontext: str | None = None
    result: AvcResult = AvcResult.UNSET
    perm: str | None = None         # the text between the braces
    cls: str | None = None          # tclass=


class SearchItems:
    """The searchable values of one event (the reference's search_items).

    ausearch matches on them, aureport reports them; unset values are the
    reference's (-1, (uid_t)-1, (uid_t)-2 for the login uid...).  The
    defaults live on the class, so a new (mostly unset) instance is cheap;
    the parsers assign what they find.
    """

    FIELDS = ("ppid", "pid", "uid", "euid", "loginuid", "gid", "egid", "success", "arch",
              "syscall", "session", "exit", "exit_set", "hostname", "filenames", "cwd", "exe",
              "keys", "terminal", "comm", "avc", "acct", "uuid", "vmname", "tuid", "teuid",
              "tauid", "a0", "parent_names")

    ppid: int = -1
    pid: int = -1
    uid: int = U32
    euid: int = U32
    loginuid: int = LOGINUID_UNSET
    gid: int = U32
    egid: int = U32
    success: int = -1
    arch: int = 0
    syscall: int = 0
    session: int = U32 - 1
    exit: int = 0
    exit_set: bool = False
    hostname: str | None = None
    filenames: list[str] | None = None
    cwd: str | None = None
    exe: str | None = None
    keys: list[str] | None = None
    terminal: str | None = None
    comm: str | None = None
    avc: list[AvcEntry] | None = None
    acct: str | None = None
    uuid: str | None = None
    vmname: str | None = None
    tuid: str | None = None
    teuid: str | None = None
    tauid: str | None = None
    a0: str | None = None               # SYSCALL a0 text (aureport -i socketcall/ipc names)
    # indexes into filenames of PATH items whose text after "type=" is
    # PARENT (aureport -f shows the first other name)
    parent_names: list[int] | None = None

    def __repr__(self) -> str:
        return "SearchItems(%s)" % ", ".join(f"{n}={getattr(self, n)!r}" for n in self.FIELDS
                                             if n in self.__dict__)

    def add_avc(self, entry: AvcEntry) -> None:
        if self.avc is None:
            self.avc = []
        self.avc.append(entry)


class Malformed(Exception):
    def __init__(self, rc: int):
        self.rc = rc


def unescape(m: str, pos: int) -> str | None:
    """Decode the hex (or ``(...)``) value at ``pos``; None if there is none."""
    if m.startswith("(", pos):
        close = m.find(")", pos)
        if close < 0:
            return None
        return m[pos:close + 1]
    end = pos
    n = len(m)
    while end < n and m[end] in _HEX:
        end += 1
    if end == pos:
        return None
    text = m[pos:end]
    if len(text) < 2:
        return None
    if len(text) % 2:
        text += "0"
    out = bytes.fromhex(text).decode("latin-1")
    nul = out.find("\0")
    return out if nul < 0 else out[:nul]


def _unescape_bytes(m: str, p: int) -> bytes | None:
    """Like unescape but keeps NUL bytes (for sockaddr structures)."""
    if m.startswith("(", p):
        close = m.find(")", p)
        return None if close < 0 else m[p:close + 1].encode("latin-1")
    q = p
    while q < len(m) and m[q] in _HEX:
        q += 1
    text = m[p:q]
    if len(text) < 2:
        return None
    if len(text) % 2:
        text += "0"
    return bytes.fromhex(text)


class ScanBase:
    """Helpers shared by the record parsers."""

    @staticmethod
    def _field_num(m: str, key: str, start: int, rc_missing: int | None, rc_noterm: int,
                   base: int = 10):
        """Find ``key`` from ``start``; value up to the next space.

        Returns (value, term) or None when absent and optional.
        """
        i = m.find(key, start)
        if i < 0:
            if rc_missing is None:
                return None
            raise Malformed(rc_missing)
        p = i + len(key)
        term = m.find(" ", p)
        if term < 0:
            raise Malformed(rc_noterm)
        v, err = c_strtoul(m[p:term], base)
        if err:
            raise Malformed(rc_noterm + 1)
        return v, term

    @staticmethod
    def _quoted_or_hex(m: str, p: int, rc: int):
        """Value at ``p``: (text or None, term position)."""
        if m.startswith('"', p):
            p += 1
            term = m.find('"', p)
            if term < 0:
                raise Malformed(rc)
            return m[p:term], term
        return unescape(m, p), p
