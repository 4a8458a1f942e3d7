"""``autrace --pid PID [-if FILE|DIR] [-ts ...] [-te ...]``: the timeline rebuilt from logs."""
from __future__ import annotations

from audix.analysis.event import coalesce
from audix.analysis.logsource import InputError, load_log_config, os_message, plan_input
from audix.analysis.record import ParseError, parse_record
from audix.analysis.timeline.builder import TimelineBuilder
from audix.analysis.timeline.forensic import TreeSelector
from audix.analysis.timeparse import TimeError, end_time, is_keyword, start_time
from audix.analysis.tables.syscalls import SYSCALL_NUMBERS
from audix.analysis.timeline import sets
from audix.analysis.timeline.model import SyscallEvent

EXIT_NOTHING = 1


def _records(paths: list[str]):
    for path in paths:
        with open(path, "rb") as fh:
            for raw in fh:
                line = raw.decode("latin-1").rstrip("\n")
                try:
                    yield parse_record(line)
                except ParseError:
                    continue


def _when(words: list[str] | None, which: str) -> float | None:
    """-ts/-te words as ausearch reads them: DATE [TIME], TIME alone, or a keyword."""
    if not words:
        return None
    resolve = start_time if which == "start" else end_time
    first = words[0]
    if len(words) > 1:
        date, tod = (words[1], first) if ":" in first else (first, words[1])
    elif ":" in first:
        date, tod = None, first
    else:
        date, tod = first, ("00:00:00" if which == "start" or is_keyword(first) else None)
    return float(resolve(date, tod))


def _wanted_names(args) -> frozenset[str] | None:
    """-e/-r as a set of syscall names (None: all)."""
    known: set[str] = set()
    for table in SYSCALL_NUMBERS.values():
        known |= set(table)
    names = sets.RESOURCE if args.resource else None
    for expr in args.expr:
        chosen = sets.parse_trace_expr(expr, known)
        if chosen is not None:
            names = chosen if names is None else names & chosen
    return names


def _filtered(emit, wanted: frozenset[str] | None):
    """``emit`` for the syscalls in ``wanted`` (and every process/lost item)."""
    if wanted is None:
        return emit

    def keep(item) -> None:
        if not isinstance(item, SyscallEvent) or item.name in wanted:
            emit(item)
    return keep


def run_forensic(args, env) -> int:
    from .cli import Output, _write_line

    try:
        plan = plan_input(args.input, args.input is None, load_log_config())
        start = _when(args.start, "start")
        end = _when(args.end, "end")
    except (InputError, TimeError) as exc:
        _write_line(env.stderr, f"autrace: {exc}")
        return 1
    out_file = None
    if args.output:
        try:
            out_file = open(args.output, "wb")
        except OSError as exc:
            _write_line(env.stderr, f"autrace: cannot open {args.output}: {os_message(exc)}")
            return 1
    output = Output(out_file or env.stdout, args.json, args.summary, min(args.time, 3))
    wanted = _wanted_names(args)
    builder = TimelineBuilder(_filtered(output.item, wanted), root_pid=None, exits_from_records=True)
    selector = TreeSelector(args.pid, start, end)
    try:
        for event, sc in selector.select(coalesce(_records(plan.files))):
            builder.add_event(event, sc)
    except OSError as exc:
        _write_line(env.stderr, f"autrace: cannot read {exc.filename}: {os_message(exc)}")
        return 1
    finally:
        builder.flush()
        output.finish()
        if out_file is not None:
            out_file.close()
    if builder.syscalls == 0:
        _write_line(env.stderr, f"autrace: no events of process {args.pid} in the logs")
        return EXIT_NOTHING
    if not args.quiet:
        _write_line(env.stderr, f"autrace: {builder.processes} processes, {builder.syscalls} syscalls")
    return 0
