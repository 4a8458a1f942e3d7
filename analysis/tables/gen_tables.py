#!/usr/bin/env python3
"""Generate the lookup-table modules beside this script from facts on this machine.

Run:  python analysis/tables/gen_tables.py [--check] [--out DIR]

Facts used (nothing is copied by hand from the reference's source):
  * ``ausyscall ARCH --dump``                       -> syscall numbers per architecture
  * libaudit.so.1 through ctypes                    -> message types, rule fields, filter
    lists, actions, operators, machines, errno names, file types, fs types
  * libauparse.so.0 through ctypes: the exported ``auparse_do_interpretation`` is fed
    synthetic values and what it prints is recorded -> every name table of ``ausearch -i``
  * kernel/libc headers under /usr/include, values evaluated by the C compiler
    (AUDIT_ARCH_*, AUDIT_* operators, PR_* options, ioctl requests, fs magics ...)
  * candidate *names* are the strings stored in the libraries themselves; a name
    enters a table only when the library maps it
  * Python's ``os.strerror``.

The output is deterministic: same machine, same bytes.  ``--check`` regenerates into
memory and exits 1 when a checked-in module differs; exit 2 when a fact is missing.

Prerequisites (Debian): auditd (ausyscall, libaudit1, libauparse0), a C compiler,
linux-libc-dev, libaudit-dev, libauparse-dev, libdrm-dev (DRM ioctl names), netbase.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

HERE = Path(__file__).resolve().parent
INCLUDE = Path("/usr/include")
REGEN = "python analysis/tables/gen_tables.py"

LIBAUDIT = "libaudit.so.1"
LIBAUPARSE = "libauparse.so.0"
PACKAGES = ("libaudit1", "libauparse0", "auditd", "linux-libc-dev", "libc6-dev", "netbase")

# Headers the generator reads, and the Debian package that ships each.
REQUIRED_HEADERS = {"linux/audit.h": "linux-libc-dev", "libaudit.h": "libaudit-dev",
                    "auparse-defs.h": "libauparse-dev", "libdrm/drm.h": "libdrm-dev"}

# Architectures whose syscall tables we ask ausyscall for (by libaudit machine name).
SYSCALL_ARCHES = ("x86_64", "i386", "aarch64", "armeb", "ppc", "ppc64", "ppc64le", "s390", "s390x")


class GenError(Exception):
    """A fact the generator needs is missing from this machine."""


def missing_prerequisites() -> list[str]:
    """What this machine lacks to regenerate the tables ([] when nothing)."""
    missing = [f"/usr/include/{h} (apt install {pkg})" for h, pkg in REQUIRED_HEADERS.items()
               if not (INCLUDE / h).exists()]
    for tool in ("ausyscall", os.environ.get("CC", "cc")):
        if shutil.which(tool) is None:
            missing.append(f"{tool} (not on PATH)")
    for soname in (LIBAUDIT, LIBAUPARSE):
        try:
            library_path(soname)
        except GenError:
            missing.append(soname)
    return missing


# ---------------------------------------------------------------------------
# Facts: binary strings, headers, the C compiler
# ---------------------------------------------------------------------------

def library_path(soname: str) -> Path:
    for d in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib"):
        p = Path(d) / soname
        if p.exists():
            return p.resolve()
    raise GenError(f"{soname} not found")


def binary_strings(path: Path, minimum: int = 2) -> list[str]:
    """Every NUL-terminated printable ASCII run in a binary (candidate names)."""
    data = path.read_bytes()
    found = {m.group(1).decode("ascii") for m in re.finditer(rb"([\x20-\x7e]{%d,})\x00" % minimum, data)}
    # string pools share tails ("auid" also serves "uid"): offer every suffix, and every
    # identifier-like token inside a run
    tokens = set()
    for s in found:
        tokens.update(re.findall(r"[A-Za-z0-9_.+\-]+", s))
    suffixes = {t[i:] for t in tokens for i in range(1, len(t) - 1)}
    return sorted(found | tokens | suffixes)


def header_defines(relpath: str, prefix: str = "", exclude: str | None = None) -> list[str]:
    """Object-like macro names #defined in a header (not function-like ones)."""
    text = (INCLUDE / relpath).read_text(errors="replace")
    names = re.findall(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(?=[ \t\n])", text, re.M)
    out = [n for n in names if n.startswith(prefix) and not (exclude and re.search(exclude, n))]
    return sorted(set(out))


def header_enumerators(relpath: str, prefix: str) -> list[str]:
    text = (INCLUDE / relpath).read_text(errors="replace")
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    names: list[str] = []
    for body in re.findall(r"\benum\b[^{;]*\{(.*?)\}", text, re.S):
        for item in body.split(","):
            m = re.match(r"\s*([A-Za-z_]\w*)", item)
            if m and m.group(1).startswith(prefix):
                names.append(m.group(1))
    return names


def c_values(includes: Iterable[str], names: Iterable[str], guarded: bool = True) -> dict[str, int]:
    """Evaluate integer constants with the C compiler; names that do not compile are dropped."""
    names = list(dict.fromkeys(names))
    includes = list(includes)
    cc = os.environ.get("CC", "cc")
    with tempfile.TemporaryDirectory(prefix="audix-gen-") as tmp:
        for _attempt in range(50):
            if not names:
                return {}
            lines = ["#define _GNU_SOURCE"] + [f"#include <{h}>" for h in includes]
            lines += ["#include <stdio.h>", "int main(void) {"]
            line_of: dict[int, str] = {}
            for n in names:
                body = (f'if (({n}) < 0) printf("%s -%llu\\n", "{n}", -(unsigned long long)({n})); '
                        f'else printf("%s %llu\\n", "{n}", (unsigned long long)({n}));')
                if guarded:
                    lines.append(f"#ifdef {n}")
                    line_of[len(lines) + 1] = n
                    lines.append(body)
                    lines.append("#endif")
                else:
                    line_of[len(lines) + 1] = n
                    lines.append(body)
            lines += ["return 0; }", ""]
            src = Path(tmp) / "probe.c"
            exe = Path(tmp) / "probe"
            src.write_text("\n".join(lines))
            proc = subprocess.run([cc, "-w", "-o", str(exe), str(src)], capture_output=True, text=True)
            if proc.returncode == 0:
                run = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
                values = {}
                for row in run.stdout.splitlines():
                    n, v = row.split(" ")
                    values[n] = -int(v[1:]) if v.startswith("-") else int(v)
                return values
            bad = set()
            for m in re.finditer(r"probe\.c:(\d+):\d+: error", proc.stderr):
                ln = int(m.group(1))
                if ln in line_of:
                    bad.add(line_of[ln])
            if not bad:
                raise GenError(f"cannot compile constants from {includes}:\n{proc.stderr[:2000]}")
            names = [n for n in names if n not in bad]
    raise GenError(f"too many compile errors evaluating constants from {includes}")


def package_versions() -> str:
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Version}\\n", *PACKAGES],
                             capture_output=True, text=True).stdout
    except FileNotFoundError:
        return "unknown"
    return ", ".join(line.strip() for line in out.splitlines() if line.strip())


