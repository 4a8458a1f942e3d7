"""aureport's command line, read the way the reference reads it.

Options are looked up whole (no bundling); an option's argument is the
next word unless that starts with ``-``.  Each report switches on the items
the record scanner must find (``Wanted``).  Errors carry the reference's
message; the caller prints it, then the usage text, and exits 1.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from .. import timeparse
from ..search.options import Format, SearchOptions, Success
from .lookup import EscapeMode

VERSION = "3.0.9"


_DUMMY = "dummy"


@dataclass(frozen=True, slots=True)
class Wanted:
    """Which optional items a report needs (the reference's event_* switches)."""

    auid: bool = False
    uid: bool = False
    exe: bool = False
    hostname: bool = False
    terminal: bool = False
    comm: bool = False
    filename: bool = False
    key: bool = False
    subject: bool = False
    object: bool = False
    session: bool = False

    def search_options(self, interpret: bool = False, debug: bool = False) -> SearchOptions:
        """The ausearch options that make the shared record scanner read these items.

        As the reference's aureport sets its copy of ausearch's globals: any
        pid, success read, a placeholder criterion for each string item, a
        set uid / login uid (with its name) / session for the id items.
        """
        o = SearchOptions(pid=0, success=Success.SUCCESS, debug=debug,
                          format=Format.INTERP if interpret else Format.DEFAULT)
        for name in ("exe", "hostname", "terminal", "comm", "filename", "key",
                     "subject", "object"):
            if getattr(self, name):
                setattr(o, name, _DUMMY)
        if self.auid:
            o.loginuid = 1
            o.tauid = _DUMMY
        if self.uid:
            o.uid = 1
        if self.session:
            o.session = 1
        return o


class Report(enum.IntEnum):
    """Report kinds, in the reference's order (the order matters: <= SUMMARY)."""

    UNSET = 0
    TIME = 1
    SUMMARY = 2
    AVC = 3
    MAC = 4
    CONFIG = 5
    EVENT = 6
    FILE = 7
    HOST = 8
    LOGIN = 9
    ACCT_MOD = 10
    PID = 11
    SYSCALL = 12
    TERM = 13
    USER = 14
    EXE = 15
    ANOMALY = 16
    RESPONSE = 17
    CRYPTO = 18
    AUTH = 19
    KEY = 20
    TTY = 21
    COMM = 22
    VIRT = 23
    INTEG = 24


class Detail(enum.Enum):
    UNSET = 0
    SUMMARY = 1      # --summary tables
    DETAILED = 2     # numbered rows


class Outcome(enum.Enum):
    BOTH = 0
    FAILED = 1
    SUCCESS = 2


class ConfigAction(enum.Enum):
    NEITHER = 0
    ADD = 1
    DELETE = 2


class OutputFormat(enum.Enum):
    """``--format`` (an audix extension): the text report, or JSON (json_out.py)."""
    TEXT = "text"
    JSON = "json"


class Unimplemented(Exception):
    """The reference prints ``Unimplemented option`` and exits 1."""


class OptionError(Exception):
    """A bad command line; ``str()`` is the message (may be empty)."""


class EarlyExit(Exception):
    """``-v``/``--help``: print ``text`` to stdout and exit 0."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


USAGE = (
    "usage: aureport [options]\n"
    "\t-a,--avc\t\t\tAvc report\n"
    "\t-au,--auth\t\t\tAuthentication report\n"
    "\t--comm\t\t\t\tCommands run report\n"
    "\t-c,--config\t\t\tConfig change report\n"
    "\t-cr,--crypto\t\t\tCrypto report\n"
    "\t--debug\t\t\t\tWrite malformed events that are skipped to stderr\n"
    "\t--eoe-timeout secs\t\tEnd of Event Timeout\n"
    "\t-e,--event\t\t\tEvent report\n"
    "\t--escape option\t\t\tEscape output\n"
    "\t-f,--file\t\t\tFile name report\n"
    "\t--failed\t\t\tonly failed events in report\n"
    "\t-h,--host\t\t\tRemote Host name report\n"
    "\t--help\t\t\t\thelp\n"
    "\t-i,--interpret\t\t\tInterpretive mode\n"
    "\t-if,--input <Input File name>\tuse this file as input\n"
    "\t--input-logs\t\t\tUse the logs even if stdin is a pipe\n"
    "\t--integrity\t\t\tIntegrity event report\n"
    "\t-k,--key\t\t\tKey report\n"
    "\t-l,--login\t\t\tLogin report\n"
    "\t-m,--mods\t\t\tModification to accounts report\n"
    "\t-ma,--mac\t\t\tMandatory Access Control (MAC) report\n"
    "\t-n,--anomaly\t\t\taNomaly report\n"
    "\t-nc,--no-config\t\t\tDon't include config events\n"
    "\t--node <node name>\t\tOnly events from a specific node\n"
    "\t-p,--pid\t\t\tPid report\n"
    "\t-r,--response\t\t\tResponse to anomaly report\n"
    "\t-s,--syscall\t\t\tSyscall report\n"
    "\t--success\t\t\tonly success events in report\n"
    "\t--summary\t\t\tsorted totals for main object in report\n"
    "\t-t,--log\t\t\tLog time range report\n"
    "\t-te,--end [end date] [end time]\tending date & time for reports\n"
    "\t-tm,--terminal\t\t\tTerMinal name report\n"
    "\t-ts,--start [start date] [start time]\tstarting data & time for reports\n"
    "\t--tty\t\t\t\tReport about tty keystrokes\n"
    "\t-u,--user\t\t\tUser name report\n"
    "\t-v,--version\t\t\tVersion\n"
    "\t--virt\t\t\t\tVirtualization report\n"
    "\t-x,--executable\t\t\teXecutable name report\n"
    "\tIf no report is given, the summary report will be displayed\n"
)


@dataclass
class ReportOptions:
    report: Report = Report.UNSET
    detail: Detail = Detail.UNSET
    interpret: bool = False
    outcome: Outcome = Outcome.BOTH
    config_action: ConfigAction = ConfigAction.NEITHER
    no_config: bool = False
    user_file: str | None = None
    force_logs: bool = False
    nodes: list[str] = field(default_factory=list)
    escape: EscapeMode = EscapeMode.TTY
    eoe_timeout: int = 0          # 0: from auditd.conf
    debug: bool = False
    no_index: bool = False        # audix: --no-index, never read the search index
    start_time: int = 0
    end_time: int = 0
    wanted: Wanted = field(default_factory=Wanted)
    format: OutputFormat = OutputFormat.TEXT


# option word -> action name
_OPTIONS = {
    "-au": "auth", "--auth": "auth", "-a": "avc", "--avc": "avc", "--add": "add",
    "-c": "config", "--comm": "comm", "--config": "config", "-cr": "crypto",
    "--crypto": "crypto", "--debug": "debug", "--delete": "delete", "-e": "event",
    "--event": "event", "--format": "format", "--escape": "escape", "--eoe-timeout": "eoe", "-f": "file",
    "--file": "file", "--failed": "failed", "-h": "host", "--host": "host",
    "--help": "help", "-i": "interpret", "--interpret": "interpret", "-if": "input",
    "--input": "input", "--input-logs": "input_logs", "--integrity": "integ",
    "-k": "key", "--key": "key", "-l": "login", "--login": "login", "-m": "mods",
    "--mods": "mods", "-ma": "mac", "--mac": "mac", "--node": "node",
    "-nc": "no_config", "--no-config": "no_config", "-n": "anomaly",
    "--anomaly": "anomaly", "-p": "pid", "--pid": "pid", "-r": "response",
    "--response": "response", "-s": "syscall", "--syscall": "syscall",
    "--success": "success", "--summary": "summary", "-t": "log", "--log": "log",
    "-te": "end", "--end": "end", "-tm": "terminal", "--terminal": "terminal",
    "-ts": "start", "--tty": "tty", "--start": "start", "-u": "user", "--user": "user",
    "-v": "version", "--version": "version", "-x": "exe", "--executable": "exe",
    "--virt": "virt", "--no-index": "no_index",
}

# report action -> (report, items the scanner must find, takes no argument)
_REPORTS = {
    "log": (Report.TIME, {}, False),
    "avc": (Report.AVC, dict(comm=True, subject=True, object=True), False),
    "auth": (Report.AUTH, dict(exe=True, hostname=True, terminal=True, uid=True), False),
    "mac": (Report.MAC, dict(auid=True), False),
    "integ": (Report.INTEG, dict(auid=True), False),
    "virt": (Report.VIRT, {}, False),
    "config": (Report.CONFIG, dict(auid=True), False),
    "crypto": (Report.CRYPTO, dict(auid=True), False),
    "login": (Report.LOGIN, dict(exe=True, hostname=True, terminal=True, auid=True), False),
    "mods": (Report.ACCT_MOD, dict(exe=True, hostname=True, terminal=True, auid=True), False),
    "event": (Report.EVENT, dict(auid=True), False),
    "file": (Report.FILE, dict(filename=True, exe=True, auid=True), True),
    "host": (Report.HOST, dict(hostname=True, auid=True), True),
    "pid": (Report.PID, dict(exe=True, auid=True), True),
    "syscall": (Report.SYSCALL, dict(comm=True, auid=True), True),
    "terminal": (Report.TERM, dict(terminal=True, hostname=True, exe=True, auid=True), True),
    "user": (Report.USER, dict(terminal=True, hostname=True, exe=True, uid=True, auid=True), True),
    "exe": (Report.EXE, dict(terminal=True, hostname=True, exe=True, auid=True), True),
    "comm": (Report.COMM, dict(terminal=True, hostname=True, comm=True, auid=True), True),
    "anomaly": (Report.ANOMALY, dict(terminal=True, hostname=True, exe=True, comm=True,
                                     auid=True), True),
    "response": (Report.RESPONSE, {}, True),
    "key": (Report.KEY, dict(exe=True, key=True, auid=True), True),
    "tty": (Report.TTY, dict(session=True, auid=True, terminal=True, comm=True), False),
}
_SUMMARY_WANTED = dict(filename=True, hostname=True, terminal=True, exe=True, comm=True,
                       key=True, auid=True)
_ESCAPES = {"raw": EscapeMode.RAW, "tty": EscapeMode.TTY, "shell": EscapeMode.SHELL,
            "shell_quote": EscapeMode.SHELL_QUOTE}


def _set_time(o: ReportOptions, which: str, words: list[str], c: int, optarg: str | None) -> int:
    """-ts/-te: returns how many extra words were used."""
    fn = timeparse.start_time if which == "start" else timeparse.end_time
    if optarg is None:
        raise OptionError(f"{words[c]} requires either date and/or time")
    used = 1
    nxt = words[c + 2] if c + 2 < len(words) else None
    try:
        if nxt is not None and not nxt.startswith("-"):
            if ":" in optarg:
                value = fn(nxt, optarg)
            else:
                value = fn(optarg, nxt)
            used = 2
        elif timeparse.is_keyword(optarg):
            value = fn(optarg, "00:00:00")
        elif ":" not in optarg:
            value = fn(optarg, "00:00:00" if which == "start" else None)
        else:
            value = fn(None, optarg)
    except timeparse.TimeError as exc:
        raise OptionError(str(exc)) from None
    if which == "start":
        o.start_time = value
    else:
        o.end_time = value
    return used


def parse_args(words: list[str]) -> ReportOptions:
    """Read ``argv[1:]``.  Raises OptionError, Unimplemented or EarlyExit."""
    o = ReportOptions()
    wanted: dict[str, bool] = {}
    c = 0
    n = len(words)
    while c < n:
        word = words[c]
        optarg = words[c + 1] if c + 1 < n and not words[c + 1].startswith("-") else None
        action = _OPTIONS.get(word)
        if action is None:
            raise OptionError(f"{word} is an unsupported option")
        if action in _REPORTS:
            report, items, no_arg = _REPORTS[action]
            if o.report is not Report.UNSET:
                raise _OnlyOne()
            o.report = report
            if no_arg and optarg is not None:
                raise Unimplemented()
            if o.detail is Detail.UNSET:
                o.detail = Detail.DETAILED
            wanted.update(items)
        elif action == "input":
            if optarg is None:
                raise OptionError(f"Argument is required for {word}")
            if len(optarg.encode("latin-1", "replace")) >= 4096 - 32:
                raise OptionError(f"File name is too long {optarg}")
            o.user_file = optarg
            c += 1
        elif action == "interpret":
            o.interpret = True
            if optarg is not None:
                raise OptionError(f"Argument is NOT required for {word}")
        elif action in ("start", "end"):
            c += _set_time(o, action, words, c, optarg)
        elif action == "node":
            if optarg is None:
                raise OptionError(f"Argument is required for {word}")
            o.nodes.append(optarg)
            c += 1
        elif action == "escape":
            if optarg is None:
                raise OptionError(f"Argument is required for {word}")
            mode = _ESCAPES.get(optarg)
            if mode is None:
                raise OptionError(f"Unknown option ({optarg})")
            o.escape = mode
            c += 1
        elif action == "summary":
            o.detail = Detail.SUMMARY
        elif action == "failed":
            o.outcome = Outcome.FAILED
        elif action == "success":
            o.outcome = Outcome.SUCCESS
        elif action == "add":
            o.config_action = ConfigAction.ADD
        elif action == "delete":
            o.config_action = ConfigAction.DELETE
        elif action == "debug":
            o.debug = True
        elif action == "format":
            if optarg is None:
                raise OptionError(f"Argument is required for {word}")
            try:
                o.format = OutputFormat(optarg)
            except ValueError:
                raise OptionError(f"Unknown option ({optarg})") from None
            c += 1
        elif action == "input_logs":
            o.force_logs = True
        elif action == "no_index":
            o.no_index = True
        elif action == "no_config":
            o.no_config = True
        elif action == "version":
            raise EarlyExit(f"aureport version {VERSION}\n")
        elif action == "help":
            raise EarlyExit(USAGE)
        elif action == "eoe":
            if optarg is None:
                raise OptionError(f"Argument is required for {word}")
            if optarg[:1].isdigit() and optarg[:1].isascii():
                digits = ""
                for ch in optarg:
                    if not ("0" <= ch <= "9"):
                        break
                    digits += ch
                value = int(digits)
                if value == 0 or value >= 1 << 64:
                    raise OptionError(
                        f"Illegal value for End of Event Timeout, was {optarg}")
                o.eoe_timeout = value
                c += 1
            else:
                raise OptionError(
                    f"End of Event Timeout must be a numeric value, was {optarg}")
        c += 1
    if o.report is Report.UNSET:
        o.report = Report.SUMMARY
        if o.detail is Detail.UNSET:
            o.detail = Detail.SUMMARY
        wanted.update(_SUMMARY_WANTED)
    o.wanted = replace(Wanted(), **wanted)
    return o


class _OnlyOne(OptionError):
    """Two reports asked for; the reference's message has no newline."""

    def __init__(self):
        super().__init__("Error - only one report can be specified")
        self.newline = False
