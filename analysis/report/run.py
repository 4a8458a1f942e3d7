"""Running one aureport: read the logs, group events, feed the report, print.

The flow is the reference's: title first; logs read oldest first and
grouped like ausearch (``event.LogGrouper``); each event's items scanned
by ausearch's ``search.items.ItemExtractor``; events filtered by ``--node``,
``--failed``/``--success``, ``--add``/``--delete``/``--no-config``; then the
chosen report consumes it.
Only the events in flight are held, whatever the log size.
"""
from __future__ import annotations

import contextlib
from typing import BinaryIO, Callable

from .. import logsource
from ..event import LogGrouper, extract_stamp
from . import kinds as K
from .detailed import DetailedReport
from ..search.items import ItemExtractor
from ..search.options import Success
from ..search.progress import scan_progress
from ..search.window import window_for
from .format import NO_EVENTS, local_stamp, title
from .lookup import Escaper, Interpretations, Lookups
from .options import ConfigAction, Detail, Outcome, Report, ReportOptions, Unimplemented
from .summary import SummaryReport
from .totals import TotalsReport
from .view import EventView

SYSCALL = 1300
EXIT_OK = 0
EXIT_FAIL = 1


def _batches(f: BinaryIO):
    """The file's line pieces; a read error ends the file like EOF (as fgets does)."""
    it = logsource.read_pieces(f)
    while True:
        try:
            batch = next(it)
        except StopIteration:
            return
        except OSError:
            return
        yield batch


def _fs_path(text: str | None) -> str | None:
    """A latin-1 command-line word as the str the OS functions take."""
    return None if text is None else text.encode("latin-1").decode("utf-8", "surrogateescape")


def _text(fs_str: str) -> str:
    """A str from the OS (paths, messages) as latin-1 output text."""
    return fs_str.encode("utf-8", "surrogateescape").decode("latin-1")


