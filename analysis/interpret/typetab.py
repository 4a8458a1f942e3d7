"""Which interpretation a field gets: by field name, with record-type overrides.

The name table is auparse's typetab (generated: tables.interp_types); the
overrides are the reference's double uses of a field name (EXECVE ``aN`` are
strings, PATH ``flags`` are lookup flags, AVC ``saddr`` is left alone...).
"""
from __future__ import annotations

import enum

from ..tables.interp_types import FIELD_INTERP_TYPES
from ..tables.msgtypes import MSG_TYPE_NUMBERS
from .strings import is_hex_string


class FieldType(enum.Enum):
    UNCLASSIFIED = "unclassified"
    UID = "uid"
    GID = "gid"
    SYSCALL = "syscall"
    ARCH = "arch"
    EXIT = "exit"
    ESCAPED = "escaped"
    PERM = "perm"
    MODE = "mode"
    SOCKADDR = "sockaddr"
    FLAGS = "flags"
    PROMISC = "promisc"
    CAPABILITY = "capability"
    SUCCESS = "success"
    A0 = "a0"
    A1 = "a1"
    A2 = "a2"
    A3 = "a3"
    SIGNAL = "signal"
    LIST = "list"
    TTY_DATA = "tty_data"
    SESSION = "session"
    CAP_BITMAP = "cap_bitmap"
    NFPROTO = "nfproto"
    ICMPTYPE = "icmptype"
    PROTOCOL = "protocol"
    ADDR = "addr"
    PERSONALITY = "personality"
    SECCOMP = "seccomp"
    OFLAG = "oflag"
    MMAP = "mmap"
    MODE_SHORT = "mode_short"
    MAC_LABEL = "mac_label"
    PROCTITLE = "proctitle"
    HOOK = "hook"
    NETACTION = "netaction"
    MACPROTO = "macproto"
    IOCTL_REQ = "ioctl_req"
    ESCAPED_KEY = "escaped_key"
    ESCAPED_FILE = "escaped_file"
    FANOTIFY = "fanotify"
    NLMCGRP = "nlmcgrp"
    RESOLVE = "resolve"


FIELD_TYPES: dict[str, FieldType] = {
    name: FieldType(kind) for name, kind in FIELD_INTERP_TYPES.items()}


def _type(name: str) -> int:
    return MSG_TYPE_NUMBERS[name]


EXECVE = _type("EXECVE")
AVC = _type("AVC")
USER_TTY = _type("USER_TTY")
NETFILTER_PKT = _type("NETFILTER_PKT")
PATH = _type("PATH")
MQ_OPEN = _type("MQ_OPEN")
CRYPTO_KEY_USER = _type("CRYPTO_KEY_USER")
GROUP_RECORDS = frozenset({_type("ADD_GROUP"), _type("GRP_MGMT"), _type("DEL_GROUP")})
TRUSTED_APP = _type("TRUSTED_APP")
KERN_MODULE = _type("KERN_MODULE")
SYSCALL = _type("SYSCALL")
SECCOMP = _type("SECCOMP")


_VALUE_DEPENDENT = frozenset({"acct"})
_CACHE: dict[int, dict[str, FieldType]] = {}


def field_type(record_type: int, name: str, value: str) -> FieldType:
    """The interpretation of field ``name`` (value ``value``) in a record of ``record_type``."""
    cache = _CACHE.get(record_type)
    if cache is None:
        cache = _CACHE[record_type] = {}
    kind = cache.get(name)
    if kind is not None:
        return kind
    kind = _field_type(record_type, name, value)
    if name not in _VALUE_DEPENDENT and record_type != TRUSTED_APP and len(cache) < 1024:
        cache[name] = kind
    return kind


def _field_type(record_type: int, name: str, value: str) -> FieldType:
    if record_type == EXECVE and name.startswith("a") and name != "argc" and "_len" not in name:
        return FieldType.ESCAPED
    if record_type == AVC and name == "saddr":
        return FieldType.UNCLASSIFIED
    if record_type == USER_TTY and name == "msg":
        return FieldType.ESCAPED
    if record_type == NETFILTER_PKT and name == "saddr":
        return FieldType.ADDR
    if name == "acct":
        if value.startswith('"') or is_hex_string(value):
            return FieldType.ESCAPED
        return FieldType.UNCLASSIFIED
    if record_type == PATH and name == "flags":
        return FieldType.FLAGS
    if record_type == MQ_OPEN and name == "mode":
        return FieldType.MODE_SHORT
    if record_type == CRYPTO_KEY_USER and name == "fp":
        return FieldType.UNCLASSIFIED
    if name == "id" and record_type in GROUP_RECORDS:
        return FieldType.GID
    if record_type == TRUSTED_APP:
        if value.startswith('"'):
            return FieldType.ESCAPED
        if value.isdigit() and value.isascii() or value == "":
            return FieldType.UNCLASSIFIED
        if is_hex_string(value):
            return FieldType.ESCAPED
        return FieldType.UNCLASSIFIED
    if record_type == KERN_MODULE and name == "name":
        return FieldType.ESCAPED
    return FIELD_TYPES.get(name, FieldType.UNCLASSIFIED)
