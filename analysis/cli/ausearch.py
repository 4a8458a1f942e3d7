"""``ausearch``: search the audit logs (a drop-in for the reference tool).

Exit statuses: 0 something matched; 1 nothing matched (``<no matches>`` on
stderr unless ``--raw``), a usage error or an unreadable input; 10 bad
checkpoint file; 11 checkpoint could not be written; 12 corrupted
checkpoint.
"""
from __future__ import annotations

import locale
import signal
import sys

from ..search.options import parse_args
from ..search.runner import SearchEnv, run


def main(argv: list[str] | None = None, env: SearchEnv | None = None) -> int:
    """Run ausearch with ``argv`` (without the program name); returns the exit status."""
    if argv is None:
        argv = [a.encode("utf-8", "surrogateescape").decode("latin-1") for a in sys.argv[1:]]
        # a closed output pipe ends the process quietly, like the C tool
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    env = (env or SearchEnv()).resolved()
    try:
        locale.setlocale(locale.LC_TIME, "")   # dates follow LC_TIME, as in the reference
    except locale.Error:
        pass
    outcome = parse_args(argv, now=env.now)
    if outcome.stdout:
        env.stdout.write(outcome.stdout.encode("latin-1", "replace"))
        env.stdout.flush()
    if outcome.stderr:
        env.stderr.write(outcome.stderr.encode("latin-1", "replace"))
        env.stderr.flush()
    if outcome.exit_status is not None:
        return outcome.exit_status
    try:
        return run(outcome.options, env)
    except KeyboardInterrupt:
        return 130


def console_main() -> None:
    sys.exit(main())


if __name__ == "__main__":
    console_main()