# ---------------------------------------------------------------------------
# Facts: libaudit and libauparse through ctypes
# ---------------------------------------------------------------------------

class LibAudit:
    """The lookup functions of libaudit.so.1."""

    def __init__(self) -> None:
        self.path = library_path(LIBAUDIT)
        lib = ctypes.CDLL(str(self.path))
        for fn in ("audit_msg_type_to_name", "audit_field_to_name", "audit_flag_to_name",
                   "audit_action_to_name", "audit_operator_to_symbol", "audit_machine_to_name",
                   "audit_errno_to_name", "audit_ftype_to_name", "audit_fstype_to_name",
                   "audit_syscall_to_name"):
            getattr(lib, fn).restype = ctypes.c_char_p
        lib.audit_machine_to_elf.restype = ctypes.c_uint
        lib.audit_elf_to_machine.argtypes = [ctypes.c_uint]
        lib.audit_fstype_to_name.argtypes = [ctypes.c_int]
        self.lib = lib
        self.strings = binary_strings(self.path)

    @staticmethod
    def _s(v: bytes | None) -> str | None:
        return None if v is None else v.decode("latin-1")

    def number_to_name(self, fn: str, numbers: Iterable[int]) -> dict[int, str]:
        f = getattr(self.lib, fn)
        out = {}
        for n in numbers:
            name = self._s(f(n))
            if name:
                out[n] = name
        return out

    def name_to_number(self, fn: str, names: Iterable[str], ok: Callable[[int], bool]) -> dict[str, int]:
        f = getattr(self.lib, fn)
        out = {}
        for name in names:
            v = f(name.encode("latin-1"))
            if ok(v):
                out[name] = v
        return out


class IData(ctypes.Structure):
    _fields_ = [("machine", ctypes.c_uint), ("syscall", ctypes.c_int),
                ("a0", ctypes.c_ulonglong), ("a1", ctypes.c_ulonglong),
                ("cwd", ctypes.c_char_p), ("name", ctypes.c_char_p), ("val", ctypes.c_char_p)]


class Interpreter:
    """auparse_do_interpretation(type, idata, AUPARSE_ESC_RAW): what ``ausearch -i`` prints."""

    def __init__(self, audit: LibAudit) -> None:
        self.audit = audit
        self.path = library_path(LIBAUPARSE)
        lib = ctypes.CDLL(str(self.path))
        lib.auparse_do_interpretation.restype = ctypes.c_void_p
        lib.auparse_do_interpretation.argtypes = [ctypes.c_int, ctypes.POINTER(IData), ctypes.c_int]
        lib.auparse_interp_adjust_type.restype = ctypes.c_int
        lib.auparse_interp_adjust_type.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p]
        self.lib = lib
        self.libc = ctypes.CDLL(ctypes.util.find_library("c"))
        self.libc.free.argtypes = [ctypes.c_void_p]
        self.strings = binary_strings(self.path)
        names = header_enumerators("auparse-defs.h", "AUPARSE_TYPE_")
        if not names:
            raise GenError("auparse-defs.h (libauparse-dev) has no AUPARSE_TYPE_ enum")
        self.types = c_values(["auparse-defs.h"], names, guarded=False)
        self.esc_raw = c_values(["auparse-defs.h"], ["AUPARSE_ESC_RAW"], guarded=False)["AUPARSE_ESC_RAW"]
        self.machine = {name: audit.lib.audit_name_to_machine(name.encode()) for name in SYSCALL_ARCHES}

    def type_number(self, name: str) -> int:
        return self.types["AUPARSE_TYPE_" + name]

    def syscall_number(self, syscall: str, arch: str = "x86_64") -> int:
        n = self.audit.lib.audit_name_to_syscall(syscall.encode(), self.machine[arch])
        if n < 0:
            raise GenError(f"libaudit does not know syscall {syscall} on {arch}")
        return n

    def interpret(self, type_name: str, val: str, *, syscall: str | None = None, arch: str = "x86_64",
                  a0: int = 0, a1: int = 0, field_name: str = "x") -> str:
        idata = IData(machine=self.machine[arch],
                      syscall=self.syscall_number(syscall, arch) if syscall else -1,
                      a0=a0, a1=a1, cwd=None, name=field_name.encode(), val=val.encode())
        ptr = self.lib.auparse_do_interpretation(self.type_number(type_name), ctypes.byref(idata), self.esc_raw)
        if not ptr:
            raise GenError(f"interpretation of {type_name} {val!r} returned NULL")
        try:
            return ctypes.string_at(ptr).decode("latin-1")
        finally:
            self.libc.free(ptr)

    def adjust_type(self, record_type: int, name: str, val: str = "0") -> int:
        return self.lib.auparse_interp_adjust_type(record_type, name.encode("latin-1"), val.encode())


# ---------------------------------------------------------------------------
# Probing strategies
# ---------------------------------------------------------------------------

def is_unknown(text: str) -> bool:
    return (text.startswith("unknown") or text.startswith("0x") or text.startswith("conversion error")
            or text in ("UNKNOWN", "undefined protocol"))


def probe_values(printer: Callable[[int], str], values: Iterable[int],
                 known: Callable[[str], bool] = lambda s: not is_unknown(s)) -> dict[int, str]:
    out = {}
    for v in values:
        s = printer(v)
        if known(s):
            out[v] = s
    return dict(sorted(out.items()))


