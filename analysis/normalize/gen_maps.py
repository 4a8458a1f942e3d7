"""Generate ``maps.py`` (the normalizer's lookup tables) from facts on this
machine: the installed libauparse.so.0 probed through ctypes with synthetic
events (see ``probe``), the installed headers /usr/include/linux/audit.h and
/usr/include/libaudit.h, and the generated ``audix.analysis.tables.msgtypes``.

    python -m audix.analysis.normalize.gen_maps [--check]

``--check`` writes nothing and exits 1 when maps.py differs from what would be
generated; exit 2 when a fact is missing (library, header).

AUDIT_TYPES is not written out whole: maps.py builds it from the generated
tables (``tables.audit_h`` for linux/audit.h, ``tables.msgtypes`` for record
type names) and holds only the ``#define AUDIT_*`` of libaudit.h those lack
(``LIBAUDIT_H_TYPES``: the range macros and the like).

What is probed:
  * SYSCALL_KINDS: a SYSCALL event (SOCKADDR, CWD, two PATHs, PROCTITLE) for
    every syscall name of every architecture ausyscall knows; the action text
    the library gives names the normalizer's kind (``KIND_BY_ACTION``); the
    library's default ("triggered-audit-rule") means the name is unmapped.
  * RECORD_ACTIONS: a one-record event of every record type (named ones, and
    ``UNKNOWN[n]`` for 1000..2999); its action, except for the types whose
    action comes from their own normalizer path (``OWN_PATH_TYPES``).
  * OBJECT_KINDS / EVENT_KINDS: the texts the library returns over all those
    probes (plus syscall probes whose created PATH has each file mode); the
    normalizer's name for each text is ``OBJECT_NAMES`` / ``EVENT_NAMES``.
"""
from __future__ import annotations

import argparse
import pprint
import re
import sys
from pathlib import Path

from ..tables.arches import AUDIT_ARCH_NAMES
from ..tables.audit_h import AUDIT_CONSTANTS
from ..tables.msgtypes import MSG_TYPE_NAMES, MSG_TYPE_NUMBERS
from ..tables.syscalls import SYSCALL_NUMBERS
from .probe import LibAuparse, Normalization, ProbeUnavailable, single_record_event, syscall_event

REGEN = "python -m audix.analysis.normalize.gen_maps"
MAPS = Path(__file__).with_name("maps.py")
HEADERS = (Path("/usr/include/linux/audit.h"), Path("/usr/include/libaudit.h"))

# The normalizer's name (normalizer.py's dispatch) of each action text the
# library gives a syscall; a kind whose action depends on the event lists
# every variant.  set[ug]id & co. behave identically: one kind, IDENTITY.
KIND_BY_ACTION = {
    "opened-file": "FILE",
    "changed-file-attributes-of": "FILE_CHATTR",
    "changed-file-permissions-of": "FILE_CHPERM",
    "changed-file-ownership-of": "FILE_CHOWN",
    "loaded-kernel-module": "FILE_LDMOD",
    "unloaded-kernel-module": "FILE_UNLDMOD",
    "created-directory": "FILE_DIR",
    "mounted": "FILE_MOUNT",
    "renamed": "FILE_RENAME",
    "checked-metadata-of": "FILE_STAT",
    "checked-filesystem-metadata-of": "FILE_SYS_STAT",
    "symlinked": "FILE_LNK",
    "unmounted": "FILE_UMNT",
    "deleted": "FILE_DEL",
    "changed-timestamp-of": "FILE_TIME",
    "executed": "EXEC",
    "accepted-connection-from": "SOCKET_ACCEPT",
    "bound-socket": "SOCKET_BIND",
    "connected-to": "SOCKET_CONN",
    "received-from": "SOCKET_RECV",
    "sent-to": "SOCKET_SEND",
    "killed-pid": "PID",
    "killed-list-of-pids": "PID",
    "changed-identity-of": "IDENTITY",
    "changed-system-time": "SYSTEM_TIME",
    "made-character-device": "MAKE_DEV",
    "made-block-device": "MAKE_DEV",
    "make-device": "MAKE_DEV",
    "changed-system-name": "SYSTEM_NAME",
    "allocated-memory": "SYSTEM_MEMORY",
    "allocated-memory-in": "SYSTEM_MEMORY",
    "adjusted-scheduling-policy-of": "SCHEDULER",
}
# What the library says of a syscall it has no kind for.
UNMAPPED_SYSCALL_ACTION = "triggered-audit-rule"

# Record types whose action the normalizer computes on their own path.
OWN_PATH_TYPES = ("SYSCALL", "NETFILTER_CFG", "BPF", "EVENT_LISTENER")

