"""The syslog plugin (the reference's ``audisp/plugins/syslog/audisp-syslog.c``):
every record read on stdin is written to syslog.

Arguments (from the plugin's ``args``, case-insensitive): a priority
``LOG_DEBUG`` .. ``LOG_EMERG`` (default ``LOG_INFO``), a facility
``LOG_LOCAL0``-``7``, ``LOG_AUTH``, ``LOG_AUTHPRIV``, ``LOG_DAEMON``,
``LOG_SYSLOG``, ``LOG_USER`` (default), and ``interpret`` (fields
interpreted, with a ``msg=audit(date time) :`` header, as auparse does).
With a facility other than LOG_USER the messages carry the ident
``audispd``, as the reference.  The ENRICHED separator (``\\x1d``) becomes a
space; a record keeps its trailing newline, as the reference sends it.
EOE records have no fields: they are dropped in ``interpret`` mode and
written as they are otherwise (as the reference).
"""

from __future__ import annotations

import syslog
import time
from dataclasses import dataclass
from typing import Callable

from audix.analysis.record import ParseError, parse_record

PRIORITIES = {
    "LOG_DEBUG": syslog.LOG_DEBUG, "LOG_INFO": syslog.LOG_INFO, "LOG_NOTICE": syslog.LOG_NOTICE,
    "LOG_WARNING": syslog.LOG_WARNING, "LOG_ERR": syslog.LOG_ERR, "LOG_CRIT": syslog.LOG_CRIT,
    "LOG_ALERT": syslog.LOG_ALERT, "LOG_EMERG": syslog.LOG_EMERG,
}
FACILITIES = {
    **{f"LOG_LOCAL{i}": getattr(syslog, f"LOG_LOCAL{i}") for i in range(8)},
    "LOG_AUTH": syslog.LOG_AUTH, "LOG_AUTHPRIV": syslog.LOG_AUTHPRIV,
    "LOG_DAEMON": syslog.LOG_DAEMON, "LOG_SYSLOG": syslog.LOG_SYSLOG, "LOG_USER": syslog.LOG_USER,
}


class ArgumentError(Exception):
    """An argument that is neither a priority, a facility nor ``interpret``."""


@dataclass(frozen=True)
class SyslogSettings:
    priority: int = syslog.LOG_INFO
    facility: int = syslog.LOG_USER
    interpret: bool = False

    @property
    def ident(self) -> str | None:
        """The ident the reference opens syslog with (None: the program's name)."""
        return None if self.facility == syslog.LOG_USER else "audispd"


def parse_args(args: list[str]) -> SyslogSettings:
    priority, facility, interpret = syslog.LOG_INFO, syslog.LOG_USER, False
    for arg in args:
        word = arg.upper()
        if word in PRIORITIES:
            priority = PRIORITIES[word]
        elif word in FACILITIES:
            facility = FACILITIES[word]
        elif word == "INTERPRET":
            interpret = True
        else:
            raise ArgumentError(f"Unknown log priority/facility {arg}")
    return SyslogSettings(priority, facility, interpret)


def init_message(settings: SyslogSettings) -> str:
    return (f"syslog plugin initialized with facility {settings.facility} "
            f"and priority {settings.priority}")


class RecordFormatter:
    """The text one record is logged as."""

    def __init__(self, settings: SyslogSettings, interpreter=None,
                 localtime: Callable[[float], time.struct_time] = time.localtime) -> None:
        self.settings = settings
        self._interp = interpreter
        self._localtime = localtime

    def __call__(self, line: str) -> str | None:
        if not self.settings.interpret:
            return line.replace("\x1d", " ", 1)
        return self._interpreted(line)

    def _interpreter(self):
        if self._interp is None:
            from audix.analysis.interpret.interpreter import Interpreter
            self._interp = Interpreter(localtime=self._localtime)
        return self._interp

    def _interpreted(self, line: str) -> str | None:
        try:
            record = parse_record(line.rstrip("\n"))
        except ParseError:
            return None
        if not record.fields:
            return None               # EOE and other records without fields
        interp = self._interpreter()
        try:
            stamp = time.strftime("%x %T", self._localtime(record.sec))
        except (OverflowError, OSError, ValueError):
            stamp = "?"
        parts = []
        if record.node is not None:
            parts.append(f"node={record.node} ")
        parts.append(f"type={record.type_name} msg=audit({stamp}) : ")
        for name, value in record.fields:
            try:
                shown = interp.interpret(record, name, value)
            except Exception:  # an odd value must not stop the plugin
                shown = value
            parts.append(f"{name}={shown} ")
        return "".join(parts)


SyslogFn = Callable[[int, str], None]


def run(lines, settings: SyslogSettings, emit: SyslogFn,
        formatter: RecordFormatter | None = None) -> int:
    """Log every line of the iterable ``lines``; returns the count logged."""
    fmt = formatter or RecordFormatter(settings)
    n = 0
    for line in lines:
        text = fmt(line)
        if text is not None:
            emit(settings.priority, text)
            n += 1
    return n
