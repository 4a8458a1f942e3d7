"""User and group ids: uid=/gid= and friends, set*id arguments, ses=.

Names come from the local databases (``pwd``/``grp``) through a small cache;
``NameLookup`` can be given fixed tables instead (tests, other machines).
``-1`` is ``unset``, ``0`` is always ``root``, an id without a name prints
``unknown(N)`` (N as a signed 32-bit number, as the reference prints it).
"""
from __future__ import annotations

import grp
import pwd
from typing import Callable, Mapping

from .cnum import ConversionError, s32, strtoul, u32

UNSET_ID = 0xFFFFFFFF


def _local_text(name: str) -> str:
    """A name from the C library as latin-1 text (bytes preserved)."""
    return name.encode("utf-8", "surrogateescape").decode("latin-1")


def _passwd_name(uid: int) -> str | None:
    try:
        return _local_text(pwd.getpwuid(uid).pw_name)
    except (KeyError, OverflowError):
        return None


def _group_name(gid: int) -> str | None:
    try:
        return _local_text(grp.getgrgid(gid).gr_name)
    except (KeyError, OverflowError):
        return None


class NameLookup:
    """uid/gid -> name with a cache.

    ``users``/``groups``: fixed tables to use instead of the local databases.
    """

    def __init__(self, users: Mapping[int, str] | None = None,
                 groups: Mapping[int, str] | None = None, cache_size: int = 1024):
        self._user_source: Callable[[int], str | None] = (
            users.get if users is not None else _passwd_name)
        self._group_source: Callable[[int], str | None] = (
            groups.get if groups is not None else _group_name)
        self._users: dict[int, str | None] = {}
        self._groups: dict[int, str | None] = {}
        self._cache_size = cache_size

    def _cached(self, cache: dict, source: Callable[[int], str | None], key: int) -> str | None:
        if key in cache:
            return cache[key]
        if len(cache) >= self._cache_size:
            cache.pop(next(iter(cache)))
        name = cache[key] = source(key)
        return name

    def user(self, uid: int) -> str:
        return self._format(uid, self._users, self._user_source)

    def group(self, gid: int) -> str:
        return self._format(gid, self._groups, self._group_source)

    def _format(self, number: int, cache: dict, source) -> str:
        number = u32(number)
        if number == UNSET_ID:
            return "unset"
        if number == 0:
            return "root"
        name = self._cached(cache, source, number)
        return name if name is not None else f"unknown({s32(number)})"


def print_uid(value: str, lookup: NameLookup, base: int = 10) -> str:
    try:
        return lookup.user(strtoul(value, base))
    except ConversionError:
        return f"conversion error({value})"


def print_gid(value: str, lookup: NameLookup, base: int = 10) -> str:
    try:
        return lookup.group(strtoul(value, base))
    except ConversionError:
        return f"conversion error({value})"


def print_session(value: str) -> str:
    return "unset" if value == "4294967295" else value