# The normalizer's name of each object-kind / event-kind text.
OBJECT_NAMES = {
    "account": "ACCT", "audit-config": "AUDIT_CONFIG", "admin-defined-rule": "AUDIT_RULE",
    "block-device": "BLOCK_DEV", "character-device": "CHAR_DEV", "device": "DEVICE",
    "directory": "DIRECTORY", "fifo": "FIFO", "file": "FILE", "file-system": "FILESYSTEM",
    "firewall": "FIREWALL", "keystrokes": "KEYSTROKES", "symlink": "LINK",
    "mac-config": "MAC_CONFIG", "memory": "MEMORY", "printer": "PRINTER", "process": "PROCESS",
    "service": "SERVICE", "socket": "SOCKET", "software": "SOFTWARE", "system": "SYSTEM",
    "unknown": "UNKNOWN", "user-session": "USER_SESSION", "virtual-machine": "VM",
}
EVENT_NAMES = {
    "anomaly": "ANOMALY", "anomaly-response": "ANOMALY_RESP", "audit-daemon": "AUDIT_DAEMON",
    "audit-rule": "AUDIT_RULE", "av-decision": "AV_DECISION", "bpf-program": "BPF",
    "configuration": "CONFIG", "crypto": "CRYPTO", "dac-decision": "DAC_DECISION",
    "group-change": "GROUP_CHANGE", "integrity": "INTEGRITY", "mac": "MAC",
    "mac-decision": "MAC_DECISION", "system-services": "SYSTEM_SERVICES", "TTY": "TTY",
    "unknown": "UNKNOWN", "user-space": "USERSPACE", "user-account": "USER_ACCT",
    "user-login": "USER_LOGIN", "virt": "VIRT",
}
# File modes given to the created PATH of the syscall probes (object kinds by mode).
PATH_MODES = ("0100644", "020644", "060644", "010644", "0120777", "0140777", "040755")
# Architectures tried, in order, for the number of a syscall name.
ARCH_ORDER = ("x86_64", "i386")


class GenError(Exception):
    """A fact the generator needs is missing or unexpected."""


_DEFINE = re.compile(r"^#define\s+(AUDIT_\w+)\s+(\d+)\b", re.M)


def audit_types() -> dict[str, int]:
    """``AUDIT_*`` integer macros of the installed headers, and every record
    type name libaudit knows as ``AUDIT_<name>``."""
    numbers: dict[str, int] = {}
    for path in HEADERS:
        try:
            text = path.read_text(errors="replace")
        except OSError as exc:
            raise GenError(f"cannot read {path}: {exc.strerror}") from None
        for macro, value in _DEFINE.findall(text):
            numbers.setdefault(macro, int(value))
    for name, number in MSG_TYPE_NUMBERS.items():
        numbers.setdefault("AUDIT_" + name, number)
    return numbers


def _msgtype_macros() -> dict[str, int]:
    return {"AUDIT_" + name: number for name, number in MSG_TYPE_NUMBERS.items()}


def libaudit_h_types(numbers: dict[str, int]) -> dict[str, int]:
    """The entries of ``numbers`` (``audit_types()``) that ``AUDIT_CONSTANTS``
    and the record type names do not already give: what maps.py adds to them
    to make AUDIT_TYPES.  A header value ``AUDIT_CONSTANTS`` contradicts is an
    error (maps.py lets ``AUDIT_CONSTANTS`` win)."""
    clash = sorted(k for k, v in numbers.items() if k in AUDIT_CONSTANTS and AUDIT_CONSTANTS[k] != v)
    if clash:
        raise GenError(f"tables.audit_h disagrees with the headers on {', '.join(clash)}: regenerate the tables")
    known = {**_msgtype_macros(), **AUDIT_CONSTANTS}
    return {k: v for k, v in numbers.items() if known.get(k) != v}


def _syscall_probes() -> list[tuple[str, int, int]]:
    """(name, audit arch, number) for every syscall name ausyscall knows."""
    arch_numbers = {name: number for number, name in AUDIT_ARCH_NAMES.items()}
    order = list(ARCH_ORDER) + sorted(set(SYSCALL_NUMBERS) - set(ARCH_ORDER))
    probes = []
    for name in sorted(set().union(*(SYSCALL_NUMBERS[a] for a in order))):
        arch = next(a for a in order if name in SYSCALL_NUMBERS[a])
        probes.append((name, arch_numbers[arch], SYSCALL_NUMBERS[arch][name]))
    return probes