def probe_bits(printer: Callable[[int], str], bits: Iterable[int], sep: str = "|",
               keep: int = ~0, companion: int = 0) -> dict[int, str]:
    """Recover a flag table from single-bit probes.

    The reference prints every entry whose value shares a bit with the argument, in table
    order, so: an entry's value is the union of the bits whose probe names it, names
    printed for 0 are the 'nothing set' spelling (kept under key 0), and probing the
    union of all entries gives the print order.  A bit that alone only yields the
    'nothing set' spelling (PROT_SEM: prot & 7 == 0 prints PROT_NONE) is probed again
    together with ``companion``.
    """
    zero = printer(0)
    mode = re.compile(r"0[0-7]{3}")          # shmget appends the permission bits
    zero_names = set() if is_unknown(zero) or zero == "none" or mode.fullmatch(zero) else set(zero.split(sep))
    companion_names = set(printer(companion).split(sep)) if companion else set()
    values: dict[str, int] = {}
    for b in bits:
        v = (1 << b) & keep
        if not v:
            continue
        names = _bit_names(printer(v), sep, zero_names, mode)
        if not names and companion and not v & companion:
            names = _bit_names(printer(v | companion), sep, zero_names, mode) - companion_names
        for name in names:
            values[name] = values.get(name, 0) | v
    union = 0
    for v in values.values():
        union |= v
    order = [n for n in printer(union).split(sep) if n in values] if union else []
    rest = sorted((n for n in values if n not in order), key=lambda n: values[n])
    table: dict[int, str] = {}
    for name in zero_names:
        table[0] = name
    for name in order + rest:
        if values[name] in table:
            raise GenError(f"two flag names share value {values[name]:#x}: {table[values[name]]}, {name}")
        table[values[name]] = name
    return table


def _bit_names(text: str, sep: str, zero_names: set[str], mode: re.Pattern) -> set[str]:
    if is_unknown(text):
        return set()
    return {n for n in text.split(sep) if n and n not in zero_names and not mode.fullmatch(n)}


def probe_with_default(printer: Callable[[int], str], values: Iterable[int]) -> tuple[dict[int, str], str]:
    """For printers with a catch-all answer: (values printed otherwise, the catch-all)."""
    printed = {v: printer(v) for v in values}
    counts: dict[str, int] = {}
    for text in printed.values():
        counts[text] = counts.get(text, 0) + 1
    default = max(sorted(counts), key=lambda t: counts[t])
    return {v: t for v, t in printed.items() if t != default}, default


# ---------------------------------------------------------------------------
# Module writer
# ---------------------------------------------------------------------------

@dataclass
class Table:
    name: str
    annotation: str
    data: dict
    comment: str = ""
    hex_keys: bool = False
    hex_values: bool = False
    sort: bool = True            # False: keep the given order (flag tables: print order)


@dataclass
class Module:
    filename: str
    doc: str
    sources: list[str]
    tables: list[Table] = field(default_factory=list)


def _scalar(k: object, as_hex: bool) -> str:
    if isinstance(k, int) and not isinstance(k, bool) and as_hex:
        return hex(k) if k >= 0 else "-" + hex(-k)
    return repr(k)


def _render_value(v: object, indent: str, hex_keys: bool, hex_values: bool) -> str:
    if isinstance(v, dict):
        inner = indent + "    "
        rows = [f"{inner}{_scalar(k, hex_keys)}: {_render_value(x, inner, hex_keys, hex_values)},"
                for k, x in v.items()]
        return "{\n" + "\n".join(rows) + f"\n{indent}}}" if rows else "{}"
    return _scalar(v, hex_values)


def _sorted(d: dict) -> dict:
    return {k: (_sorted(v) if isinstance(v, dict) else v) for k, v in sorted(d.items())}


def render_module(mod: Module, versions: str) -> str:
    out = [f'"""{mod.doc}"""', "",
           "# Generated by analysis/tables/gen_tables.py -- do not edit by hand.",
           f"# Regenerate: {REGEN}",
           f"# Packages: {versions}",
           "# Sources:"]
    out += [f"#   {s}" for s in mod.sources]
    out.append("")
    for t in mod.tables:
        data = _sorted(t.data) if t.sort and isinstance(t.data, dict) else t.data
        out.append("")
        for line in t.comment.splitlines():
            out.append(f"# {line}".rstrip())
        out.append(f"{t.name}: {t.annotation} = {_render_value(data, '', t.hex_keys, t.hex_values)}")
    return "\n".join(out) + "\n"


def inverse(d: dict) -> dict:
    out: dict = {}
    for k, v in d.items():
        out.setdefault(v, k)
    return out


# ---------------------------------------------------------------------------
# The tables
# ---------------------------------------------------------------------------

def gen_msgtypes(audit: LibAudit) -> Module:
    names = audit.number_to_name("audit_msg_type_to_name", range(0, 10000))
    numbers = inverse(names)
    numbers.update(audit.name_to_number("audit_name_to_msg_type",
                                        [s for s in audit.strings if re.fullmatch(r"[A-Z][A-Z0-9_]+", s)],
                                        lambda v: v >= 0))
    return Module("msgtypes.py", "Audit record (message) type numbers and names.",
                  ["libaudit.so.1 audit_msg_type_to_name(0..9999), audit_name_to_msg_type(strings of libaudit)"],
                  [Table("MSG_TYPE_NAMES", "dict[int, str]", names, "type number -> name (an unknown number prints as UNKNOWN[n])"),
                   Table("MSG_TYPE_NUMBERS", "dict[str, int]", numbers, "name -> type number (names libaudit accepts)")])


def gen_syscalls(audit: LibAudit) -> Module:
    names: dict[str, dict[int, str]] = {}
    numbers: dict[str, dict[str, int]] = {}
    for arch in SYSCALL_ARCHES:
        proc = subprocess.run(["ausyscall", arch, "--dump"], capture_output=True, text=True)
        if proc.returncode != 0:
            raise GenError(f"ausyscall {arch} --dump failed: {proc.stderr.strip()}")
        table = {}
        for line in proc.stdout.splitlines():
            m = re.fullmatch(r"(\d+)\t(\S+)", line)
            if m:
                table[int(m.group(1))] = m.group(2)
        if not table:
            raise GenError(f"ausyscall {arch} --dump printed no syscalls")
        machine = audit.lib.audit_name_to_machine(arch.encode())
        printed = audit.number_to_name("audit_machine_to_name", [machine])[machine]
        names[printed] = table
        numbers[printed] = {name: audit.lib.audit_name_to_syscall(name.encode(), machine)
                            for name in sorted(set(table.values()))}
    return Module("syscalls.py", "Syscall numbers per architecture, keyed by the arch name `ausearch -i` prints.",
                  [f"ausyscall ARCH --dump for ARCH in {' '.join(SYSCALL_ARCHES)}",
                   "libaudit.so.1 audit_name_to_syscall (name -> number, for names printed twice)"],
                  [Table("SYSCALL_NAMES", "dict[str, dict[int, str]]", names),
                   Table("SYSCALL_NUMBERS", "dict[str, dict[str, int]]", numbers)])


