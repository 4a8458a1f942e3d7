"""``autrace``: trace a program and all its descendants through the audit subsystem.

Usage::

    autrace [-o FILE] [-t|-tt|-ttt] [-e trace=SET] [-c] [-q] [--no-follow] [-r]
            [--json] [--log FILE] PROGRAM [ARGS...]
    autrace --pid PID [-if FILE|DIR] [-ts DATE [TIME]] [-te DATE [TIME]] [...]
    autrace --cleanup

Exit status: the traced program's (128+N when a signal N killed it); 1 for
autrace's own errors (not root, no audit, immutable audit, bad usage);
126/127 when the program cannot be executed / found.  Forensic mode exits 0,
or 1 when the logs hold no event of the process.
"""
from __future__ import annotations

import argparse
import os
import stat
import sys
from dataclasses import dataclass
from typing import BinaryIO

from audix.analysis.timeline import sets

EXIT_ERROR = 1


@dataclass
class Env:
    """Where autrace writes (binary streams; text is encoded latin-1)."""

    stdout: BinaryIO
    stderr: BinaryIO
    environ: dict[str, str] | None = None

    @classmethod
    def default(cls) -> "Env":
        return cls(sys.stdout.buffer, sys.stderr.buffer, None)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line, exit 1 (not argparse's 2)
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="autrace", add_help=True,
                description="Trace a program and its descendants through the audit subsystem.")
    p.add_argument("-o", dest="output", metavar="FILE", help="write the timeline to FILE (default: stderr)")
    p.add_argument("-t", dest="time", action="count", default=0,
                   help="prefix lines with the time (-tt milliseconds, -ttt epoch)")
    p.add_argument("-e", dest="expr", action="append", default=[], metavar="trace=SET",
                   help="trace only these syscalls (names, %%file %%network %%process %%desc ...)")
    p.add_argument("-c", dest="summary", action="store_true", help="print a summary table instead of the timeline")
    p.add_argument("-q", dest="quiet", action="store_true", help="no notes and no final summary line")
    p.add_argument("--no-follow", dest="follow", action="store_false", help="trace the top process only")
    p.add_argument("-r", dest="resource", action="store_true", help="the reference's resource syscalls only")
    p.add_argument("--json", action="store_true", help="JSON Lines instead of text")
    p.add_argument("--log", metavar="FILE", help="also write the raw records in audit log format")
    p.add_argument("--cleanup", action="store_true", help="remove rules left by dead autrace runs, then exit")
    p.add_argument("--pid", type=int, help="forensic mode: rebuild the timeline of PID from logs")
    p.add_argument("-if", dest="input", metavar="FILE|DIR", help="forensic mode: log file or directory")
    p.add_argument("-ts", dest="start", nargs="+", metavar="DATE", help="forensic mode: start date [time]")
    p.add_argument("-te", dest="end", nargs="+", metavar="DATE", help="forensic mode: end date [time]")
    p.add_argument("command", nargs=argparse.REMAINDER, help="program and its arguments")
    return p


def syscall_sets(args) -> dict[str, frozenset[int] | None]:
    """Per arch, the syscall numbers to audit (None = all)."""
    from .process_rules import host_arches

    from audix.analysis.tables.syscalls import SYSCALL_NUMBERS

    arches = host_arches()
    known = set()
    for arch in arches:
        known |= set(SYSCALL_NUMBERS.get(arch, {}))
    names: frozenset[str] | None = None
    if args.resource:
        names = sets.RESOURCE
    for expr in args.expr:
        chosen = sets.parse_trace_expr(expr, known)
        if chosen is not None:
            names = chosen if names is None else names & chosen
    out: dict[str, frozenset[int] | None] = {}
    for arch in arches:
        if names is None:
            out[arch] = None
        else:
            table = SYSCALL_NUMBERS.get(arch, {})
            out[arch] = frozenset(table[n] for n in names if n in table and table[n] >= 0)
    return out


class Output:
    """The timeline sink: renders items (or sums them for -c) to a binary stream."""

    def __init__(self, stream: BinaryIO, json_mode: bool, summary: bool, time_level: int):
        self.stream = stream
        self.json_mode = json_mode
        self.time_level = time_level
        self.summary = None
        if summary:
            from audix.analysis.timeline.summary import Summary
            self.summary = Summary()
        self._buf: list[str] = []
        self.lost = 0
        self._render = None

    def _renderer(self):
        """The renderer, made on first use: a run whose timeline nobody reads
        (or that renders in its worker process) never imports it here."""
        if self.json_mode:
            from audix.analysis.timeline.jsonl import JsonRenderer
            renderer = JsonRenderer()
        else:
            from audix.analysis.timeline.text import TextRenderer, TimeFormat
            renderer = TextRenderer(TimeFormat(self.time_level))
        self._render = renderer.render
        return self._render

    def item(self, item) -> None:
        if self.summary is not None:
            self.summary.add(item)
            return
        self._buf.append((self._render or self._renderer())(item))
        if len(self._buf) >= 512:
            self.flush()

    def flush(self) -> None:
        if self._buf:
            self.stream.write(("\n".join(self._buf) + "\n").encode("latin-1", "replace"))
            self._buf.clear()
        self.stream.flush()

    def finish(self) -> None:
        if self.summary is not None:
            self._buf.extend(self.summary.render())
        self.flush()


