"""The ausearch engine: read the input, group, match, write.

``run(options, env) -> exit status``.  Lines stream through the reference
grouping (``LogGrouper``); each released event is matched and, if it
matches, formatted and written.  Memory holds only the events in flight.
"""
from __future__ import annotations

import gc
import sys
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

from .. import checkpoint as ckpt
from ..event import LogEvent, LogGrouper
from ..logsource import (PIPE_IDLE_SECONDS, InputError, InputStats, SourceKind, load_log_config,
                         open_log, plan_input, read_pieces, stdin_is_pipe)
from ..record import Record, type_name
from .match import Matcher
from .options import Format, SearchOptions
from .formats_csv import CsvExtras
from .output import EventWriter, FormatNotCovered, NormalizedFormats
from .progress import ScanProgress, scan_progress
from .window import window_for

FLUSH_BYTES = 1 << 20


@dataclass
class SearchEnv:
    """Where ausearch reads and writes; tests replace the streams."""

    stdin: BinaryIO | None = None
    stdout: BinaryIO | None = None
    stderr: BinaryIO | None = None
    stdin_is_pipe: bool | None = None
    auditd_conf: str = "/etc/audit/auditd.conf"
    now: float | None = None
    extra: dict = field(default_factory=dict)

    def resolved(self) -> "SearchEnv":
        e = SearchEnv(self.stdin, self.stdout, self.stderr, self.stdin_is_pipe,
                      self.auditd_conf, self.now, self.extra)
        if e.stdin is None:
            e.stdin = sys.stdin.buffer
        if e.stdout is None:
            e.stdout = sys.stdout.buffer
        if e.stderr is None:
            e.stderr = sys.stderr.buffer
        if e.stdin_is_pipe is None:
            try:
                e.stdin_is_pipe = stdin_is_pipe(e.stdin.fileno())
            except (AttributeError, OSError, ValueError):
                e.stdin_is_pipe = False
        return e


class _Out:
    """Buffered latin-1 writer."""

    def __init__(self, stream: BinaryIO, line_buffered: bool):
        self.stream = stream
        self.parts: list[str] = []
        self.size = 0
        self.line_buffered = line_buffered

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            data = "".join(self.parts).encode("latin-1", "replace")
            self.parts.clear()
            self.size = 0
            try:
                self.stream.write(data)
                self.stream.flush()
            except BrokenPipeError:
                raise
        else:
            try:
                self.stream.flush()
            except (AttributeError, ValueError):
                pass


class Unsupported(Exception):
    """An option audix accepts but cannot carry out; ``str()`` is the message."""


class _StopSearch(Exception):
    """--just-one found its event, or a checkpoint is corrupt."""

    def __init__(self, status: int = 0):
        self.status = status


def _interpreter_line_formatter(opts: SearchOptions, stderr: Callable[[str], None]
                                ) -> Callable[[str, int, LogEvent], str]:
    """(line, type, event) -> the ``ausearch -i`` text of that record.

    The record is shown with the event's node and time stamp, like the
    reference.  A line without ``(`` prints nothing (and a message on
    stderr); one without ``)`` after it prints its header only, with no
    newline -- both as the reference does.
    """
    from ..interpret import Interpreter  # written by the interpretation helper
    interp = Interpreter(escape=opts.escape.value)

    def fmt(line: str, type_: int, ev: LogEvent) -> str:
        raw = line.split("\x1d", 1)[0]
        start = 0
        if ev.node is not None:
            sp = raw.find(" ")
            if sp >= 0:
                start = sp + 1
        paren = raw.find("(", start)
        if paren < 0:
            stderr("can't find time stamp\n")
            return ""
        close = raw.find("):", paren)
        body_start = close + 2 if close >= 0 else 0
        if raw.startswith(" ", body_start):
            body_start += 1
        record = Record(line, ev.node, type_, type_name(type_), ev.sec, ev.msec, ev.serial,
                        body_start)
        text = interp.format_record(record)
        if raw.find(")", paren + 1) < 0:
            return text
        return text + "\n"
    return fmt


def _json_formatter(opts: SearchOptions):
    """``--format json`` (``-i``: values interpreted); see formats_json.py."""
    from .formats_json import JsonEvents
    interp = None
    if opts.json_interpret:
        from ..interpret import Interpreter
        interp = Interpreter(escape=opts.escape.value)
    return JsonEvents(interp)


