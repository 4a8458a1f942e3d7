"""``aureport --format json`` (an audix extension): the report as one JSON document.

The document is streamed, one row per line, so a large detailed report is
never held in memory::

    {"report":"Executable Report","kind":"detailed",
     "columns":["date","time","exe","term","host","auid","event"],"rows":[
    {"number":1,"date":"11/25/26","time":"12:53:43","exe":"/usr/sbin/auditd",...},
    ...
    ]}

* ``report``: the title the text report prints (``Failed ...`` included).
* ``kind``:
  - ``detailed``: numbered reports; each row has ``number`` and one member
    per column of the text header (``# date time ...``), values the exact
    text the report prints (``-i``, ``--escape`` apply the same way).  A row
    the reference cuts short after its date (TTY record without ``data=``)
    has only ``number``, ``date``, ``time`` and ``"incomplete": true``.
  - ``summary``: ``--summary`` tables; rows ``{"total": n, "value": text}``,
    most hits first, ``"value_name"`` is the header's name (``file``...).
  - ``totals``: the default report; rows ``{"name": label, "value": v}``
    (the label as printed, without the colon; ``v`` an int where the text
    is a number).
  - ``none``: a report the reference does not have (``-t --summary``...):
    no rows, exit status 1 and ``Unimplemented option`` on stderr as for text.
  - ``time``: ``-t``; rows ``{"file": name, "start": text, "end": text}``
    (``start``/``end`` null for a file without records).
* No events of interest: ``rows`` is empty (exit status as for text).
* Text is latin-1 (one code point per byte), written ASCII-only with
  ``\\u00XX`` escapes, like ``ausearch --format json``.

The rows come from the same code as the text report: detailed rows from
``DetailedReport``'s cells (``row``), the other reports from their text
lines, which are parsed exactly (a count first, a fixed label, a file name).
"""
from __future__ import annotations

import json
import re
from typing import Callable

_dumps = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
_TIME_ROW = re.compile(r"(?P<file>.*): (?P<start>.+\.\d{3}) - (?P<end>.+\.\d{3})")
_NO_EVENTS = "<no events of interest were found>"


class JsonReport:
    """Stands in for the text output: ``__call__(text)`` takes what the text
    report would print, ``row(number, cells, complete)`` the detailed rows,
    ``finish()`` closes the document."""

    def __init__(self, write: Callable[[str], None]):
        self.write = write
        self.header: dict | None = None
        self.columns: list[str] = []
        self.kind = ""
        self.rows = 0
        self.pending = ""
        self.finished = False

    # --- the title block ----------------------------------------------------------
    def _start(self, lines: list[str]) -> list[str]:
        """Read the title block at the head of ``lines``; the lines after it."""
        lines = lines[1:] if lines and lines[0] == "" else lines
        title = lines[0].strip() if lines else ""
        rest = lines[2:]            # the title's rule
        head: dict = {"report": title}
        if rest and rest[0].startswith("# "):
            self.kind = "detailed"
            self.columns = rest[0][2:].split(" ")
            rest = rest[2:]
        elif rest and rest[0].startswith("total  "):
            self.kind = "summary"
            self.columns = ["total", "value"]
            head["value_name"] = rest[0][len("total  "):]
            rest = rest[2:]
        elif title.endswith("Log Time Range Report"):
            self.kind = "time"
            self.columns = ["file", "start", "end"]
        elif title.endswith("Summary Report"):
            self.kind = "totals"
            self.columns = ["name", "value"]
        elif not title or title.endswith(" "):
            self.kind = "none"      # no such report (Unimplemented option)
        else:
            self.kind = "detailed"
        head["kind"] = self.kind
        head["columns"] = (["date", "time"] + self.columns[2:]
                           if self.kind == "detailed" and self.columns else self.columns)
        self.header = head
        self.write(_dumps(head)[:-1] + ',"rows":[')
        return rest

    # --- text from the reports --------------------------------------------------------
    def __call__(self, text: str) -> None:
        text = self.pending + text
        if self.header is None:
            lines = text.split("\n")
            if len(lines) < 3 and not text.endswith("\n"):
                self.pending = text
                return
            self.pending = ""
            lines = self._start(lines)
            text = "\n".join(lines)
        cut = text.rfind("\n")
        self.pending = text[cut + 1:]
        for line in text[:cut + 1].split("\n")[:-1] if cut >= 0 else ():
            self._line(line)

    def _line(self, line: str) -> None:
        if not line or line == _NO_EVENTS or line.startswith("===="):
            return
        kind = self.kind
        if kind == "summary":
            hits, _, value = line.partition("  ")
            self._emit({"total": int(hits) if hits.isdigit() else hits, "value": value})
        elif kind == "time":
            m = _TIME_ROW.fullmatch(line)
            if m is not None:
                self._emit(m.groupdict())
            elif line.endswith(": no records"):
                self._emit({"file": line[:-len(": no records")], "start": None, "end": None})
            else:
                self._emit({"text": line})
        elif kind == "totals":
            name, sep, value = line.partition(": ")
            if not sep:
                self._emit({"text": line})
                return
            self._emit({"name": name, "value": int(value) if value.isdigit() else value})
        else:
            self._emit({"text": line})

    def row(self, number: int, cells: list[str], complete: bool = True) -> None:
        """One detailed row: ``cells[0]`` is ``"%x %T"``, then one cell per column."""
        date, _, clock = cells[0].rpartition(" ")
        obj: dict = {"number": number, "date": date, "time": clock}
        names = self.columns[2:]
        for i, cell in enumerate(cells[1:]):
            obj[names[i] if i < len(names) else f"column{i + 3}"] = cell
        if not complete:
            obj["incomplete"] = True
        self._emit(obj)

    def _emit(self, obj: dict) -> None:
        self.write(("\n" if self.rows == 0 else ",\n") + _dumps(obj))
        self.rows += 1

    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        if self.pending:
            line, self.pending = self.pending, ""
            if self.header is None:
                self._start(line.split("\n"))
            else:
                self._line(line)
        if self.header is None:
            self._start([""])
        self.write("\n]}\n")
