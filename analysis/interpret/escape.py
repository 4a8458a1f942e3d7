"""Output escaping of interpreted values (``ausearch --escape raw|tty|shell|shell_quote``).

tty (the default) writes control characters (< 0x20) as ``\\ooo``; shell also
backslash-escapes ``"'`$\\!()| `` and shell_quote ``"'`$\\!()| ;#&*?[]<>{}``.
"""
from __future__ import annotations

import enum

KEY_SEPARATOR = "\x01"
_SHELL_SET = frozenset("\"'`$\\!()| ")
_QUOTE_SET = frozenset("\"'`$\\!()| ;#&*?[]<>{}")


class EscapeMode(enum.Enum):
    RAW = "raw"
    TTY = "tty"
    SHELL = "shell"
    SHELL_QUOTE = "shell_quote"

    @classmethod
    def parse(cls, text: str) -> "EscapeMode":
        """The mode named ``text``; raises ValueError for an unknown name."""
        return cls(text)


_CONTROLS = {chr(c): "\\%03o" % c for c in range(32)}
ESCAPE_TABLES = {
    EscapeMode.TTY: str.maketrans(_CONTROLS),
    EscapeMode.SHELL: str.maketrans({**_CONTROLS, **{ch: "\\" + ch for ch in _SHELL_SET}}),
    EscapeMode.SHELL_QUOTE: str.maketrans({**_CONTROLS, **{ch: "\\" + ch for ch in _QUOTE_SET}}),
}


def escape(text: str, mode: EscapeMode) -> str:
    """``text`` escaped for ``mode`` (unchanged in raw mode)."""
    table = ESCAPE_TABLES.get(mode)
    return text if table is None else text.translate(table)


def escape_key(text: str, mode: EscapeMode) -> str:
    """Escape each part of a key list (parts joined by ``\\x01``) on its own."""
    return KEY_SEPARATOR.join(escape(part, mode) for part in text.split(KEY_SEPARATOR))