class Search:
    """One ausearch run over its input."""

    def __init__(self, opts: SearchOptions, env: SearchEnv):
        self.o = opts
        self.env = env
        self.err_parts: list[str] = []
        self.out = _Out(env.stdout, opts.line_buffered)
        self.matcher = Matcher(opts, self.stderr)
        self.found = False
        self.stats = InputStats()
        writer = EventWriter(opts.escape, stats=self.stats)
        if opts.format == Format.RAW:
            self.format = writer.raw
        elif opts.format == Format.INTERP:
            writer.interpret_line = _interpreter_line_formatter(opts, self.stderr)
            self.format = writer.interpreted
        elif opts.format in (Format.CSV, Format.TEXT):
            normalized = NormalizedFormats(opts.escape, CsvExtras(
                opts.extra_keys, opts.extra_labels, opts.extra_obj2, opts.extra_time), self.stderr)
            self.format = normalized.csv if opts.format == Format.CSV else normalized.text
        elif opts.format == Format.JSON:
            self.format = _json_formatter(opts)
        else:
            self.format = writer.default
        self.gate: ckpt.OutputGate | None = None
        self.last_event: ckpt.EventMark | None = None
        self.checkpoint_failure = ckpt.Failure.NONE
        self.progress: ScanProgress | None = None     # on a terminal, for big files
        self.on_match: Callable[[LogEvent], None] | None = None   # the index's answer cache

    def stderr(self, text: str) -> None:
        self.out.flush()
        if self.progress is not None:
            self.progress.finish()      # the message starts its own line
        try:
            self.env.stderr.write(text.encode("latin-1", "replace"))
            self.env.stderr.flush()
        except (OSError, ValueError):
            pass

    # --- event handling ---------------------------------------------------
    def handle(self, events: list[LogEvent], matched: bool = False) -> None:
        """Output the events that match (all of them when ``matched``: the
        index's record of an earlier search with the same criteria)."""
        o = self.o
        matches = _always if matched else self.matcher.matches
        fmt = self.format
        out = self.out
        for ev in events:
            if matches(ev):
                decision = ckpt.Decision.OUTPUT
                if self.gate is not None:
                    decision = self.gate.decide(ev.sec, ev.msec, ev.serial, ev.node, ev.type)
                if decision == ckpt.Decision.OUTPUT:
                    self.found = True
                    if self.on_match is not None:
                        self.on_match(ev)
                    out.write(fmt(ev))
                elif decision == ckpt.Decision.CORRUPT:
                    last = self.gate.cp.last
                    self.stderr(
                        "Corrupted checkpoint file. Inode match, but newer complete event "
                        f"({ev.sec}.{ev.msec:03d}:{ev.serial}) found before loaded checkpoint "
                        f"{last.sec}.{last.msec:03d}:{last.serial}\n")
                    self.checkpoint_failure |= ckpt.Failure.CORRUPTED
                    raise _StopSearch(10)
                if o.just_one:
                    raise _StopSearch(0)
                if o.line_buffered:
                    out.flush()
            if o.checkpoint:
                self._remember(ev)

    def _remember(self, ev: LogEvent) -> None:
        if self.o.checkpoint:
            self.last_event = ckpt.EventMark(ev.sec, ev.msec, ev.serial, ev.node, ev.type)

    # --- reading ------------------------------------------------------------
    def process_stream(self, stream: BinaryIO, grouper: LogGrouper, last: bool,
                       idle_timeout: float | None = None) -> None:
        ready: list[LogEvent] = []
        try:
            self._read_all(stream, grouper, last, idle_timeout, ready)
        except BrokenPipeError:
            raise
        except OSError:
            # a read error ends this input like the reference's fgets failure:
            # what is complete is released, events in flight are dropped
            grouper.drain(ready)
            if ready:
                self.handle(ready)
            return
        if last and not self.o.checkpoint:
            grouper.finish(ready)
        else:
            grouper.drain(ready)
        if ready:
            self.handle(ready)

    def _read_all(self, stream, grouper, last, idle_timeout, ready) -> None:
        window = window_for(self.o.start_time, self.o.end_time)   # -ts/-te: skip whole blocks
        for batch in read_pieces(stream, idle_timeout, self.stats):
            if batch:
                if window is not None and not window.keep(batch):
                    continue
                grouper.add_lines(batch, ready)
            elif last and not self.o.checkpoint:
                grouper.finish(ready)     # the pipe went quiet: flush, like the reference
            if ready:
                self.handle(ready)
                ready.clear()
            for msg in grouper_errors(grouper):
                self.stderr(msg + "\n")


def _always(ev: LogEvent) -> bool:
    return True


def grouper_errors(grouper: LogGrouper):
    errs = grouper.errors
    if errs:
        out = list(errs)
        errs.clear()
        return out
    return ()


def run(opts: SearchOptions, env: SearchEnv) -> int:
    env = env.resolved()
    try:
        search = Search(opts, env)
    except Unsupported as exc:
        env.stderr.write(f"ausearch: {exc}\n".encode("latin-1", "replace"))
        env.stderr.flush()
        return 1
    # events hold no reference cycles; the cyclic collector would only
    # rescan the (possibly 100k) events in flight again and again
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(search, opts, env)
    except BrokenPipeError:
        return 0
    except FormatNotCovered as exc:
        search.stderr(f"ausearch: {exc}\n")
        return 1
    finally:
        if gc_was_enabled:
            gc.enable()
        if search.progress is not None:
            search.progress.finish()
        try:
            search.out.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass


def _run(search: Search, opts: SearchOptions, env: SearchEnv) -> int:
    config = load_log_config(env.auditd_conf)
    if not config.loaded:
        search.stderr(f"NOTE - using built-in logs: {config.log_file}\n")
    timeout = opts.eoe_timeout or config.end_of_event_timeout
    cp = None
    if opts.checkpoint:
        errors: list[str] = []
        rc, cp, failure = ckpt.load(opts.checkpoint, errors)
        for e in errors:
            search.stderr(e)
        if rc < -1:
            return 10
        search.gate = ckpt.OutputGate(cp, opts.checkpoint_time_only)
    grouper = LogGrouper(timeout, opts.start_time, opts.end_time, errors=[])
    try:
        plan = plan_input(opts.input_file, opts.force_logs, config,
                          stdin_fd=-1 if not env.stdin_is_pipe else 0)
    except InputError as exc:
        search.stderr(f"{exc}\n")
        return 1
    if opts.input_file is None and not opts.force_logs and env.stdin_is_pipe:
        plan.kind = SourceKind.STDIN
        plan.files = []
    for note in plan.notes:
        search.stderr(note + "\n")
    rc = 0
    last_file = None
    try:
        if plan.kind == SourceKind.STDIN:
            search.process_stream(env.stdin, grouper, last=True,
                                  idle_timeout=env.extra.get("pipe_idle", PIPE_IDLE_SECONDS))
            if opts.checkpoint:
                search.stderr("Warning - checkpointing stdin is not supported")
            search.out.flush()
            return _final(search, opts, 0)
        files = plan.files
        if plan.kind == SourceKind.LOGS and cp is not None:
            files = _files_after_checkpoint(files, cp, opts.checkpoint_time_only)
            if files is None:
                return _final_ckpt(search, opts, 10, None)
        search.progress = progress = scan_progress(env.stderr, files, "ausearch",
                                                   env.extra.get("progress_min_bytes"))
        if _use_index(opts, plan.kind, cp) and _answer_from_index(search, opts, plan.kind, files,
                                                                 timeout):
            files = []
        for i, name in enumerate(files):
            last_file = name
            stream = open_log(name)
            if progress is not None:
                stream = progress.wrap(stream)
            try:
                search.process_stream(stream, grouper, last=(i == len(files) - 1))
            finally:
                stream.close()
    except InputError as exc:
        search.stderr(f"{exc}\n")
        rc = 1
    except _StopSearch as stop:
        rc = stop.status
    search.out.flush()
    if opts.checkpoint:
        return _final_ckpt(search, opts, rc, last_file)
    return _final(search, opts, rc)


def _use_index(opts: SearchOptions, kind: SourceKind, cp) -> bool:
    """The sidecar index may answer (see analysis/index); else the plain scan."""
    return (not opts.no_index and cp is None and not opts.checkpoint and not opts.debug
            and kind in (SourceKind.FILE, SourceKind.LOGS))


def _answer_from_index(search: Search, opts: SearchOptions, kind: SourceKind,
                       files: list[str], timeout: int) -> bool:
    from ..index.answer import IndexMismatch, answer_from_index
    try:
        return answer_from_index(search, opts, kind, files, timeout)
    except IndexMismatch:
        raise InputError("ausearch: the search index does not match the logs (it was removed); "
                         "run again") from None


def _files_after_checkpoint(files: list[str], cp: ckpt.Checkpoint, time_only: bool):
    """The rotated files from the checkpointed one on (None: it is gone)."""
    newest_first = list(reversed(files))
    for idx, name in enumerate(newest_first):
        ident = ckpt.file_identity(name)
        if ident == (cp.dev & 0xffffffff, cp.inode & 0xffffffff) and not time_only:
            return list(reversed(newest_first[:idx + 1]))
    if time_only:
        return files
    return None


def _final_ckpt(search: Search, opts: SearchOptions, rc: int, last_file: str | None) -> int:
    failure = search.checkpoint_failure
    errors: list[str] = []
    if last_file is not None and rc == 0:
        ident = ckpt.file_identity(last_file)
        if ident is None:
            errors.append(f"Cannot stat audit file for checkpoint details - {last_file}: "
                          "No such file or directory\n")
            failure |= ckpt.Failure.STATFAILED
        elif not failure and search.last_event is not None:
            failure |= ckpt.save(opts.checkpoint, ident[0], ident[1], search.last_event, errors)
        elif not failure:
            failure |= ckpt.save(opts.checkpoint, ident[0], ident[1], ckpt.EventMark(), errors)
    for e in errors:
        search.stderr(e)
    if failure:
        rc = 12 if failure & ckpt.Failure.CORRUPTED else 11
    return _final(search, opts, rc)


def _final(search: Search, opts: SearchOptions, rc: int) -> int:
    search.out.flush()
    if rc:
        return rc
    if not search.found:
        if opts.format != Format.RAW:
            search.stderr("<no matches>\n")
        return 1
    return 0