class Output:
    """Buffered text output (latin-1 text, written as bytes)."""

    def __init__(self, write_bytes: Callable[[bytes], object], flush=None):
        self._write = write_bytes
        self._flush = flush
        self._parts: list[str] = []
        self._size = 0

    def __call__(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if self._size > 1 << 16:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            self._write("".join(self._parts).encode("latin-1", "replace"))
            self._parts.clear()
            self._size = 0
        if self._flush is not None:
            self._flush()


class ReportRun:
    """One aureport invocation over already-parsed options."""

    def __init__(self, opts: ReportOptions, out: Output, err: Output,
                 stdin: BinaryIO | None = None, stdin_fd: int = 0,
                 config: logsource.LogConfig | None = None,
                 progress_stream: BinaryIO | None = None, progress_min: int | None = None):
        self.o = opts
        self.out = out
        self.err = err
        self.stdin = stdin
        self.stdin_fd = stdin_fd
        self.config = config
        self.progress_stream = progress_stream    # stderr: progress if a terminal
        self.progress_min = progress_min
        self.found = False
        self.lookups = Lookups(opts.interpret)
        self.escape = Escaper(opts.escape)
        self.scanner = ItemExtractor(opts.wanted.search_options(opts.interpret, opts.debug), err)
        self._extract = self.scanner.extract
        self._interpret = opts.interpret
        self._filtering = bool(opts.nodes or opts.outcome is not Outcome.BOTH or opts.no_config
                               or opts.config_action is not ConfigAction.NEITHER)
        self.very_first = (0, 0)
        self.very_last = (0, 0)
        self._first_pending = opts.report is Report.SUMMARY
        r = opts.report
        if opts.detail is Detail.SUMMARY:
            self.report = SummaryReport() if r is Report.SUMMARY else \
                TotalsReport(r, self.lookups, self.escape, opts.interpret)
        elif r is Report.TIME:
            self.report = None
        else:
            self.report = DetailedReport(r, self.lookups, self.escape, out,
                                         getattr(out, "row", None))   # json_out.JsonReport

    # --- main flow ---------------------------------------------------------
    def run(self) -> int:
        o = self.o
        cfg = self.config or logsource.load_log_config()
        if not cfg.loaded:
            self.err(f"NOTE - using built-in logs: {cfg.log_file}\n")
        eoe = o.eoe_timeout or cfg.end_of_event_timeout
        try:
            self.out(title(o.report, o.detail, o.outcome))
        except Unimplemented as exc:
            self.out(exc.args[0] if exc.args else "")
            self.err("Unimplemented option\n")
            return EXIT_FAIL
        try:
            plan = logsource.plan_input(_fs_path(o.user_file), o.force_logs, cfg,
                                        self.stdin_fd)
        except logsource.InputError as exc:
            self.err(f"{_text(str(exc))}\n")
            return EXIT_FAIL
        for note in plan.notes:
            self.err(_text(note) + "\n")
        errors: list[str] = []
        grouper = LogGrouper(eoe, o.start_time, o.end_time, errors)
        self._eoe = eoe
        if plan.kind is logsource.SourceKind.STDIN:
            f = self.stdin
            if f is None:
                import sys
                f = sys.stdin.buffer
            self._process(f, "stdin", grouper, errors, last=True)
        else:
            files = plan.files
            progress = scan_progress(self.progress_stream, files, "aureport", self.progress_min)
            try:
                with self._window_views(plan, eoe, progress) as views:
                    if views is not None:
                        for i, (name, view) in enumerate(views):
                            if progress is not None:
                                view = progress.wrap(view)
                            self._process(view, _text(name), grouper, errors,
                                          last=i == len(views) - 1)
                        files = []
                    for i, name in enumerate(files):
                        try:
                            f = logsource.open_log(name)
                        except logsource.InputError as exc:
                            self.err(f"{_text(str(exc))}\n")
                            return EXIT_FAIL
                        with f:
                            if progress is not None:
                                f = progress.wrap(f)
                            self._process(f, _text(name), grouper, errors,
                                          last=i == len(files) - 1)
            finally:
                if progress is not None:
                    progress.finish()
        if not self.found and o.detail is Detail.DETAILED and o.report is not Report.TIME:
            self.out(NO_EVENTS)
            return EXIT_FAIL
        self._wrap_up()
        return EXIT_OK

    def _window_views(self, plan, eoe: int, progress):
        """A time window (-ts/-te) is read through ausearch's index: only the
        blocks of lines that can fall in it (the others would be dropped
        before grouping), plus the first line outside it, which the summary
        notes; a context manager giving None when the logs are scanned whole."""
        o = self.o
        if o.no_index or o.debug or not (o.start_time or o.end_time):
            return contextlib.nullcontext(None)
        from ..index.answer import window_views
        return window_views(plan.kind, plan.files, eoe, o.start_time, o.end_time,
                            progress.advance if progress is not None else None,
                            first_outside=True)

    def _wrap_up(self) -> None:
        o = self.o
        if o.detail is not Detail.SUMMARY:
            return
        if o.report is Report.SUMMARY:
            self.out(self.report.wrap_up(self.very_first, self.very_last,
                                         o.start_time, o.end_time))
        else:
            self.out(self.report.wrap_up())

    # --- one input -----------------------------------------------------------
    def _process(self, f: BinaryIO, name: str, grouper: LogGrouper,
                 errors: list[str], last: bool) -> None:
        track = self.o.report <= Report.SUMMARY
        first = None
        last_ev = (0, 0)
        ready: list = []
        handle = self._event

        def report_ready() -> None:
            """The events the grouper completed, in order (noting the first and last times)."""
            nonlocal first, last_ev
            if track:
                if first is None:
                    first = (ready[0].sec, ready[0].msec)
                last_ev = (ready[-1].sec, ready[-1].msec)
            for ev in ready:
                handle(ev)
            ready.clear()

        window = window_for(self.o.start_time, self.o.end_time)   # -ts/-te: skip whole blocks
        for batch in _batches(f):
            if self._first_pending:
                self._note_first(batch)
            if window is not None and not window.keep(batch):
                continue
            grouper.add_lines(batch, ready)
            if errors:
                for e in errors:
                    self.err(e + "\n")
                errors.clear()
            if ready:
                report_ready()
        if last:
            grouper.finish(ready)
        else:
            grouper.drain(ready)
        if ready:
            report_ready()
        self.very_last = last_ev
        if self.o.report is Report.TIME:
            if first is None:
                self.out(f"{name}: no records\n")
            else:
                self.out(f"{name}: {local_stamp(first[0])}.{first[1]:03d} - "
                         f"{local_stamp(last_ev[0])}.{last_ev[1]:03d}\n")

    def _note_first(self, batch: list[str]) -> None:
        """The reference's very_first_event: set by the first line it reads."""
        start, end = self.o.start_time, self.o.end_time
        for piece in batch:
            info = extract_stamp(piece, self._eoe)
            if info is None:
                continue
            sec = info[0]
            if (start and sec < start) or (end and sec > end) or not start:
                self.very_first = (sec, info[1])
                if sec != 0:
                    self._first_pending = False
                    return

    # --- one event -------------------------------------------------------------
    def _event(self, ev) -> None:
        o = self.o
        items = self._extract(ev.lines, ev.types)
        if items is None:       # malformed: the reference skips the event
            return
        if self._filtering and not self._keep(ev, items):
            return
        interp = None
        if self._interpret and (len(ev.lines) == 1 or ev.type == SYSCALL):
            line = ev.lines[0]
            sep = line.find("\x1d")
            if sep >= 0:
                interp = Interpretations(line[sep + 1:])
        report = self.report
        if report is None:
            return
        view = EventView(ev.sec, ev.msec, ev.serial, ev.node, ev.types, items, interp,
                         ev.lines[0])
        if report.event(view) and o.detail is Detail.DETAILED:
            self.found = True

    def _keep(self, ev, items) -> bool:
        """--node, --failed/--success, --no-config, --add/--delete."""
        o = self.o
        if o.nodes and (ev.node is None or ev.node not in o.nodes):
            return False
        if o.outcome is Outcome.FAILED and items.success != Success.FAILED:
            return False
        if o.outcome is Outcome.SUCCESS and items.success != Success.SUCCESS:
            return False
        head = ev.type
        if head == K.CONFIG_CHANGE:
            return not o.no_config
        if o.config_action is ConfigAction.DELETE and head in K.ADDING:
            return False
        if o.config_action is ConfigAction.ADD and head in K.DELETING:
            return False
        return True
