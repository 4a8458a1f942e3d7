"""C number parsing as the reference does it (glibc strtoul/strtol), and C casts.

The reference parses field values with ``strtoul(val, NULL, base)`` and friends:
leading blanks and a sign are accepted, parsing stops at the first character
that is not a digit (``"12abc"`` is 12, ``"abc"`` is 0), base 16 takes an
optional ``0x``; only overflow is an error (``errno = ERANGE``), which the
interpreters print as ``conversion error(VALUE)``.
"""
from __future__ import annotations

import re

ULONG_MAX = (1 << 64) - 1
LONG_MAX = (1 << 63) - 1
LONG_MIN = -(1 << 63)
_SPACES = " \t\n\v\f\r"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class ConversionError(ValueError):
    """strtoul/strtol overflow (ERANGE)."""


def _scan(text: str, base: int) -> tuple[bool, int]:
    """(negative, magnitude) of the number text starts with."""
    i, n = 0, len(text)
    while i < n and text[i] in _SPACES:
        i += 1
    negative = False
    if i < n and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    if (base == 16 and i + 2 < n + 1 and text[i:i + 2].lower() == "0x"
            and i + 2 < n and _digit(text[i + 2]) < 16):
        i += 2
    value = 0
    while i < n:
        d = _digit(text[i])
        if d >= base:
            break
        value = value * base + d
        i += 1
    return negative, value


def _digit(ch: str) -> int:
    d = _DIGITS.find(ch.lower()) if ch.isascii() else -1
    return 99 if d < 0 else d


_PLAIN = {10: re.compile(r"[0-9]{1,19}").fullmatch, 16: re.compile(r"[0-9a-fA-F]{1,16}").fullmatch}


def strtoul(text: str, base: int = 10) -> int:
    """glibc strtoul on LP64 (also strtoull).  Raises ConversionError on overflow."""
    plain = _PLAIN.get(base)
    if plain is not None and plain(text):
        return int(text, base)
    negative, value = _scan(text, base)
    if value > ULONG_MAX:
        raise ConversionError(text)
    return (-value) & ULONG_MAX if negative else value


def strtol(text: str, base: int = 10) -> int:
    """glibc strtol on LP64 (also strtoll).  Raises ConversionError on overflow."""
    plain = _PLAIN.get(base)
    if plain is not None and plain(text):
        value = int(text, base)
    else:
        negative, value = _scan(text, base)
        value = -value if negative else value
    if not LONG_MIN <= value <= LONG_MAX:
        raise ConversionError(text)
    return value


def s32(value: int) -> int:
    """C cast to int."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def u32(value: int) -> int:
    """C cast to unsigned int."""
    return value & 0xFFFFFFFF


def s64(value: int) -> int:
    """C cast to long long."""
    value &= ULONG_MAX
    return value - (1 << 64) if value & (1 << 63) else value
