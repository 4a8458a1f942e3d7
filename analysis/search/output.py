"""Writing matched events in the reference's formats.

* default: ``----``, ``time->`` + ctime(3) of the event, then the records
  newest first (last read first), control characters written as ``\\ooo``
  (``--escape`` picks tty/shell/shell_quote/raw); when the last record is a
  DAEMON_* one only that record is printed, as is;
* raw: the lines as read, in order (ENRICHED events keep their ``\\x1d``
  part; a RAW line inside an ENRICHED event gets a trailing ``\\x1d`` like
  the reference);
* interpret: ``----`` then each record as ``ausearch -i`` prints it, via
  ``audix.analysis.interpret.Interpreter.format_record``.
"""
from __future__ import annotations

import re
import time

from ..event import LogEvent
from .options import Escape

_CTRL = re.compile(r"[\x00-\x1f]")
_CTRL_NOT_NL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_SHELL = re.compile(r"[\x00-\x1f\"'`$\\!()| ]")
_SHELL_QUOTE = re.compile(r"[\x00-\x1f\"'`$\\!()| ;#&*?\[\]<>{}]")


def _octal_or_backslash(m: re.Match) -> str:
    c = m.group(0)
    if c < " ":
        return "\\%03o" % ord(c)
    return "\\" + c


def escape_text(text: str, mode: Escape) -> str:
    """The reference's safe_print_string escaping of one record."""
    if mode is Escape.TTY:
        if _CTRL.search(text) is None:
            return text
        return _CTRL.sub(_octal_or_backslash, text)
    if mode is Escape.SHELL:
        return _SHELL.sub(_octal_or_backslash, text)
    if mode is Escape.SHELL_QUOTE:
        return _SHELL_QUOTE.sub(_octal_or_backslash, text)
    return text


def _raw_part(line: str) -> str:
    sep = line.find("\x1d")
    return line if sep < 0 else line[:sep]


class EventWriter:
    """Formats events for one output format; ``format(ev) -> str``."""

    def __init__(self, escape: Escape = Escape.TTY, interpret_line=None, stats=None):
        self.escape = escape
        self.stats = stats      # logsource.InputStats: skip escaping while no control byte was read
        self.interpret_line = interpret_line   # (line, type, event) -> text with its newline
        self._ctime_cache: dict[int, str] = {}
        self._heads: dict[int, str] = {}      # sec -> "----\ntime->" + ctime, no newline

    def ctime(self, sec: int) -> str:
        """ctime(3) of ``sec`` with its newline ("\\n" alone when out of range)."""
        v = self._ctime_cache.get(sec)
        if v is None:
            try:
                v = time.ctime(sec) + "\n"
            except (OverflowError, ValueError, OSError):
                v = "\n"
            if len(self._ctime_cache) > 4096:
                self._ctime_cache.clear()
            self._ctime_cache[sec] = v
        return v

    def _head(self, sec: int) -> str:
        head = self._heads.get(sec)
        if head is None:
            if len(self._heads) > 4096:
                self._heads.clear()
            head = self._heads[sec] = "----\ntime->" + self.ctime(sec)[:-1]
        return head

    def default(self, ev: LogEvent) -> str:
        lines = ev.lines
        if 1200 <= ev.types[-1] < 1300:
            return "----\ntime->" + self.ctime(ev.sec) + _raw_part(lines[-1]) + "\n"
        # one join: the header without its newline, the records newest
        # first, and "" for the final newline
        parts = lines[::-1]
        head = self._heads.get(ev.sec)
        parts.insert(0, head if head is not None else self._head(ev.sec))
        parts.append("")
        text = "\n".join(parts)
        if "\x1d" in text:
            parts = [_raw_part(p) for p in parts]
            text = "\n".join(parts)
        esc = self.escape
        if esc is Escape.TTY:
            # the header holds no control character but its newline
            if self.stats is not None and not self.stats.controls:
                pass
            elif _CTRL_NOT_NL.search(text) is not None:
                text = _CTRL_NOT_NL.sub(_octal_or_backslash, text)
        elif esc is not Escape.RAW:
            parts[1:-1] = [escape_text(line, esc) for line in parts[1:-1]]
            text = "\n".join(parts)
        return text

    @staticmethod
    def raw(ev: LogEvent) -> str:
        lines = ev.lines
        if any("\x1d" in line for line in lines):
            return "".join(line + "\n" if "\x1d" in line else line + "\x1d\n"
                           for line in lines)
        return "\n".join(lines) + "\n"

    def interpreted(self, ev: LogEvent) -> str:
        lines, types = ev.lines, ev.types
        if 1200 <= types[-1] < 1300:
            order = [len(lines) - 1]
        else:
            order = range(len(lines) - 1, -1, -1)
        fmt = self.interpret_line
        return "----\n" + "".join(fmt(lines[i], types[i], ev) for i in order)


