"""aureport: summary and detailed reports over audit logs (drop-in for the reference).

Exit status: 0 report printed; 1 bad option, unreadable input, or a
detailed report that found no events of interest.
"""
from __future__ import annotations

import gc
import locale
import sys
from typing import BinaryIO

from ..report.json_out import JsonReport
from ..report.options import (USAGE, EarlyExit, OptionError, OutputFormat, Unimplemented,
                                parse_args)
from ..report.run import EXIT_FAIL, EXIT_OK, Output, ReportRun


def _binary(stream) -> BinaryIO:
    return getattr(stream, "buffer", stream)


def main(argv: list[str] | None = None, stdin=None, stdout=None, stderr=None) -> int:
    """Run aureport with ``argv`` (without the program name)."""
    if argv is None:
        argv = sys.argv[1:]
    out_stream = _binary(stdout if stdout is not None else sys.stdout)
    err_stream = _binary(stderr if stderr is not None else sys.stderr)
    out = Output(out_stream.write, getattr(out_stream, "flush", None))
    err = Output(err_stream.write, getattr(err_stream, "flush", None))
    words = [a.encode("utf-8", "surrogateescape").decode("latin-1") if isinstance(a, str) else
             a.decode("latin-1") for a in argv]
    try:
        locale.setlocale(locale.LC_TIME, "")
    except locale.Error:
        pass
    try:
        try:
            opts = parse_args(words)
        except EarlyExit as exc:
            out(exc.text)
            return EXIT_OK
        except Unimplemented:
            err("Unimplemented option\n")
            return EXIT_FAIL
        except OptionError as exc:
            msg = str(exc)
            err(msg + ("" if getattr(exc, "newline", True) is False else "\n"))
            err.flush()
            out(USAGE)
            return EXIT_FAIL
        if stdin is not None:
            stdin_file = _binary(stdin)
            try:
                stdin_fd = stdin_file.fileno()
            except (AttributeError, OSError, ValueError):
                stdin_fd = -1
        else:
            stdin_file = None
            stdin_fd = 0
        # The events in flight are many small acyclic objects: the cyclic
        # collector would only rescan them (about a fifth of the run time).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        report_out = out
        if opts.format is OutputFormat.JSON:
            report_out = JsonReport(out)
        try:
            status = ReportRun(opts, report_out, err, stdin_file, stdin_fd,
                               progress_stream=err_stream).run()
            if report_out is not out:
                report_out.finish()
            return status
        except KeyboardInterrupt:
            return 130
        finally:
            if gc_was_enabled:
                gc.enable()
    except BrokenPipeError:
        return EXIT_FAIL
    finally:
        try:
            err.flush()
            out.flush()
        except BrokenPipeError:
            pass


if __name__ == "__main__":
    sys.exit(main())