def gen_machines(audit: LibAudit) -> Module:
    machine_names = audit.number_to_name("audit_machine_to_name", range(0, 64))
    machine_arch = {m: audit.lib.audit_machine_to_elf(m) for m in machine_names}
    aliases = audit.name_to_number("audit_name_to_machine",
                                   [s for s in audit.strings if re.fullmatch(r"[a-z][a-z0-9_]+", s)],
                                   lambda v: v >= 0)
    for m, n in machine_names.items():
        aliases[n] = m
    macros = c_values(["linux/audit.h"], header_defines("linux/audit.h", "AUDIT_ARCH_"))
    arch_names = {}
    for macro, value in macros.items():
        m = audit.lib.audit_elf_to_machine(value & 0xFFFFFFFF)
        if m >= 0 and m in machine_names:
            arch_names[value] = machine_names[m]
    for m, elf in machine_arch.items():
        arch_names[elf] = machine_names[m]
    arch_numbers = {name: machine_arch[m] for name, m in aliases.items() if machine_arch.get(m)}
    mach_enum = c_values(["libaudit.h"], header_enumerators("libaudit.h", "MACH_"), guarded=False)
    return Module("machines.py", "Machines (libaudit's machine_t) and audit arch numbers (AUDIT_ARCH_*).",
                  ["libaudit.so.1 audit_machine_to_name/_to_elf, audit_name_to_machine(strings of libaudit), "
                   "audit_elf_to_machine(AUDIT_ARCH_* of linux/audit.h)", "libaudit.h enum machine_t (cc)"],
                  [Table("MACHINE_NAMES", "dict[int, str]", machine_names, "libaudit machine number -> the name ausearch -i prints for arch="),
                   Table("MACHINE_NUMBERS", "dict[str, int]", aliases, "every machine name libaudit accepts (uname -m spellings too) -> machine number"),
                   Table("MACHINE_ENUM", "dict[str, int]", mach_enum, "libaudit.h machine_t enumerators"),
                   Table("MACHINE_AUDIT_ARCH", "dict[int, int]", machine_arch, "machine number -> audit arch number", hex_values=True),
                   Table("AUDIT_ARCH_NAMES", "dict[int, str]", arch_names, "audit arch number (arch= field, -F arch=) -> printed name", hex_keys=True),
                   Table("AUDIT_ARCH_NUMBERS", "dict[str, int]", arch_numbers, "machine name or alias -> audit arch number", hex_values=True),
                   Table("AUDIT_ARCH_MACROS", "dict[str, int]", macros, "linux/audit.h AUDIT_ARCH_* values", hex_values=True)])


def gen_errnos(audit: LibAudit) -> Module:
    names = audit.number_to_name("audit_errno_to_name", range(1, 4096))
    header_names = header_defines("asm-generic/errno-base.h", "E") + header_defines("asm-generic/errno.h", "E")
    candidates = sorted(set(header_names) | {s for s in audit.strings if re.fullmatch(r"E[A-Z0-9]+", s)})
    numbers = inverse(names)
    numbers.update(audit.name_to_number("audit_name_to_errno", candidates, lambda v: v > 0))
    strings = {n: os.strerror(n).encode("utf-8", "surrogateescape").decode("latin-1") for n in names}
    header_values = c_values(["errno.h"], header_names)
    return Module("errnos.py", "errno names (as libaudit prints and accepts them) and C-locale strerror strings.",
                  ["libaudit.so.1 audit_errno_to_name(1..4095), audit_name_to_errno(E* of asm-generic/errno*.h and libaudit strings)",
                   "os.strerror (C library, C locale)", "asm-generic/errno-base.h, asm-generic/errno.h (cc)"],
                  [Table("ERRNO_NAMES", "dict[int, str]", names, "errno -> name (exit=-2 prints ENOENT(No such file or directory))"),
                   Table("ERRNO_NUMBERS", "dict[str, int]", numbers, "name -> errno, as auditctl -F exit=-ENAME accepts"),
                   Table("ERRNO_STRINGS", "dict[int, str]", strings, "errno -> strerror() text"),
                   Table("ERRNO_HEADER_VALUES", "dict[str, int]", header_values, "every E* macro of the kernel headers (aliases included)")])


def gen_capabilities(interp: Interpreter) -> Module:
    names = probe_values(lambda v: interp.interpret("CAPABILITY", str(v)), range(0, 128))
    header = c_values(["linux/capability.h"], header_defines("linux/capability.h", "CAP_"))
    header = {k: v for k, v in header.items() if not k.startswith("CAP_TO_") and k not in ("CAP_LAST_CAP",)}
    last = c_values(["linux/capability.h"], ["CAP_LAST_CAP"])["CAP_LAST_CAP"]
    # what the cap-bitmap printer walks: probe every bit of a 64-bit mask
    bitmap = {}
    for b in range(64):
        s = interp.interpret("CAP_BITMAP", format(1 << b, "x"))
        if s != "none" and s:
            bitmap[b] = s
    return Module("capabilities.py", "Capability numbers and the names ausearch -i prints (capability=, cap_p*= bitmaps).",
                  ["libauparse.so.0 auparse_do_interpretation(CAPABILITY, 0..127; CAP_BITMAP, 1<<0..1<<63)",
                   "linux/capability.h (cc)"],
                  [Table("CAPABILITY_NAMES", "dict[int, str]", names, "capability number -> printed name"),
                   Table("CAPABILITY_NUMBERS", "dict[str, int]", inverse(names)),
                   Table("CAP_BITMAP_NAMES", "dict[int, str]", bitmap, "bit -> name printed in cap_pi/cap_pe/... bitmaps (bits the bitmap printer walks)"),
                   Table("CAPABILITY_HEADER", "dict[str, int]", header, "linux/capability.h CAP_* values"),
                   Table("CAP_LAST_CAP", "int", last)])  # type: ignore[arg-type]