class NormalizedFormats:
    """``--format csv`` / ``--format text``: each event normalized (see
    ``audix.analysis.normalize``) and written as one line.  An event kind
    the normalizer does not carry yet raises ``FormatNotCovered``."""

    def __init__(self, escape: Escape, csv_extras=None, stderr=None):
        from ..interpret import Interpreter
        self.interp = Interpreter(escape=escape.value)
        self.extras = csv_extras
        self.stderr = stderr or (lambda text: None)
        self._header_done = False

    def _view(self, lines: list[str], ev: LogEvent, what: str, with_attrs: bool = False):
        from ..normalize.view import EventView, NotNormalized
        from ..tables.msgtypes import MSG_TYPE_NAMES
        try:
            return EventView(lines, self.interp, with_attrs)
        except NotNormalized:
            name = MSG_TYPE_NAMES.get(ev.type, f"UNKNOWN[{ev.type}]")
            raise FormatNotCovered(
                f"--format {what} is not implemented by audix yet for {name} events") from None

    def text(self, ev: LogEvent) -> str:
        from .formats_text import text_event
        return "".join(text_event(self._view(lines, ev, "text"), ev.sec)
                       for lines in auparse_events(ev))

    def csv(self, ev: LogEvent) -> str:
        from .formats_csv import csv_event, csv_header
        out = []
        for lines in auparse_events(ev):
            view = self._view(lines, ev, "csv", with_attrs=self.extras.labels)
            if not self._header_done:
                self._header_done = True
                out.append(csv_header(self.extras))
            out.append(csv_event(view, ev.sec, ev.msec, ev.serial, self.extras, self.stderr))
        return "".join(out)


def _ends_auparse_event(t: int) -> bool:
    """Record types after which libauparse closes the event it is building."""
    from ..normalize.maps import AUDIT_TYPES as T
    return (t in (T["AUDIT_PROCTITLE"], T["AUDIT_EOE"], T["AUDIT_KERNEL"])
            or t < T["AUDIT_FIRST_EVENT"] or t >= T["AUDIT_FIRST_ANOM_MSG"]
            or T["AUDIT_MAC_UNLBL_ALLOW"] <= t <= T["AUDIT_MAC_CALIPSO_DEL"])


def auparse_events(ev: LogEvent) -> list[list[str]]:
    """The event's lines as libauparse regroups them when ausearch feeds it
    one event: a record that ends an event (PROCTITLE, EOE, a one-record
    type...) closes it, a further line with the same stamp starts another,
    and an EOE starting one is dropped."""
    groups: list[list[str]] = []
    current: list[str] | None = None
    for line, t in zip(ev.lines, ev.types):
        if current is None:
            if t == 1320:       # EOE
                continue
            current = []
            groups.append(current)
        current.append(line)
        if _ends_auparse_event(t):
            current = None
    return groups


class FormatNotCovered(Exception):
    """An event csv/text output cannot render exactly yet; ``str()`` is the message."""