def _record_probes() -> list[tuple[int, str]]:
    numbers = sorted(set(MSG_TYPE_NAMES) | set(range(1000, 3000)))
    return [(n, MSG_TYPE_NAMES.get(n, f"UNKNOWN[{n}]")) for n in numbers]


def _name(table: dict[str, str], text: str | None, what: str) -> str | None:
    if text is None:
        return None
    if text not in table:
        raise GenError(f"the library gave a {what} this generator has no name for: {text!r}")
    return table[text]


def probe_tables(lib: LibAuparse) -> dict[str, dict]:
    syscall_kinds: dict[str, str] = {}
    seen: list[Normalization] = []
    for name, arch, number in _syscall_probes():
        for mode in PATH_MODES:
            for success in (True, False):
                got = lib.normalize(syscall_event(arch, number, success=success, mode=mode))
                if got is None:
                    continue
                seen.append(got)
                if got.action == UNMAPPED_SYSCALL_ACTION or got.action is None:
                    continue
                kind = _name(KIND_BY_ACTION, got.action, "syscall action")
                if syscall_kinds.setdefault(name, kind) != kind:
                    raise GenError(f"{name}: actions of two kinds ({syscall_kinds[name]}, {kind})")
    own = {MSG_TYPE_NUMBERS[n] for n in OWN_PATH_TYPES if n in MSG_TYPE_NUMBERS}
    actions: dict[int, str] = {}
    for number, type_name in _record_probes():
        got = lib.normalize(single_record_event(type_name))
        if got is None:
            continue
        seen.append(got)
        if got.action is not None and number not in own:
            actions[number] = got.action
    objects = {_name(OBJECT_NAMES, g.object_kind, "object kind"): g.object_kind
               for g in seen if g.object_kind is not None}
    events = {_name(EVENT_NAMES, g.event_kind, "event kind"): g.event_kind
              for g in seen if g.event_kind is not None}
    return {"SYSCALL_KINDS": syscall_kinds, "RECORD_ACTIONS": actions,
            "OBJECT_KINDS": objects, "EVENT_KINDS": events}


def generate(lib: LibAuparse | None = None) -> str:
    try:
        lib = lib or LibAuparse()
    except ProbeUnavailable as exc:
        raise GenError(str(exc)) from None
    tables = {"LIBAUDIT_H_TYPES": libaudit_h_types(audit_types()), **probe_tables(lib)}
    unreached_objects = sorted(set(OBJECT_NAMES.values()) - set(tables["OBJECT_KINDS"]))
    unreached_events = sorted(set(EVENT_NAMES.values()) - set(tables["EVENT_KINDS"]))
    out = ['"""Normalizer tables (libauparse\'s normalizer as installed here)."""', "",
           "# Generated by analysis/normalize/gen_maps.py -- do not edit by hand.",
           f"# Regenerate: {REGEN}   (check: {REGEN} --check)",
           "# Sources:",
           "#   LIBAUDIT_H_TYPES: #define AUDIT_* of " + " and ".join(map(str, HEADERS))
           + " that tables.audit_h and tables.msgtypes lack",
           f"#   other tables: {lib.name} through ctypes (auparse_normalize on synthetic events)",
           f"# Object kinds no probe reaches (left out): {', '.join(unreached_objects) or 'none'}",
           f"# Event kinds no probe reaches (left out): {', '.join(unreached_events) or 'none'}",
           "",
           "from ..tables.audit_h import AUDIT_CONSTANTS",
           "from ..tables.msgtypes import MSG_TYPE_NUMBERS",
           ""]
    for name, value in tables.items():
        out.append(f"{name} = " + pprint.pformat(value, width=100, sort_dicts=True))
        out.append("")
        if name == "LIBAUDIT_H_TYPES":
            out += ["# Every AUDIT_* number; for a name given twice linux/audit.h wins, then libaudit.h, then msgtypes.",
                    'AUDIT_TYPES = {**{"AUDIT_" + name: number for name, number in MSG_TYPE_NUMBERS.items()},',
                    "               **LIBAUDIT_H_TYPES, **AUDIT_CONSTANTS}", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gen_maps", description="Regenerate the normalizer's tables.")
    parser.add_argument("--check", action="store_true", help="exit 1 if maps.py differs; write nothing")
    args = parser.parse_args(argv)
    try:
        text = generate()
    except GenError as exc:
        print(f"gen_maps: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = MAPS.read_text() if MAPS.exists() else None
        if current != text:
            print(f"gen_maps: {MAPS} differs; run {REGEN}", file=sys.stderr)
            return 1
        return 0
    MAPS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