def gen_signals(interp: Interpreter) -> Module:
    names = probe_values(lambda v: interp.interpret("SIGNAL", str(v)), range(0, 65))
    header = c_values(["signal.h"], [f"SIG{n}" for n in
                      "HUP INT QUIT ILL TRAP ABRT IOT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT "
                      "STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO POLL PWR SYS".split()])
    return Module("signals.py", "Signal numbers and the names ausearch -i prints (sig=, kill/tkill/tgkill args, clone).",
                  ["libauparse.so.0 auparse_do_interpretation(SIGNAL, 0..64)", "signal.h (cc)"],
                  [Table("SIGNAL_NAMES", "dict[int, str]", names, "signal -> name (the reference only names signals < 32)"),
                   Table("SIGNAL_NUMBERS", "dict[str, int]", inverse(names)),
                   Table("SIGNAL_HEADER", "dict[str, int]", header, "signal.h SIG* values (aliases included)")])


def gen_sockets(interp: Interpreter) -> Module:
    I = interp.interpret
    families = probe_values(lambda v: I("A0", format(v, "x"), syscall="socket"), range(0, 256))
    types = probe_values(lambda v: I("A1", format(v, "x"), syscall="socket"), range(0, 256))
    protocols = probe_values(lambda v: I("A2", format(v, "x"), syscall="socket"), range(0, 256))
    levels = probe_values(lambda v: I("A1", format(v, "x"), syscall="setsockopt"), range(0, 1024))
    sol = c_values(["sys/socket.h", "netinet/in.h", "linux/if_packet.h"],
                   ["SOL_SOCKET", "IPPROTO_IP", "IPPROTO_IPV6", "IPPROTO_TCP", "IPPROTO_UDP", "SOL_PACKET"])

    def opts(level: int) -> dict[int, str]:
        return probe_values(lambda v: I("A2", format(v, "x"), syscall="setsockopt", a1=level), range(0, 256))

    icmp = probe_values(lambda v: I("ICMPTYPE", str(v)), range(0, 256))
    socketcalls = {}
    ipccalls = {}
    for v in range(0, 64):
        s = interp.interpret("SYSCALL", "x", syscall="socketcall", arch="i386", a0=v)
        m = re.fullmatch(r"socketcall\((.+)\)", s)
        if m:
            socketcalls[v] = m.group(1)
        s = interp.interpret("SYSCALL", "x", syscall="ipc", arch="i386", a0=v)
        m = re.fullmatch(r"ipc\((.+)\)", s)
        if m:
            ipccalls[v] = m.group(1)
    return Module("sockets.py", "Socket families, types, protocols, option levels and names, ICMP types, socketcall/ipc calls.",
                  ["libauparse.so.0 auparse_do_interpretation: A0/A1/A2 of socket, A1/A2 of setsockopt (x86_64), "
                   "ICMPTYPE 0..255, SYSCALL socketcall/ipc (i386) with a0 0..63",
                   "IP_PROTOCOLS and protocol-named levels come from getprotobynumber (/etc/protocols) as the reference does"],
                  [Table("SOCKET_FAMILIES", "dict[int, str]", families, "socket(2) domain / saddr_fam -> name"),
                   Table("SOCKET_TYPES", "dict[int, str]", types, "socket(2) type & 0xff -> name"),
                   Table("IP_PROTOCOLS", "dict[int, str]", protocols, "protocol number -> getprotobynumber name"),
                   Table("SOCKET_LEVELS", "dict[int, str]", levels, "setsockopt level -> name (SOL_SOCKET, then /etc/protocols, then SOL_*)"),
                   Table("SOCKET_OPTIONS", "dict[int, str]", opts(sol["SOL_SOCKET"]),
                         "SOL_SOCKET option names (on ppc/ppc64 the reference adds 100 to options 16..21 first)"),
                   Table("IP_OPTIONS", "dict[int, str]", opts(sol["IPPROTO_IP"])),
                   Table("IPV6_OPTIONS", "dict[int, str]", opts(sol["IPPROTO_IPV6"])),
                   Table("TCP_OPTIONS", "dict[int, str]", opts(sol["IPPROTO_TCP"])),
                   Table("UDP_OPTIONS", "dict[int, str]", opts(sol["IPPROTO_UDP"])),
                   Table("PACKET_OPTIONS", "dict[int, str]", opts(sol["SOL_PACKET"])),
                   Table("SOCKET_OPTION_LEVELS", "dict[str, int]", sol, "the levels whose option names are interpreted"),
                   Table("ICMP_TYPES", "dict[int, str]", icmp),
                   Table("SOCKETCALLS", "dict[int, str]", socketcalls, "socketcall(2) call -> name, printed syscall=socketcall(NAME)"),
                   Table("IPC_CALLS", "dict[int, str]", ipccalls, "ipc(2) call -> name, printed syscall=ipc(NAME)")])


def ioctl_candidates(interp: Interpreter) -> dict[str, int]:
    headers = ["sys/ioctl.h", "termios.h", "linux/fs.h", "linux/sockios.h", "linux/cdrom.h", "linux/fd.h",
               "linux/kd.h", "linux/vt.h", "linux/random.h", "linux/loop.h", "linux/hdreg.h", "linux/if_tun.h",
               "linux/blkpg.h", "linux/fiemap.h", "linux/fb.h", "linux/input.h", "linux/rtc.h", "linux/watchdog.h",
               "linux/ppdev.h", "linux/serial.h", "linux/auto_fs.h", "linux/btrfs.h", "linux/userfaultfd.h",
               "linux/sched.h", "linux/fsverity.h", "linux/nsfs.h", "linux/perf_event.h", "linux/seccomp.h",
               "linux/vhost.h", "linux/kvm.h", "linux/if_bridge.h", "linux/tiocl.h", "linux/sonet.h",
               "linux/msdos_fs.h", "libdrm/drm.h"]
    headers = [h for h in headers if (INCLUDE / h).exists()]
    names = [s for s in interp.strings if re.fullmatch(r"[A-Z][A-Z0-9_]{2,}", s)]
    values: dict[str, int] = {}
    # headers that clash are compiled in separate groups
    for group in (headers[:2], headers[2:]):
        try:
            values.update(c_values(group, names))
        except GenError:
            for h in group:
                try:
                    values.update(c_values([h], names))
                except GenError:
                    continue
    return values


