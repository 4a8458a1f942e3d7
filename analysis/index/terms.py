"""What the index keeps of each event to narrow a search.

Each column is a *necessary condition* of a match, never the match itself:
the matcher (``search.match``) reads a value for ``-p``/``-pp``, ``-sc``,
``-k``, ``-c`` and ``-x`` only from an occurrence of ``pid=``, ``syscall=``,
``key=``, ``comm=`` or ``exe=`` in the event's text (``ppid=`` contains
``pid=``).  So the index records, for every occurrence of those names
anywhere in the event (substring search, like the reference's ``strstr``),
every way the value can be read:

* numbers as C ``strtoul`` reads them (leading digits, cut to 32 bits,
  signed like the matcher's ``pid_t``/``int``); a value that does not start
  with a digit (a sign, a space, nothing) marks the event "any number",
  which keeps it a candidate for every number;
* strings quoted (the text up to the closing quote), hex-decoded (cut at a
  NUL, like the scan), and as the raw word (the "legacy" unquoted form).

A query value must then occur (as a number, or as a substring of one of
the strings) for the event to be read again; the event's record types,
time, serial and node come from the grouping itself and are exact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..search.scan import U32, unescape

ANY_NUMBER = "*"
SEP = "\n"

_VALUE = re.compile(r'"[^"\n]*|[^ \n]*')
_DIGITS = re.compile(r"[0-9]+")


def _s32(v: int) -> int:
    v &= U32
    return v - (1 << 32) if v >= 1 << 31 else v


@dataclass
class EventTerms:
    """The narrowing columns of one event (None: no occurrence)."""

    pids: str | None
    syscalls: str | None
    keys: str | None
    comms: str | None
    exes: str | None


def _number(word_digits) -> str:
    if word_digits is None:
        return ANY_NUMBER
    d = word_digits.group()
    if len(d) < 10:                     # below 2**31: the value itself
        return d if d[0] != "0" or len(d) == 1 else str(int(d))
    return str(_s32(int(d)))


def _numbers(text: str, name: str) -> str | None:
    i = text.find(name)
    if i < 0:
        return None
    n = len(name)
    digits = _DIGITS.match
    found: list[str] = []
    while i >= 0:
        found.append(_number(digits(text, i + n)))
        i = text.find(name, i + 1)
    return "," + ",".join(dict.fromkeys(found)) + ","


def _strings(text: str, name: str) -> str | None:
    i = text.find(name)
    if i < 0:
        return None
    n = len(name)
    value = _VALUE.match
    found: list[str] = []
    while i >= 0:
        p = i + n
        word = value(text, p).group()
        if word[:1] == '"':
            found.append(word[1:])
        else:
            found.append(word)
            decoded = unescape(text, p)
            if decoded:
                found.append(decoded)
        i = text.find(name, i + 1)
    return SEP + SEP.join(dict.fromkeys(found)) + SEP


_FIND_NUMBER = {name: re.compile(name + r"([0-9]*)([^ \n]*)").findall
                for name in ("pid=", "syscall=")}
_FIND_STRING = {name: re.compile(name + r'("[^"\n]*|[^ \n]*)').findall
                for name in ("key=", "comm=", "exe=")}


def _fast_numbers(text: str, name: str) -> str | None | bool:
    """The column from one regex pass; False when a value may hide another
    occurrence (it holds "="), which the careful search must then find."""
    found = _FIND_NUMBER[name](text)
    if not found:
        return None
    values = []
    for digits, rest in found:
        if "=" in rest:
            return False
        if not digits:
            values.append(ANY_NUMBER)
        elif len(digits) < 10 and (digits[0] != "0" or len(digits) == 1):
            values.append(digits)
        else:
            values.append(str(_s32(int(digits))))
    return "," + ",".join(dict.fromkeys(values)) + ","


def _fast_strings(text: str, name: str) -> str | None | bool:
    found = _FIND_STRING[name](text)
    if not found:
        return None
    values = []
    for word in found:
        if "=" in word:
            return False
        if word[:1] == '"':
            values.append(word[1:])
        else:
            if word[:1] == "(" and not word.endswith(")"):
                return False          # its value may run past the word
            values.append(word)
            decoded = unescape(word, 0)
            if decoded:
                values.append(decoded)
    return SEP + SEP.join(dict.fromkeys(values)) + SEP


def event_terms(lines: list[str]) -> EventTerms:
    text = lines[0] if len(lines) == 1 else SEP.join(lines)
    pids = _fast_numbers(text, "pid=")
    syscalls = _fast_numbers(text, "syscall=")
    keys = _fast_strings(text, "key=")
    comms = _fast_strings(text, "comm=")
    exes = _fast_strings(text, "exe=")
    if False in (pids, syscalls, keys, comms, exes):
        return careful_terms(text)
    return EventTerms(pids, syscalls, keys, comms, exes)


def careful_terms(text: str) -> EventTerms:
    """Every occurrence, overlapping ones too (``strstr`` from each position)."""
    return EventTerms(_numbers(text, "pid="), _numbers(text, "syscall="),
                      _strings(text, "key="), _strings(text, "comm="), _strings(text, "exe="))
