"""ausearch's command line, parsed as the reference parses it.

The reference does not use getopt: it walks the words; an option's
argument is the next word unless that starts with ``-`` (``-e``, ``-ul``
and ``--session`` also accept a negative number).  The first error stops
the walk; its message goes to stderr and ausearch exits 1.  Values keep the
reference's "unset" sentinels so that matching can compare like it does.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Callable

from .. import timeparse
from ..accounts import gid_by_name, uid_by_name
from ..event import c_strtol, c_strtoul, msg_type_from_name
from ..tables.msgtypes import MSG_TYPE_NAMES
from . import machines
from .usage import USAGE

VERSION = "3.0.9"
PATH_MAX = 4096
UINT_MASK = 0xffffffff


class Format(enum.IntEnum):
    RAW = 0
    DEFAULT = 1
    INTERP = 2
    PRETTY = 3
    CSV = 4
    TEXT = 5
    JSON = 6        # audix extension: formats_json.py


class Success(enum.IntEnum):
    UNSET = -1
    FAILED = 0
    SUCCESS = 1


class Escape(enum.Enum):
    RAW = "raw"
    TTY = "tty"
    SHELL = "shell"
    SHELL_QUOTE = "shell_quote"


@dataclass
class SearchOptions:
    """Criteria and output settings; ``None``/sentinels mean "not given"."""

    event_id: int | None = None
    gid: int = UINT_MASK            # -1 as gid_t
    egid: int = UINT_MASK
    types: list[int] | None = None
    pid: int = -1
    ppid: int = -1
    success: Success = Success.UNSET
    escape: Escape = Escape.TTY
    exact: bool = False
    uid: int = UINT_MASK
    euid: int = UINT_MASK
    loginuid: int = UINT_MASK - 1   # -2 as uid_t
    tuid: str | None = None
    teuid: str | None = None
    tauid: str | None = None
    syscall: int = -1
    machine: int = -1
    uid_all: bool = False
    gid_all: bool = False
    context_either: bool = False
    just_one: bool = False
    session: int = UINT_MASK - 1    # -2 as uint32
    exit: int = 0
    exit_set: bool = False
    line_buffered: bool = False
    debug: bool = False
    checkpoint_time_only: bool = False
    extra_keys: bool = False
    extra_labels: bool = False
    extra_obj2: bool = False
    extra_time: bool = False
    key: str | None = None
    filename: str | None = None
    exe: str | None = None
    comm: str | None = None
    hostname: str | None = None
    terminal: str | None = None
    subject: str | None = None
    object: str | None = None
    uuid: str | None = None
    vmname: str | None = None
    nodes: list[str] = field(default_factory=list)
    eoe_timeout: int = 0
    start_time: int = 0
    end_time: int = 0
    input_file: str | None = None
    force_logs: bool = False
    checkpoint: str | None = None
    format: Format = Format.DEFAULT
    json_interpret: bool = False    # --format json with -i
    no_index: bool = False          # audix: --no-index, always scan the logs


@dataclass
class ParseOutcome:
    """Either options to run with, or an exit status (and what to print)."""

    options: SearchOptions | None
    exit_status: int | None = None
    stdout: str = ""
    stderr: str = ""


def _latin1(s: str) -> str:
    return s.encode("utf-8", "surrogateescape").decode("latin-1")


def valid_types_message() -> str:
    """The list printed after a bad ``-m`` value."""
    names = ["ALL"]
    i = 1005
    while i <= 2599:        # AUDIT_USER .. AUDIT_LAST_VIRT_MSG
        if i == 1007:
            i = 1100
        name = MSG_TYPE_NAMES.get(i)
        if name:
            names.append(name)
        i += 1
    return "Valid message types are: " + " ".join(names) + " \n"


OPTION_TABLE = {
    "-a": "event", "--event": "event", "--arch": "arch", "-c": "comm", "--comm": "comm",
    "--checkpoint": "checkpoint", "--debug": "debug", "-e": "exit", "--exit": "exit",
    "--eoe-timeout": "eoe", "--escape": "escape", "--extra-keys": "extra_keys",
    "--extra-labels": "extra_labels", "--extra-obj2": "extra_obj2",
    "--extra-time": "extra_time", "-f": "file", "--file": "file", "--format": "format",
    "-ga": "gid_all", "--gid-all": "gid_all", "-ge": "egid", "--gid-effective": "egid",
    "-gi": "gid", "--gid": "gid", "-h": "help", "--help": "help", "-hn": "host",
    "--host": "host", "-i": "interp", "--interpret": "interp", "-if": "input",
    "--input": "input", "--input-logs": "input_logs", "--just-one": "just_one",
    "-k": "key", "--key": "key", "-l": "line_buffered", "--line-buffered": "line_buffered",
    "-m": "message", "--message": "message", "-n": "node", "--node": "node",
    "-o": "object", "--object": "object", "-p": "pid", "--pid": "pid", "-pp": "ppid",
    "--ppid": "ppid", "-r": "raw", "--raw": "raw", "-sc": "syscall", "--syscall": "syscall",
    "-se": "context", "--context": "context", "--session": "session", "-su": "subject",
    "--subject": "subject", "-sv": "success", "--success": "success", "-te": "end",
    "--end": "end", "-ts": "start", "--start": "start", "-tm": "terminal",
    "--terminal": "terminal", "-ua": "uid_all", "--uid-all": "uid_all", "-ue": "euid",
    "--uid-effective": "euid", "-ui": "uid", "--uid": "uid", "-uu": "uuid", "--uuid": "uuid",
    "-ul": "loginuid", "--loginuid": "loginuid", "-v": "version", "--version": "version",
    "-vm": "vmname", "--vm-name": "vmname", "-w": "word", "--word": "word",
    "-x": "exe", "--executable": "exe", "--no-index": "no_index",
}

_STRING_OPTIONS = {"comm": "comm", "key": "key", "host": "hostname", "object": "object",
                   "terminal": "terminal", "subject": "subject", "uuid": "uuid",
                   "vmname": "vmname", "exe": "exe", "checkpoint": "checkpoint"}
_FLAG_OPTIONS = {"word": "exact", "input_logs": "force_logs", "just_one": "just_one",
                 "line_buffered": "line_buffered", "debug": "debug", "no_index": "no_index"}


def _isdigit(s: str | None) -> bool:
    return bool(s) and "0" <= s[0] <= "9"


class _Stop(Exception):
    pass


def parse_args(argv: list[str],
               getpwnam: Callable[[str], int | None] | None = None,
               getgrnam: Callable[[str], int | None] | None = None,
               now: float | None = None) -> ParseOutcome:
    """Parse ``argv`` (without the program name) like the reference."""
    getpwnam = getpwnam or uid_by_name
    getgrnam = getgrnam or gid_by_name
    if not argv:
        return ParseOutcome(None, 1, stdout=USAGE)
    o = SearchOptions()
    err: list[str] = []
    vars_ = ["ausearch"] + list(argv)
    count = len(vars_)
    c = 1
    failed = False

    def fail(msg: str | None = None):
        if msg is not None:
            err.append(msg)
        raise _Stop

    def arg_or_next(c: int, word: str, optarg: str | None) -> str:
        """The option's argument; options that take negative numbers also take
        the next word when it starts with '-'."""
        if optarg is not None:
            return optarg
        if c + 1 < count:
            return vars_[c + 1]
        fail(f"Argument is required for {word}\n")

    while c < count and not failed:
        word = vars_[c]
        optarg = vars_[c + 1] if c + 1 < count and not vars_[c + 1].startswith("-") else None
        opt = OPTION_TABLE.get(word)
        try:
            if opt == "event":
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                if not _isdigit(optarg):
                    fail(f"Audit event id must be a numeric value, was {optarg}\n")
                v, e = c_strtoul(optarg)
                if e:
                    fail("Illegal value for audit event ID")
                v &= UINT_MASK
                o.event_id = None if v == UINT_MASK else v    # -1 means "any" in the reference
                c += 1
            elif opt == "eoe":
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                if not _isdigit(optarg):
                    fail(f"End of Event Timeout must be a numeric value, was {optarg}\n")
                v, e = c_strtoul(optarg)
                if e or v == 0:
                    fail(f"Illegal value for End of Event Timeout, was {optarg}\n")
                o.eoe_timeout = v
                c += 1
            elif opt in ("extra_keys", "extra_labels", "extra_obj2", "extra_time"):
                setattr(o, opt, True)
                if optarg is not None:
                    fail(f"Argument is NOT required for {word}\n")
            elif opt in _STRING_OPTIONS:
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                setattr(o, _STRING_OPTIONS[opt], optarg)
                c += 1
            elif opt == "file":
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                if len(optarg.encode("latin-1", "replace")) >= PATH_MAX:
                    fail(f"File name is too long {optarg}\n")
                o.filename = optarg
                c += 1
            elif opt in ("gid_all", "egid", "gid"):
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                if _isdigit(optarg):
                    v, e = c_strtoul(optarg)
                    if e:
                        fail(f"Numeric group ID conversion error (Numerical result out of range) for {optarg}\n")
                    v &= UINT_MASK
                else:
                    v = getgrnam(optarg)
                    if v is None:
                        what = "Effective group ID" if opt == "egid" else "Group ID"
                        fail(f"{what} is non-numeric and unknown ({optarg})\n")
                if opt == "egid":
                    o.egid = v
                else:
                    o.gid = v
                if opt == "gid_all":
                    o.egid = o.gid
                    o.gid_all = True
                c += 1
            elif opt == "help":
                return ParseOutcome(None, 0, stdout=USAGE, stderr="".join(err))
            elif opt == "version":
                return ParseOutcome(None, 0, stdout=f"ausearch version {VERSION}\n",
                                    stderr="".join(err))
            elif opt == "interp":
                if o.format == Format.DEFAULT:
                    o.format = Format.INTERP
                elif o.format == Format.JSON:
                    o.json_interpret = True
                else:
                    err.append(f"Conflicting output format {word}\n")
                    failed = True
                if optarg is not None:
                    fail(f"Argument is NOT required for {word}\n")
            elif opt == "raw":
                if o.format == Format.DEFAULT:
                    o.format = Format.RAW
                else:
                    err.append("Conflicting output format --raw\n")
                    failed = True
                if optarg is not None:
                    fail("Argument is NOT required for --raw\n")
            elif opt == "input":
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                if len(optarg.encode("latin-1", "replace")) >= PATH_MAX - 32:
                    fail(f"File name is too longs {optarg}\n")
                o.input_file = optarg
                c += 1
            elif opt == "message":
                if optarg is None:
                    err.append(f"Argument is required for {word}\n")
                    err.append(valid_types_message())
                    raise _Stop
                if optarg.lower() != "all":
                    if not _parse_types(optarg, o, err):
                        err.append(valid_types_message())
                        raise _Stop
                c += 1
            elif opt in ("pid", "ppid"):
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                if not _isdigit(optarg):
                    what = "Parent process id" if opt == "ppid" else "Process id"
                    fail(f"{what} must be a numeric value, was {optarg}\n")
                v, e = c_strtol(optarg)
                if e:
                    fail()
                v &= UINT_MASK
                v = v - (1 << 32) if v >= 1 << 31 else v
                setattr(o, opt, v)
                c += 1
            elif opt == "escape":
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                if optarg == "raw":
                    o.escape = Escape.RAW
                elif optarg == "tty":
                    o.escape = Escape.TTY
                elif optarg.startswith("shell") and len(optarg) == 5:
                    o.escape = Escape.SHELL
                elif optarg == "shell_quote":
                    o.escape = Escape.SHELL_QUOTE
                else:
                    fail(f"Unknown option ({optarg})\n")
                c += 1
            elif opt == "format":
                if optarg == "json" and o.format == Format.INTERP:
                    o.format = Format.DEFAULT
                    o.json_interpret = True
                if o.format != Format.DEFAULT:
                    fail("Multiple output formats, use only 1\n")
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                if optarg == "raw":
                    o.format = Format.RAW
                elif optarg == "default":
                    o.format = Format.DEFAULT
                elif optarg.startswith("interp"):
                    o.format = Format.INTERP
                elif optarg == "csv":
                    o.format = Format.CSV
                elif optarg == "text":
                    o.format = Format.TEXT
                elif optarg == "json":
                    o.format = Format.JSON
                else:
                    fail(f"Unknown option ({optarg})\n")
                c += 1
            elif opt == "node":
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                c += 1
                o.nodes.append(optarg)
            elif opt == "syscall":
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                if _isdigit(optarg):
                    v, e = c_strtoul(optarg)
                    if e:
                        fail(f"Syscall numeric conversion error (Numerical result out of range) for {optarg}\n")
                    v &= UINT_MASK
                    o.syscall = v - (1 << 32) if v >= 1 << 31 else v
                else:
                    if o.machine == -1:
                        m = machines.detect_machine()
                        if m < 0:
                            fail("Error detecting machine type")
                        o.machine = m
                    o.syscall = machines.syscall_number(optarg, o.machine)
                    if o.syscall == -1:
                        fail(f"Syscall {optarg} not found\n")
                c += 1
            elif opt == "context":
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                o.subject = o.object = optarg
                o.context_either = True
                c += 1
            elif opt == "success":
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                if "yes" in optarg or "no" in optarg:
                    o.success = Success.SUCCESS if optarg == "yes" else Success.FAILED
                else:
                    fail("Success must be 'yes' or 'no'.\n")
                c += 1
            elif opt == "session":
                optarg = arg_or_next(c, word, optarg)
                if _isdigit(optarg):
                    v, e = c_strtoul(optarg)
                    if e:
                        fail()
                elif len(optarg) >= 2 and optarg[0] == "-" and _isdigit(optarg[1:]):
                    v, e = c_strtoul(optarg, 0)
                    if e:
                        fail(f"Error converting {optarg}\n")
                else:
                    fail(f"Session id must be a numeric value, was {optarg}\n")
                o.session = v & UINT_MASK
                c += 1
            elif opt == "exit":
                optarg = arg_or_next(c, word, optarg)
                if _isdigit(optarg) or (len(optarg) >= 2 and optarg[0] == "-"
                                        and _isdigit(optarg[1:])):
                    v, e = c_strtol(optarg, 0)
                    if e:
                        err.append(f"Error converting {optarg}\n")
                        c += 1
                        raise _Stop
                    o.exit = v
                else:
                    o.exit = _errno_number(optarg)
                    if o.exit == 0:
                        err.append(f"Unknown errno, was {optarg}\n")
                        c += 1
                        raise _Stop
                c += 1
                o.exit_set = True
            elif opt in ("start", "end"):
                if optarg is None:
                    fail(f"{word} requires either date and/or time\n")
                c = _parse_time_option(opt, vars_, c, count, optarg, o, now)
            elif opt in ("uid", "euid", "uid_all"):
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                if _isdigit(optarg):
                    v, e = c_strtoul(optarg)
                    if e:
                        fail(f"Numeric user ID conversion error (Numerical result out of range) for {optarg}\n")
                    v &= UINT_MASK
                    name = None
                else:
                    v = getpwnam(optarg)
                    if v is None:
                        what = ("Effective user ID" if opt == "uid" else "User ID")
                        fail(f"{what} is non-numeric and unknown ({optarg})\n")
                    name = optarg
                if opt == "euid":
                    o.euid = v
                    if name:
                        o.teuid = name
                else:
                    o.uid = v
                    if name:
                        o.tuid = name
                if opt == "uid_all":
                    if name:
                        o.teuid = o.tauid = name
                    o.uid_all = True
                    o.euid = o.uid
                    o.loginuid = o.uid
                c += 1
            elif opt == "loginuid":
                optarg = arg_or_next(c, word, optarg)
                if _isdigit(optarg):
                    v, e = c_strtoul(optarg)
                    if e:
                        fail(f"Numeric user ID conversion error (Numerical result out of range) for {optarg}\n")
                    o.loginuid = v & UINT_MASK
                elif len(optarg) >= 2 and optarg[0] == "-" and _isdigit(optarg[1:]):
                    v, e = c_strtol(optarg, 0)
                    if e:
                        fail(f"Error converting {optarg}\n")
                    o.loginuid = v & UINT_MASK
                else:
                    v = getpwnam(optarg)
                    if v is None:
                        fail(f"Login user ID is non-numeric and unknown ({optarg})\n")
                    o.loginuid = v
                    o.tauid = optarg
                c += 1
            elif opt in _FLAG_OPTIONS:
                setattr(o, _FLAG_OPTIONS[opt], True)
            elif opt == "arch":
                if optarg is None:
                    fail(f"Argument is required for {word}\n")
                if o.machine != -1:
                    if o.syscall != -1:
                        fail("Arch needs to be defined before the syscall\n")
                    fail("Arch is already defined\n")
                m = machines.determine_machine(optarg)
                if m < 0:
                    err.append(f"Unknown arch {optarg}\n")
                    failed = True
                o.machine = m
                c += 1
            else:
                fail(f"{word} is an unsupported option\n")
        except _Stop:
            failed = True
        except timeparse.TimeError as exc:
            err.append(f"{exc}\n")
            failed = True
        c += 1
    if (o.extra_time or o.extra_labels or o.extra_keys) and o.format != Format.CSV:
        err.append("--extra options requires format to be csv\n")
        failed = True
    if failed:
        return ParseOutcome(None, 1, stderr="".join(err))
    return ParseOutcome(o, None, stderr="".join(err))


def _parse_types(text: str, o: SearchOptions, err: list[str]) -> bool:
    parts = [p for p in text.split(",") if p] if "," in text else [text]
    for part in parts:
        if _isdigit(part):
            v, e = c_strtoul(part)
            if e:
                err.append(f"Numeric message type conversion error (Numerical result out of range) for {part}\n")
                return False
            v &= UINT_MASK
            v = v - (1 << 32) if v >= 1 << 31 else v
        else:
            v = msg_type_from_name(part)
            if v < 0:
                return False
        if o.types is None:
            o.types = []
        o.types.append(v)
    return True


def _parse_time_option(opt, vars_, c, count, optarg, o: SearchOptions, now) -> int:
    resolve = timeparse.start_time if opt == "start" else timeparse.end_time
    if c + 2 < count and not vars_[c + 2].startswith("-"):
        nxt = vars_[c + 2]
        if ":" in optarg:
            value = resolve(nxt, optarg, now)
        else:
            value = resolve(optarg, nxt, now)
        c += 1
    elif timeparse.is_keyword(optarg):
        value = resolve(optarg, "00:00:00", now)
    elif opt == "start" and optarg == "checkpoint":
        o.checkpoint_time_only = True
        return c + 1
    elif ":" not in optarg:
        value = resolve(optarg, "00:00:00" if opt == "start" else None, now)
    else:
        value = resolve(None, optarg, now)
    if opt == "start":
        o.start_time = value
    else:
        o.end_time = value
    return c + 1


def _errno_number(name: str) -> int:
    sign = 1
    if name.startswith("-"):
        sign, name = -1, name[1:]
    try:
        from ..tables.errnos import ERRNO_NUMBERS
        return ERRNO_NUMBERS.get(name, 0) * sign
    except ImportError:
        import errno
        return getattr(errno, name, 0) * sign if name.isupper() else 0
