"""What a command does when its reader goes away (``cmd | head``).

C tools die quietly of SIGPIPE; Python raises BrokenPipeError and, at exit,
complains again while flushing stdout.  Commands catch BrokenPipeError in
``main`` and return ``broken_pipe_exit()``.
"""
import os
import signal
import sys


def broken_pipe_exit() -> int:
    """Silence the interpreter's final flush and return 128+SIGPIPE."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    return 128 + signal.SIGPIPE
