"""``audisp-remote [--config FILE] [--log-stderr]``: the remote logging plugin.

Records come on stdin (auditd's dispatcher, ``format = string``); the
configuration is ``/etc/audit/audisp-remote.conf`` (``--config`` is an audix
addition; the reference takes no arguments).  Messages go to syslog (and to
stderr with ``--log-stderr``).

Exit codes as the reference: 0 everything sent, 1 records left in the queue
or the queue could not be opened, 6 configuration error; 2 usage (audix).
"""

from __future__ import annotations

import os
import sys
import syslog
from dataclasses import dataclass

from audix.daemon.remote.client import RemoteClient
from audix.daemon.remote.client_config import CONFIG_FILE, RemoteConfigError, load_config

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CONFIG = 6

USAGE = "Usage: audisp-remote [--config FILE] [--log-stderr]\n"


@dataclass
class Environment:
    stdin_fd: int = 0
    stdout: object = None
    stderr: object = None
    use_syslog: bool = True


def _emit(stream, text: str) -> None:
    """One line, latin-1 encoded when the stream takes bytes."""
    target = getattr(stream, "buffer", None)
    try:
        if target is not None:
            target.write((text + "\n").encode("latin-1", "replace"))
            target.flush()
        else:
            stream.write(text + "\n")
            stream.flush()
    except (OSError, ValueError):
        pass


def _parse(argv: list[str]) -> tuple[str, bool]:
    path, to_stderr = CONFIG_FILE, False
    it = iter(argv)
    for arg in it:
        if arg == "--config":
            path = next(it, None)
            if path is None:
                raise ValueError("--config needs a file name")
        elif arg.startswith("--config="):
            path = arg.split("=", 1)[1]
        elif arg == "--log-stderr":
            to_stderr = True
        elif arg in ("-h", "--help"):
            raise ValueError("")
        else:
            raise ValueError(f"unknown argument {arg}")
    return path, to_stderr


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    env = env or Environment()
    stderr = env.stderr or sys.stderr
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"]):
        _emit(env.stdout or sys.stdout, USAGE.rstrip("\n"))
        return 0
    try:
        path, to_stderr = _parse(args)
    except ValueError as e:
        if str(e):
            _emit(stderr, f"audisp-remote: {e}")
        stderr_text = USAGE.rstrip("\n")
        _emit(stderr, stderr_text)
        return EXIT_USAGE

    if env.use_syslog:
        syslog.openlog("audisp-remote", syslog.LOG_PID, syslog.LOG_DAEMON)

    def log(priority: int, message: str) -> None:
        if env.use_syslog:
            syslog.syslog(priority, message)
        if to_stderr:
            _emit(stderr, message)

    try:
        config = load_config(path)
    except RemoteConfigError as e:
        log(syslog.LOG_ERR, str(e))
        if not to_stderr:
            _emit(stderr, f"audisp-remote: {e}")
        return EXIT_CONFIG
    for w in config.warnings:
        log(syslog.LOG_WARNING, w)
    os.umask(os.umask(0o077) | 0o027)
    client = RemoteClient(config, input_fd=env.stdin_fd, log=log,
                          reload=lambda: load_config(path))
    return client.run()


if __name__ == "__main__":
    sys.exit(main())
