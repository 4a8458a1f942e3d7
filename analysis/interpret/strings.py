"""Untrusted strings: quoted or hex-encoded values (path, comm, exe, proctitle, TTY data...).

The reference decodes hex in place with a few quirks kept here on purpose: a
value is decoded up to its first non-hex character, an odd last digit becomes
the high nibble of a final byte, the result ends at its first NUL byte
(except proctitle, whose NUL separators become spaces), ``(null)``-style
values stay as they are and a leading ``00`` (abstract unix socket names) is
dropped.  All text is latin-1 (one char per byte).
"""
from __future__ import annotations

import re

from ..tables.tty import TTY_NAMED_KEYS as _TTY_KEY_BYTES

# The generated table as latin-1 text (one char per byte), in match order.
TTY_NAMED_KEYS: tuple[tuple[str, str], ...] = tuple(
    (seq.decode("latin-1"), name) for seq, name in _TTY_KEY_BYTES.items())

_HEX = "0123456789ABCDEF"
_HEX_PREFIX = re.compile(r"[0-9a-fA-F]*")


def is_hex_string(text: str) -> bool:
    return _HEX_PREFIX.match(text).end() == len(text)


def _nibble(ch: str) -> int:
    i = _HEX.find(ch.upper())
    return 0 if i < 0 else i


def unescape_buffer(value: str) -> str | None:
    """The reference's hex decoding buffer (bytes as chars), or None.

    Like the C code, the decoded bytes are followed by a NUL, NUL padding up
    to ``len(value) // 2`` and then whatever the copied hex text left in the
    buffer.  ``(text)`` values come back up to their ``)``; a value with
    fewer than two leading hex digits gives None.
    """
    if value.startswith("("):
        end = value.find(")")
        return None if end < 0 else value[:end + 1] + "\0"
    hexlen = _HEX_PREFIX.match(value).end()
    if hexlen < 2:
        return None
    if hexlen % 2:
        decoded = (bytes.fromhex(value[:hexlen - 1]).decode("latin-1")
                   + chr(_nibble(value[hexlen - 1]) << 4))
    else:
        decoded = bytes.fromhex(value[:hexlen]).decode("latin-1")
    out = len(decoded)
    copy = value[:hexlen] + "\0" * (len(value) + 1 - hexlen)
    zero_end = max(len(value) // 2 + 1, out + 1)
    return decoded + "\0" * (zero_end - out) + copy[zero_end:]


def c_string(buf: str) -> str:
    """The text up to the first NUL."""
    end = buf.find("\0")
    return buf if end < 0 else buf[:end]


def unescape(value: str) -> str | None:
    """Hex-decode as the reference does; None when it cannot."""
    buf = unescape_buffer(value)
    return None if buf is None else c_string(buf)


def print_escaped(value: str | None) -> str:
    """An untrusted string field: quoted text without its quotes, else hex-decoded."""
    if value is None:
        return " "
    if value.startswith('"'):
        end = value.find('"', 1)
        return " " if end < 0 else value[1:end]
    out = unescape(value[2:] if value.startswith("00") else value)
    return value if out is None else out


def print_proctitle(value: str) -> str:
    """proctitle=: like print_escaped, with the NUL argument separators made spaces."""
    if value.startswith('"'):
        return print_escaped(value)
    buf = unescape_buffer(value[2:] if value.startswith("00") else value)
    if buf is None:
        return value
    limit = len(value) // 2
    return c_string(buf[:limit].replace("\0", " ") + buf[limit:])


def _tty_char(ch: str) -> str:
    code = ord(ch)
    if code < 0x20 or code > 0x7E:
        return "\\%03o" % code
    return "\\" + ch if ch in '\\"' else ch


def _named_key(data: str, pos: int) -> tuple[str, int] | None:
    first = data[pos]
    if first >= " " and (first < "\x7f" or first >= "\xa0"):
        return None
    for seq, name in TTY_NAMED_KEYS:
        if data.startswith(seq, pos):
            return name, pos + len(seq)
    return None


def print_tty_data(value: str) -> str | None:
    """data= of TTY records: ``"printable",<key-name>,...``; None when undecodable."""
    if not is_hex_string(value):
        return value
    buf = unescape_buffer(value)
    if buf is None:
        return None
    data = buf[:len(value) // 2]
    parts: list[str] = []
    in_text = False
    pos = 0
    while pos < len(data):
        named = _named_key(data, pos)
        if named is not None:
            if in_text:
                parts.append('"')
                in_text = False
            if parts:
                parts.append(",")
            parts.append("<" + named[0] + ">")
            pos = named[1]
        else:
            if not in_text:
                if parts:
                    parts.append(",")
                parts.append('"')
                in_text = True
            parts.append(_tty_char(data[pos]))
            pos += 1
    if in_text:
        parts.append('"')
    return "".join(parts)


PATH_MAX = 4096


class _PathNormalizer:
    """The reference's path_norm: '.'/'..'/'//' removal in a static buffer.

    Faithful to its quirks: the buffer is reused between calls and is only
    NUL-terminated after a component is copied, so ``/a/b/..`` gives
    ``/a/b`` and ``/`` gives whatever the previous call left.
    """

    def __init__(self) -> None:
        self.working = bytearray(PATH_MAX)

    def __call__(self, name: str) -> str | None:
        if not name:
            return None
        if name.startswith("."):
            return name
        buf = self.working
        data = name.encode("latin-1")
        dest = 0
        start = 0
        n = len(data)
        while start < n:
            while start < n and data[start] == 0x2F:
                start += 1
            end = start
            while end < n and data[end] != 0x2F:
                end += 1
            size = end - start
            if size == 0:
                break
            part = data[start:end]
            if part == b".":
                pass
            elif part == b"..":
                if dest > 1:
                    dest -= 1
                    while dest > 0 and buf[dest - 1] != 0x2F:
                        dest -= 1
            else:
                if dest == 0 or buf[dest - 1] != 0x2F:
                    buf[dest] = 0x2F
                    dest += 1
                if dest + size >= PATH_MAX:
                    buf[dest] = 0
                    break
                buf[dest:dest + size] = part
                dest += size
                buf[dest] = 0
            start = end
        return c_string(bytes(buf).decode("latin-1"))


_path_norm = _PathNormalizer()


def realpath_text(value: str, cwd: str | None) -> str:
    """A file name made absolute with the event's cwd (raw field values), as the
    reference's csv/text formats show it (auparse_interpret_realpath)."""
    if cwd is None:
        return print_escaped(value)
    name = print_escaped(value)
    if not name.startswith("/"):
        joined = print_escaped(cwd) + "/" + name
    elif ".." not in name:
        return name
    else:
        joined = name
    out = _path_norm(joined)
    return joined if out is None else out