def gen_flags(interp: Interpreter, audit: LibAudit) -> Module:
    I = interp.interpret

    def a(n: int, syscall: str, **kw: int) -> Callable[[int], str]:
        return lambda v: I(f"A{n}", format(v, "x"), syscall=syscall, **kw)

    def t(type_name: str, base: int = 16) -> Callable[[int], str]:
        return lambda v: I(type_name, format(v, "x") if base == 16 else str(v))

    open_flags = probe_bits(t("OFLAG"), range(32))
    mmap_prot = probe_bits(a(2, "mmap"), range(32), companion=1)
    mmap_flags = probe_bits(t("MMAP"), range(32))
    clone_flags = probe_bits(a(2, "clone"), range(8, 32))
    mount_flags = probe_bits(a(3, "mount"), range(32))
    umount_flags = probe_bits(a(1, "umount2"), range(32))
    recv_flags = probe_bits(a(3, "recvfrom"), range(32))
    access_modes = probe_bits(a(1, "access"), range(4))
    resolve = probe_bits(t("RESOLVE"), range(64))
    path_flags = probe_bits(t("FLAGS"), range(32), sep=",")
    ipc_flags = probe_bits(a(2, "shmget"), range(9, 11))
    shm_modes = probe_bits(a(2, "shmget"), range(11, 13))
    file_types = audit.number_to_name("audit_ftype_to_name",
                                      sorted({stat.S_IFSOCK, stat.S_IFLNK, stat.S_IFREG, stat.S_IFBLK,
                                              stat.S_IFDIR, stat.S_IFCHR, stat.S_IFIFO}))
    fcntl_cmds = probe_values(a(1, "fcntl"), range(0, 2048))
    epoll_ops = probe_values(a(1, "epoll_ctl"), range(0, 16))
    clock_ids = probe_values(a(0, "clock_settime"), range(0, 16))
    personalities = probe_values(a(0, "personality"), range(0, 256))
    ptrace_reqs = probe_values(a(0, "ptrace"), range(0, 0x5000))
    prctl_header = c_values(["linux/prctl.h"], header_defines("linux/prctl.h", "PR_"))
    prctl_opts = probe_values(a(0, "prctl"), sorted(set(range(0, 256)) | {v for v in prctl_header.values() if 0 <= v < 2**32}))
    rlimits = probe_values(a(0, "setrlimit"), range(0, 64))
    sched = probe_values(a(1, "sched_setscheduler"), range(0, 16))
    seek = probe_values(a(2, "lseek"), range(0, 256))
    bpf = probe_values(a(0, "bpf"), range(0, 256))
    nfproto = probe_values(t("NFPROTO", 10), range(0, 256))
    hooks = probe_values(t("HOOK"), range(0, 256))
    netactions = probe_values(t("NETACTION"), range(0, 256))
    seccomp = probe_values(t("SECCOMP"), [i << 16 for i in range(0, 0x8000)])
    success, success_default = probe_with_default(t("SUCCESS", 10), range(0, 64))
    fanotify, fanotify_default = probe_with_default(t("FANOTIFY", 10), range(0, 64))
    mcgrp, mcgrp_default = probe_with_default(t("NLMCGRP"), range(0, 64))
    macproto, macproto_default = probe_with_default(t("MACPROTO"), range(0, 0x10000))
    ioctl_values = ioctl_candidates(interp)
    # every _IO(type, nr), and each named request under all four _IOC directions
    ioctl_probe = set(range(0, 0x10000))
    for v in ioctl_values.values():
        ioctl_probe.update((v & 0x3FFFFFFF) | (d << 30) for d in range(4))
    ioctl_probe = sorted(ioctl_probe)
    ioctls = probe_values(a(1, "ioctl"), ioctl_probe)
    at_header = c_values(["linux/fcntl.h"], header_defines("linux/fcntl.h", "AT_"))
    at_flags: dict[int, str] = {}
    for name, value in sorted(at_header.items()):     # a shared bit keeps its first name
        if value > 0 and value & (value - 1) == 0:
            at_flags.setdefault(value, name)
    pers_flags = c_values(["sys/personality.h"], ["ADDR_NO_RANDOMIZE", "PER_MASK"], guarded=False)
    sched_flags = c_values(["linux/sched.h"], ["SCHED_RESET_ON_FORK"])
    return Module(
        "flags.py",
        "Flag and value tables of `ausearch -i` (syscall arguments and other numeric fields).\n\n"
        "Flag tables (bit value -> name) are in the order the reference prints names, joined\n"
        "by '|' (PATH_FLAGS: ','): every entry whose value shares a bit with the argument is\n"
        "printed. A key 0 is the spelling printed when no bit of the relevant group is set\n"
        "(O_RDONLY when flags & O_ACCMODE == 0, PROT_NONE, MAP_FILE when flags & 0xf == 0,\n"
        "F_OK). Value tables are sorted by value.",
        ["libauparse.so.0 auparse_do_interpretation with single-bit and value probes of the argument "
         "printers (A0..A3 of the named x86_64 syscall, OFLAG, MMAP, FLAGS, RESOLVE, NFPROTO, HOOK, "
         "NETACTION, SECCOMP, SUCCESS, FANOTIFY, NLMCGRP, MACPROTO)", "libaudit.so.1 audit_ftype_to_name over stat.S_IF*",
         "ioctl request candidates: names stored in libauparse evaluated from kernel headers (cc)",
         "linux/fcntl.h AT_*, linux/prctl.h PR_*, sys/personality.h, linux/sched.h (cc)"],
        [Table("OPEN_FLAGS", "dict[int, str]", open_flags, "open/openat/mq_open flags, oflag=", hex_keys=True, sort=False),
         Table("AT_FLAGS", "dict[int, str]", at_flags, "single-bit AT_* flags of linux/fcntl.h (the reference never prints them;\n"
               "a bit shared by two names, e.g. AT_EACCESS/AT_REMOVEDIR, keeps the alphabetically first)", hex_keys=True),
         Table("AT_CONSTANTS", "dict[str, int]", at_header, "every AT_* of linux/fcntl.h; the reference prints dirfd "
               "0xffffff9c (AT_FDCWD) as AT_FDCWD"),
         Table("MMAP_PROT", "dict[int, str]", mmap_prot, "mmap prot (mprotect: only the first three entries)", hex_keys=True, sort=False),
         Table("MMAP_FLAGS", "dict[int, str]", mmap_flags, "mmap flags, flags= of MMAP records", hex_keys=True, sort=False),
         Table("CLONE_FLAGS", "dict[int, str]", clone_flags, "clone/unshare/setns flags; the low byte is a signal (|SIGCHLD)", hex_keys=True, sort=False),
         Table("MOUNT_FLAGS", "dict[int, str]", mount_flags, "mount(2) flags", hex_keys=True, sort=False),
         Table("UMOUNT_FLAGS", "dict[int, str]", umount_flags, "umount2(2) flags", hex_keys=True, sort=False),
         Table("RECV_FLAGS", "dict[int, str]", recv_flags, "send/recv msg flags", hex_keys=True, sort=False),
         Table("ACCESS_MODES", "dict[int, str]", access_modes, "access/faccessat mode", hex_keys=True, sort=False),
         Table("OPENAT2_RESOLVE", "dict[int, str]", resolve, "openat2 resolve=", hex_keys=True, sort=False),
         Table("PATH_FLAGS", "dict[int, str]", path_flags, "flags= of PATH records (joined by ',', 0 prints none)", hex_keys=True, sort=False),
         Table("IPC_FLAGS", "dict[int, str]", ipc_flags, "shmget flags & 0o3000", hex_keys=True, sort=False),
         Table("SHM_MODES", "dict[int, str]", shm_modes, "shmget flags & 0o14000", hex_keys=True, sort=False),
         Table("FILE_TYPES", "dict[int, str]", file_types, "mode & S_IFMT -> name (mode=, -F filetype=)", hex_keys=True),
         Table("FCNTL_CMDS", "dict[int, str]", fcntl_cmds),
         Table("EPOLL_OPS", "dict[int, str]", epoll_ops),
         Table("CLOCK_IDS", "dict[int, str]", clock_ids),
         Table("PERSONALITIES", "dict[int, str]", personalities, "personality & PER_MASK -> name (|~ADDR_NO_RANDOMIZE appended when that bit is set)", hex_keys=True),
         Table("PERSONALITY_CONSTANTS", "dict[str, int]", pers_flags, hex_values=True),
         Table("PTRACE_REQUESTS", "dict[int, str]", ptrace_reqs, hex_keys=True),
         Table("PRCTL_OPTIONS", "dict[int, str]", prctl_opts),
         Table("RLIMITS", "dict[int, str]", rlimits),
         Table("SCHED_POLICIES", "dict[int, str]", sched, "policy & 0xf -> name (|SCHED_RESET_ON_FORK appended)"),
         Table("SCHED_CONSTANTS", "dict[str, int]", sched_flags, hex_values=True),
         Table("SEEK_WHENCE", "dict[int, str]", seek),
         Table("BPF_CMDS", "dict[int, str]", bpf),
         Table("NETFILTER_PROTOCOLS", "dict[int, str]", nfproto, "family= of NETFILTER_CFG (decimal)"),
         Table("NETFILTER_HOOKS", "dict[int, str]", hooks, "hook="),
         Table("NETFILTER_ACTIONS", "dict[int, str]", netactions, "action= of NETFILTER_PKT"),
         Table("SECCOMP_ACTIONS", "dict[int, str]", seccomp, "code & 0x7fff0000 -> name", hex_keys=True),
         Table("IOCTL_REQUESTS", "dict[int, str]", ioctls, hex_keys=True),
         Table("SUCCESS_VALUES", "dict[int, str]", success, "res=/result= when numeric (text values print as they are)"),
         Table("SUCCESS_DEFAULT", "str", success_default),
         Table("FANOTIFY_RESPONSES", "dict[int, str]", fanotify, "resp= of FANOTIFY records (decimal)"),
         Table("FANOTIFY_DEFAULT", "str", fanotify_default),
         Table("NETLINK_MCGRPS", "dict[int, str]", mcgrp, "nl-mcgrp="),
         Table("NETLINK_MCGRP_DEFAULT", "str", mcgrp_default),
         Table("MAC_PROTOCOLS", "dict[int, str]", macproto, "macproto= (hex)", hex_keys=True),
         Table("MAC_PROTOCOL_DEFAULT", "str", macproto_default)])