def _line_writer(stream: BinaryIO):
    def write(line: str) -> None:
        stream.write((line + "\n").encode("latin-1", "replace"))
    return write


def discards_output(path: str | None) -> bool:
    """Whether ``path`` is the null device: nobody reads what is written there."""
    if not path:
        return False
    try:
        st = os.stat(path)
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == null.st_rdev


def _has_fd(stream) -> bool:
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


def _strerror(code: int) -> str:
    return os.strerror(code).encode("utf-8", "surrogateescape").decode("latin-1")


def _write_line(stream: BinaryIO, text: str) -> None:
    stream.write((text + "\n").encode("latin-1", "replace"))
    stream.flush()


def main(argv: list[str] | None = None, env: Env | None = None) -> int:
    env = env or Env.default()
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        _write_line(env.stderr, f"autrace: {exc}")
        return EXIT_ERROR
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        if args.cleanup:
            return run_cleanup(env)
        if args.pid is not None:
            from .forensic_cli import run_forensic
            return run_forensic(args, env)
        if not args.command:
            _write_line(env.stderr, "autrace: no program given (usage: autrace [options] PROGRAM [ARGS...])")
            return EXIT_ERROR
        return run_trace(args, env)
    except sets.TraceSetError as exc:
        _write_line(env.stderr, f"autrace: {exc}")
        return EXIT_ERROR


def run_cleanup(env: Env) -> int:
    from audix.daemon.errors import AuditError
    from audix.daemon.netlink import AuditNetlink

    from .process_rules import remove_stale_rules
    from .session import TraceError, check_environment

    try:
        check_environment()
        with AuditNetlink() as nl:
            removed = remove_stale_rules(nl)
    except TraceError as exc:
        _write_line(env.stderr, str(exc))
        return exc.exit_code
    except AuditError as exc:
        _write_line(env.stderr, f"autrace: {exc}")
        return EXIT_ERROR
    _write_line(env.stderr, f"autrace: removed {removed} stale rules")
    return 0


def run_trace(args, env: Env) -> int:
    from .session import TraceError, TraceOptions, TraceSession

    command = args.command
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        _write_line(env.stderr, "autrace: no program given")
        return EXIT_ERROR
    time_level = min(args.time, 3)
    out_file = None
    log_file = None
    try:
        if args.output:
            out_file = open(args.output, "wb")
        if args.log:
            log_file = open(args.log, "wb")
    except OSError as exc:
        _write_line(env.stderr, f"autrace: cannot open {exc.filename}: {exc.strerror}")
        return EXIT_ERROR
    stream = out_file or env.stderr
    output = Output(stream, args.json, args.summary, time_level)
    on_raw = _line_writer(log_file) if log_file is not None else None

    def on_note(text: str) -> None:
        if not args.quiet:
            output.flush()
            _write_line(env.stderr, text)

    # render in a second process when there is a core for it (AUDIX_AUTRACE_WORKER=0: never)
    parallel = (_has_fd(stream) and (os.cpu_count() or 1) > 1
                and (env.environ or os.environ).get("AUDIX_AUTRACE_WORKER", "1") != "0")
    options = TraceOptions(argv=command, follow=args.follow, syscalls=syscall_sets(args),
                           environ=env.environ, keep_proctitle=bool(args.json or args.log),
                           parallel=parallel, render=not discards_output(args.output))
    session = TraceSession(options, output.item, on_raw, on_note, output.flush, output.finish)
    try:
        result = session.run()
    except TraceError as exc:
        _write_line(env.stderr, str(exc))
        return exc.exit_code
    finally:
        if parallel:
            output.flush()      # the worker process rendered and finished the output
        else:
            output.finish()
        if out_file is not None:
            out_file.close()
        if log_file is not None:
            log_file.close()
    if result.exec_error:
        _write_line(env.stderr, f"autrace: cannot execute {command[0]}: {_strerror(result.exec_error)}")
    if not args.quiet:
        _write_line(env.stderr, f"autrace: {result.processes} processes, {result.syscalls} syscalls, "
                                f"{result.lost} records lost")
    return result.exit_status


def run() -> None:  # pragma: no cover - exits the process
    """The command's entry point: :func:`main`, then an exit without the
    interpreter's teardown (30-40 ms of freeing and collecting what the
    kernel frees anyway).  Every file main() opened is closed by then; the
    standard streams are flushed here."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
