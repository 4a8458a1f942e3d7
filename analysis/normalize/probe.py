"""The installed libauparse.so.0's normalizer (``auparse_normalize``), driven
through ctypes with synthetic log text.

Used by ``gen_maps`` (to derive the normalizer's tables from the library on
this machine) and by tests (as an oracle).  Nothing here is needed at run
time by ausearch.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass

SONAME = "libauparse.so.0"
AUSOURCE_BUFFER = 3          # auparse.h ausource_t
NORM_OPT_ALL = 0             # auparse-defs.h normalize_option_t
NORM_OPT_NO_ATTRS = 1
AUPARSE_TYPE_UID = 1         # auparse-defs.h auparse_type_t
AUPARSE_TYPE_GID = 2


class ProbeUnavailable(Exception):
    """libauparse cannot be loaded on this machine."""


@dataclass(frozen=True)
class Normalization:
    """What ``auparse_normalize`` says about the first event of a buffer."""
    action: str | None
    object_kind: str | None
    event_kind: str | None
    how: str | None
    obj2_type: int | None     # auparse field type of the object's second primary field


def _text(ptr: bytes | None) -> str | None:
    return None if ptr is None else ptr.decode("latin-1")


class LibAuparse:
    """ctypes binding of the handful of libauparse calls the probes need."""

    def __init__(self, soname: str | None = None):
        name = soname or ctypes.util.find_library("auparse") or SONAME
        try:
            lib = ctypes.CDLL(name)
        except OSError as exc:
            raise ProbeUnavailable(f"libauparse not loadable ({name}): {exc}") from None
        vp, cp, ci = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        lib.auparse_init.restype = vp
        lib.auparse_init.argtypes = [ci, cp]
        for fn in ("auparse_next_event", "auparse_destroy", "auparse_normalize_object_primary2",
                   "auparse_get_field_type"):
            getattr(lib, fn).argtypes = [vp]
        lib.auparse_normalize.argtypes = [vp, ci]
        for fn in ("auparse_normalize_get_action", "auparse_normalize_object_kind",
                   "auparse_normalize_get_event_kind", "auparse_normalize_how"):
            getattr(lib, fn).argtypes = [vp]
            getattr(lib, fn).restype = cp
        self.lib = lib
        self.name = name

    def normalize(self, lines: list[str], opt: int = NORM_OPT_ALL) -> Normalization | None:
        """Normalize the first event of ``lines`` (log lines without newlines);
        None when the library finds no event or refuses to normalize it."""
        lib = self.lib
        buf = ("\n".join(lines) + "\n").encode("latin-1")
        au = lib.auparse_init(AUSOURCE_BUFFER, buf)
        if not au:
            return None
        try:
            if lib.auparse_next_event(au) != 1 or lib.auparse_normalize(au, opt) != 0:
                return None
            action = _text(lib.auparse_normalize_get_action(au))
            kind = _text(lib.auparse_normalize_object_kind(au))
            evkind = _text(lib.auparse_normalize_get_event_kind(au))
            how = _text(lib.auparse_normalize_how(au))
            obj2_type = (lib.auparse_get_field_type(au)
                         if lib.auparse_normalize_object_primary2(au) == 1 else None)
            return Normalization(action, kind, evkind, how, obj2_type)
        finally:
            lib.auparse_destroy(au)


def syscall_event(arch: int, number: int, serial: int = 1, success: bool = True,
                  mode: str = "0100644") -> list[str]:
    """A SYSCALL event of a file/socket-touching call: SOCKADDR, CWD, a
    PARENT and a CREATE PATH (file mode ``mode``, octal text), PROCTITLE --
    every record some syscall kind reads."""
    stamp = f"audit(1700000000.000:{serial})"
    ok = "yes exit=0" if success else "no exit=-13"
    return [
        f"type=SYSCALL msg={stamp}: arch={arch:x} syscall={number} success={ok} "
        "a0=3 a1=1ed a2=0 a3=0 items=2 ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 "
        'fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="c" exe="/usr/bin/c" key="k"',
        f"type=SOCKADDR msg={stamp}: saddr=020000507F0000010000000000000000",
        f'type=CWD msg={stamp}: cwd="/root"',
        f'type=PATH msg={stamp}: item=0 name="/tmp" inode=1 dev=fd:00 mode=040755 ouid=0 '
        "ogid=0 rdev=00:00 nametype=PARENT",
        f'type=PATH msg={stamp}: item=1 name="f" inode=2 dev=fd:00 mode={mode} ouid=0 '
        "ogid=0 rdev=00:00 nametype=CREATE",
        f"type=PROCTITLE msg={stamp}: proctitle=63",
    ]


def single_record_event(type_name: str, serial: int = 1) -> list[str]:
    """A one-record event of type ``type_name`` with the fields most record
    kinds carry (and no ``op=``, which some paths turn into the action)."""
    stamp = f"audit(1700000000.000:{serial})"
    return [f"type={type_name} msg={stamp}: pid=2 uid=0 auid=1000 ses=3 "
            "msg='acct=\"root\" exe=\"/usr/bin/c\" hostname=? addr=? terminal=pts/0 res=success'"]