def gen_fields(audit: LibAudit) -> Module:
    words = [s for s in audit.strings if re.fullmatch(r"[a-z][a-z0-9_\-]*", s)]
    field_names = audit.number_to_name("audit_field_to_name", range(0, 2048))
    field_numbers = inverse(field_names)
    field_numbers.update(audit.name_to_number("audit_name_to_field", words, lambda v: v >= 0))
    lists = audit.number_to_name("audit_flag_to_name", range(0, 32))
    list_numbers = inverse(lists)
    list_numbers.update(audit.name_to_number("audit_name_to_flag", words, lambda v: v >= 0))
    actions = audit.number_to_name("audit_action_to_name", range(0, 16))
    action_numbers = inverse(actions)
    action_numbers.update(audit.name_to_number("audit_name_to_action", words, lambda v: v >= 0))
    op_macros = c_values(["linux/audit.h"], ["AUDIT_EQUAL", "AUDIT_NOT_EQUAL", "AUDIT_GREATER_THAN",
                                             "AUDIT_GREATER_THAN_OR_EQUAL", "AUDIT_LESS_THAN",
                                             "AUDIT_LESS_THAN_OR_EQUAL", "AUDIT_BIT_MASK", "AUDIT_BIT_TEST"])
    operators = {}
    for v in op_macros.values():
        operators.update(audit.number_to_name("audit_operator_to_symbol", [v]))
    ftypes = audit.number_to_name("audit_ftype_to_name",
                                  sorted({stat.S_IFSOCK, stat.S_IFLNK, stat.S_IFREG, stat.S_IFBLK,
                                          stat.S_IFDIR, stat.S_IFCHR, stat.S_IFIFO}))
    ftype_numbers = inverse(ftypes)
    ftype_numbers.update(audit.name_to_number("audit_name_to_ftype", words, lambda v: v >= 0))
    fstype_numbers = audit.name_to_number("audit_name_to_fstype", words, lambda v: v not in (-1, 0))
    fstypes = {}
    for v in sorted(set(fstype_numbers.values())):
        fstypes.update(audit.number_to_name("audit_fstype_to_name", [v]))
    return Module("fields.py", "Rule vocabulary of auditctl: fields, filter lists, actions, operators, file and fs types.",
                  ["libaudit.so.1 audit_field_to_name(0..2047), audit_name_to_field, audit_flag_to_name, "
                   "audit_name_to_flag, audit_action_to_name, audit_name_to_action, audit_operator_to_symbol("
                   "AUDIT_* operators of linux/audit.h), audit_ftype_to_name, audit_name_to_ftype, "
                   "audit_name_to_fstype, audit_fstype_to_name (candidate names: strings of libaudit)"],
                  [Table("FIELD_NAMES", "dict[int, str]", field_names, "field number -> name"),
                   Table("FIELD_NUMBERS", "dict[str, int]", field_numbers, "field name (aliases too) -> number"),
                   Table("FILTER_LISTS", "dict[int, str]", lists, "filter list number -> name (list= of CONFIG_CHANGE too)"),
                   Table("FILTER_LIST_NUMBERS", "dict[str, int]", list_numbers),
                   Table("ACTIONS", "dict[int, str]", actions),
                   Table("ACTION_NUMBERS", "dict[str, int]", action_numbers),
                   Table("OPERATORS", "dict[int, str]", operators, "fieldflags operator -> symbol", hex_keys=True),
                   Table("OPERATOR_NUMBERS", "dict[str, int]", inverse(operators), hex_values=True),
                   Table("OPERATOR_MACROS", "dict[str, int]", op_macros, hex_values=True),
                   Table("FILE_TYPE_NAMES", "dict[int, str]", ftypes, "-F filetype= values", hex_keys=True),
                   Table("FILE_TYPE_NUMBERS", "dict[str, int]", ftype_numbers, hex_values=True),
                   Table("FS_TYPE_NAMES", "dict[int, str]", fstypes, "-F fstype= values", hex_keys=True),
                   Table("FS_TYPE_NUMBERS", "dict[str, int]", fstype_numbers, hex_values=True)])


