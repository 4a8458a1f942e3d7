"""File modes, permissions and capabilities: mode=, perm=, cap_*=, capability=."""
from __future__ import annotations

from ..tables import capabilities, flags
from .cnum import ConversionError, s32, strtol, strtoul, u32

S_IFMT = 0o170000
AUDIT_PERM_EXEC, AUDIT_PERM_WRITE, AUDIT_PERM_READ, AUDIT_PERM_ATTR = 1, 2, 4, 8


def conversion_error(value: str) -> str:
    return f"conversion error({value})"


def mode_text(mode: int) -> str:
    """``file,755``, ``dir,sticky,777``, ``000,644`` for an unknown file type."""
    mode = u32(mode)
    text = flags.FILE_TYPES.get(mode & S_IFMT)
    if text is None:
        text = "%03o" % ((mode & S_IFMT) // 0o10000)
    if mode & 0o4000:
        text += ",suid"
    if mode & 0o2000:
        text += ",sgid"
    if mode & 0o1000:
        text += ",sticky"
    return "%s,%03o" % (text, mode & 0o777)


def mode_short_text(mode: int) -> str:
    """``0644``, ``suid,sgid,0755``."""
    mode = u32(mode)
    special = [name for bit, name in ((0o4000, "suid"), (0o2000, "sgid"), (0o1000, "sticky"))
               if mode & bit]
    octal = "0%03o" % (mode & 0o777)
    return ",".join(special + [octal])


def print_mode(value: str, base: int = 8) -> str:
    try:
        return mode_text(strtoul(value, base))
    except ConversionError:
        return conversion_error(value)


def print_mode_short(value: str, base: int = 8) -> str:
    try:
        return mode_short_text(strtoul(value, base))
    except ConversionError:
        return conversion_error(value)


def print_perm(value: str) -> str:
    try:
        perm = s32(strtol(value, 10))
    except ConversionError:
        return conversion_error(value)
    if perm == 0:
        perm = 0x0F
    names = [name for bit, name in ((AUDIT_PERM_READ, "read"), (AUDIT_PERM_WRITE, "write"),
                                    (AUDIT_PERM_EXEC, "exec"), (AUDIT_PERM_ATTR, "attr"))
             if perm & bit]
    return ",".join(names)


def print_capability(value: str, base: int = 10) -> str:
    try:
        cap = s32(strtoul(value, base))
    except ConversionError:
        return conversion_error(value)
    name = capabilities.CAPABILITY_NAMES.get(cap)
    if name is not None:
        return name
    return "unknown-capability(%s%s)" % ("0x" if base == 16 else "", value)


def print_cap_bitmap(value: str) -> str:
    try:
        bits = strtoul(value, 16)
    except ConversionError:
        return conversion_error(value)
    names = []
    for cap in range(capabilities.CAP_LAST_CAP + 1):
        if bits >> cap & 1:
            names.append(capabilities.CAP_BITMAP_NAMES.get(cap, ""))
    return ",".join(names) if names else "none"
