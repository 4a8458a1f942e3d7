"""``audisp-syslog [PRIORITY] [FACILITY] [interpret]``: the syslog plugin.

Reads records on stdin (auditd's dispatcher) and writes each to syslog.
Exit codes as the reference: 0 at end of input or on SIGTERM, 1 on an
unknown argument (logged to syslog and, with audix, to stderr).
"""

from __future__ import annotations

import os
import signal
import sys
import syslog
from dataclasses import dataclass

from audix.daemon.plugins.audisp_syslog import (ArgumentError, RecordFormatter, init_message,
                                                parse_args, run)

PROGRAM = "audisp-syslog"
MAX_LINE = 8970
USAGE = "Usage: audisp-syslog [LOG_<priority>] [LOG_<facility>] [interpret]"


@dataclass
class Environment:
    stdin_fd: int = 0
    stdout: object = None
    stderr: object = None
    emit: object = None          # (priority, text); default: the C library's syslog
    openlog: object = None       # (ident, facility)


class _Stop(Exception):
    pass


def _lines(fd: int):
    """Lines of fd with their \\n (split on \\n only, never on \\x1d), latin-1."""
    buf = b""
    while True:
        try:
            data = os.read(fd, 65536)
        except InterruptedError:
            continue
        if not data:
            if buf:
                yield buf.decode("latin-1")
            return
        buf += data
        *complete, buf = buf.split(b"\n")
        for c in complete:
            yield c[:MAX_LINE].decode("latin-1") + "\n"


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    env = env or Environment()
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"]):  # audix addition
        print(USAGE, file=env.stdout or sys.stdout)
        return 0
    emit = env.emit or syslog.syslog
    openlog = env.openlog or (lambda ident, facility: syslog.openlog(ident, 0, facility))
    if env.emit is None:
        syslog.openlog(PROGRAM, 0, syslog.LOG_USER)
    try:
        settings = parse_args(args)
    except ArgumentError as e:
        emit(syslog.LOG_ERR, str(e))
        stderr = env.stderr or sys.stderr
        print(f"{PROGRAM}: {e}", file=stderr)
        return 1
    emit(syslog.LOG_INFO, init_message(settings))
    if settings.ident is not None:
        openlog(settings.ident, settings.facility)

    def on_term(signum, frame):
        raise _Stop()

    old_term = signal.signal(signal.SIGTERM, on_term)
    old_hup = signal.signal(signal.SIGHUP, lambda s, f: None)   # reload: nothing to reload
    try:
        run(_lines(env.stdin_fd), settings, emit, RecordFormatter(settings))
    except _Stop:
        pass
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGHUP, old_hup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