def gen_audit_h() -> Module:
    names = header_defines("linux/audit.h", "AUDIT_") + header_defines("linux/audit.h", "__AUDIT_")
    values = c_values(["linux/audit.h"], names)
    return Module("audit_h.py", "Integer constants of the kernel's linux/audit.h (netlink types, rule fields, filters...).",
                  ["linux/audit.h #define AUDIT_* evaluated by cc"],
                  [Table("AUDIT_CONSTANTS", "dict[str, int]", values)])


def tty_named_keys(interp: Interpreter) -> dict[bytes, str]:
    """The byte sequences TTY data names (<up>, <ret>...), in the order they are tried.

    libauparse keeps them as one pool ``SEQ\\0NAME\\0SEQ\\0NAME\\0...\\0``.  The pool is
    found in the library by the pair its interpreter prints for byte 0x01, read pair by
    pair, and every entry is then checked against the interpreter.
    """
    first = interp.interpret("TTY_DATA", "01")
    m = re.fullmatch(r"<(.+)>", first)
    if not m:
        raise GenError(f"TTY_DATA 01 printed {first!r}, not a named key")
    data = interp.path.read_bytes()
    anchor = b"\x01\x00" + m.group(1).encode() + b"\x00"
    if data.count(anchor) != 1:
        raise GenError("cannot locate the TTY named-key pool in libauparse")
    pos = data.index(anchor)
    keys: dict[bytes, str] = {}
    while data[pos] != 0:
        end = data.index(b"\x00", pos)
        seq = data[pos:end]
        name_end = data.index(b"\x00", end + 1)
        keys.setdefault(seq, data[end + 1:name_end].decode("ascii"))
        pos = name_end + 1
    for seq, name in keys.items():
        winner = next(n for s, n in keys.items() if seq.startswith(s))
        printed = interp.interpret("TTY_DATA", seq.hex().upper())
        if not printed.startswith(f"<{winner}>"):
            raise GenError(f"TTY key {seq!r}: pool says {winner!r}, interpreter printed {printed!r}")
    return keys


def gen_tty(interp: Interpreter) -> Module:
    keys = tty_named_keys(interp)
    return Module("tty.py", "Named keys of TTY/USER_TTY data= as ausearch -i prints them (<ret>, <up>, <^C>...).\n\n"
                  "Order matters: at each position the first sequence that is a prefix of the\n"
                  "remaining bytes wins (bytes >= 0x20 except 0x7f..0x9f are never looked up).",
                  ["libauparse.so.0: the named-key pool stored in the library, each entry checked "
                   "with auparse_do_interpretation(TTY_DATA, hex)"],
                  [Table("TTY_NAMED_KEYS", "dict[bytes, str]", keys, "byte sequence -> name, in match order", sort=False)])


def gen_interp_types(interp: Interpreter) -> Module:
    type_names = {v: k[len("AUPARSE_TYPE_"):].lower() for k, v in interp.types.items()}
    unclassified = interp.types["AUPARSE_TYPE_UNCLASSIFIED"]
    words = [s for s in interp.strings if re.fullmatch(r"[a-z][a-z0-9_\-]*", s)]
    field_types = {}
    for w in words:
        n = interp.adjust_type(0, w)
        if n != unclassified:
            field_types[w] = type_names[n]
    return Module("interp_types.py", "How ausearch -i interprets a field, by field name (auparse's type of a field).\n\n"
                  "Record-type overrides (EXECVE a*, PATH flags, MQ_OPEN mode, ...) are not in this table.",
                  ["libauparse.so.0 auparse_interp_adjust_type(0, NAME, \"0\") over the strings of libauparse",
                   "auparse-defs.h enum auparse_type_t (cc)"],
                  [Table("INTERP_TYPES", "dict[int, str]", type_names, "auparse type number -> lowercase name"),
                   Table("FIELD_INTERP_TYPES", "dict[str, str]", field_types, "field name -> interpretation type name")])


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def build_modules() -> list[Module]:
    missing = missing_prerequisites()
    if missing:
        raise GenError("missing: " + "; ".join(missing))
    audit = LibAudit()
    interp = Interpreter(audit)
    return [gen_msgtypes(audit), gen_syscalls(audit), gen_machines(audit), gen_errnos(audit),
            gen_capabilities(interp), gen_signals(interp), gen_sockets(interp), gen_fields(audit),
            gen_audit_h(), gen_interp_types(interp), gen_flags(interp, audit), gen_tty(interp)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate audix lookup tables from facts on this machine.")
    parser.add_argument("--out", type=Path, default=HERE, help="directory to write the modules into")
    parser.add_argument("--check", action="store_true", help="exit 1 if a checked-in module differs")
    parser.add_argument("--only", action="append", default=[], help="generate only this module (e.g. flags.py)")
    args = parser.parse_args(argv)
    try:
        versions = package_versions()
        modules = build_modules()
    except GenError as exc:
        print(f"gen_tables: {exc}", file=sys.stderr)
        return 2
    differ = []
    for mod in modules:
        if args.only and mod.filename not in args.only:
            continue
        text = render_module(mod, versions)
        path = args.out / mod.filename
        if args.check:
            if not path.exists() or path.read_text() != text:
                differ.append(mod.filename)
        else:
            path.write_text(text)
    if differ:
        print("gen_tables: differs: " + " ".join(differ), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
