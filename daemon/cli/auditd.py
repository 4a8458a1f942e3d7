"""``auditd [-f] [-l] [-n] [-s disable|enable|nochange] [-c CONFIG_DIR]``

Exit codes as the reference: 0 clean stop (or the parent after a good
start), 1 start-up failure (log, netlink, another daemon registered...),
2 usage, 4 not root / no CAP_AUDIT_CONTROL, 6 configuration error.
"""

from __future__ import annotations

import os
import resource
import struct
import sys
import syslog
from dataclasses import dataclass
from typing import Callable

from audix.daemon.auditd_actions import ActionRunner
from audix.daemon.auditd_daemon import (AuditDaemon, DaemonOptions, StartupError, block_signals,
                                        default_dispatcher_factory)
from audix.daemon.config import ConfigError, load_config

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_PERMISSION = 4
EXIT_CONFIG = 6

STARTUP_STATES = ("disable", "enable", "nochange")
USAGE = "Usage: auditd [-f] [-l] [-n] [-s disable|enable|nochange] [-c <config_file>]\n"
CAP_AUDIT_CONTROL = 30


@dataclass
class Environment:
    """What main() touches outside the process; tests replace parts."""

    stdout: object = None
    stderr: object = None
    pid_file: str | None = "/var/run/auditd.pid"
    state_file: str = "/var/run/auditd.state"
    netlink_factory: Callable | None = None
    dispatcher_factory: Callable | None = default_dispatcher_factory  # plugins
    use_syslog: bool = True

    def __post_init__(self):
        if self.stdout is None:
            self.stdout = sys.stdout
        if self.stderr is None:
            self.stderr = sys.stderr


class UsageError(Exception):
    pass


def _write(stream, text: str) -> None:
    data = text.encode("latin-1", "replace")
    target = getattr(stream, "buffer", None)
    try:
        if target is not None:
            target.write(data)
        else:
            stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        pass


@dataclass
class Arguments:
    foreground: bool = False
    allow_links: bool = False
    fork: bool = True
    startup: str = "enable"
    config_dir: str | None = None


_LONG = {"foreground": "f", "allow_links": "l", "disable_fork": "n", "enable_state": "s",
         "config_file": "c"}


def parse_args(argv: list[str], stderr) -> Arguments:
    args = Arguments()
    rest = list(argv)
    positional: list[str] = []
    while rest:
        a = rest.pop(0)
        if a == "--":
            positional.extend(rest)
            break
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            matches = [k for k in _LONG if k.startswith(name)] if name else []
            if name in _LONG:
                matches = [name]
            if len(matches) != 1:
                _write(stderr, f"auditd: unrecognized option '{a}'\n")
                raise UsageError
            opt = _LONG[matches[0]]
            if opt in "sc":
                if not eq:
                    if not rest:
                        _write(stderr, f"auditd: option '--{matches[0]}' requires an argument\n")
                        raise UsageError
                    value = rest.pop(0)
                _apply(args, opt, value, stderr)
            else:
                if eq:
                    _write(stderr, f"auditd: option '--{matches[0]}' doesn't allow an argument\n")
                    raise UsageError
                _apply(args, opt, None, stderr)
            continue
        if a.startswith("-") and a != "-":
            i = 1
            while i < len(a):
                ch = a[i]
                if ch in "fln":
                    _apply(args, ch, None, stderr)
                    i += 1
                    continue
                if ch in "sc":
                    value = a[i + 1:]
                    if not value:
                        if not rest:
                            _write(stderr, f"auditd: option requires an argument -- '{ch}'\n")
                            raise UsageError
                        value = rest.pop(0)
                    _apply(args, ch, value, stderr)
                    break
                _write(stderr, f"auditd: invalid option -- '{ch}'\n")
                raise UsageError
            continue
        positional.append(a)
    if positional:
        raise UsageError
    return args


def _apply(args: Arguments, opt: str, value: str | None, stderr) -> None:
    if opt == "f":
        args.foreground = True
    elif opt == "l":
        args.allow_links = True
    elif opt == "n":
        args.fork = False
    elif opt == "s":
        assert value is not None
        for state in STARTUP_STATES:
            if state.startswith(value):
                args.startup = state
                break
        else:
            _write(stderr, f"unknown startup mode '{value}'\n")
            raise UsageError
    elif opt == "c":
        args.config_dir = value


def _can_control() -> bool:
    if os.geteuid() == 0:
        return True
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) & (1 << CAP_AUDIT_CONTROL))
    except OSError:
        pass
    return False


def _daemonize() -> tuple[int, int]:
    """Fork; the parent waits for the child's status and exits with it.
    Returns (status pipe write end, 0) in the child."""
    r, w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(w)
        data = b""
        while True:
            chunk = os.read(r, 4096)
            if not chunk:
                break
            data += chunk
        if len(data) >= 4:
            status = struct.unpack("=i", data[:4])[0]
            message = data[4:].decode("latin-1")
            if message:
                _write(sys.stderr, message + "\n")
            os._exit(EXIT_OK if status == 0 else EXIT_FAILURE)
        os._exit(EXIT_FAILURE)
    os.close(r)
    os.setsid()
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if null > 2:
        os.close(null)
    os.chdir("/")
    return w, 0


def _tell_parent(fd: int | None, status: int, message: str = "") -> None:
    if fd is None:
        return
    try:
        os.write(fd, struct.pack("=i", status) + message.encode("latin-1", "replace"))
        os.close(fd)
    except OSError:
        pass


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    env = env or Environment()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == ["--help"]:  # audix addition: the reference has no --help
        _write(env.stdout, USAGE)
        return 0
    try:
        args = parse_args(argv, env.stderr)
    except UsageError:
        _write(env.stderr, USAGE)
        return EXIT_USAGE

    if not _can_control():
        _write(env.stderr, "You must be root or have capabilities to run this program.\n")
        return EXIT_PERMISSION

    if args.foreground:
        actions = ActionRunner(stderr=env.stderr, use_syslog=False)
    else:
        # syslog as the reference; errors also on stderr while it is ours
        actions = ActionRunner(stderr=env.stderr, stderr_level=syslog.LOG_ERR,
                               use_syslog=env.use_syslog)
        os.umask(os.umask(0o077) | 0o022)

    for limit in (resource.RLIMIT_FSIZE, resource.RLIMIT_CPU):
        try:
            resource.setrlimit(limit, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        except (ValueError, OSError):
            pass

    try:
        cfg = load_config(args.config_dir, actions.log, args.allow_links)
    except ConfigError:
        actions.log(syslog.LOG_INFO, "The audit daemon is exiting.")
        return EXIT_CONFIG
    if args.foreground:
        cfg.write_logs = False

    if cfg.priority_boost:
        try:
            os.nice(-cfg.priority_boost)
        except OSError as exc:
            actions.log(syslog.LOG_ERR, f"Cannot change priority ({os.strerror(exc.errno)})")
            return EXIT_FAILURE

    status_fd = None
    if not args.foreground and args.fork:
        status_fd, _ = _daemonize()
        actions.stderr = None

    opts = DaemonOptions(config_dir=args.config_dir, allow_links=args.allow_links,
                         foreground=args.foreground,
                         startup=args.startup, pid_file=env.pid_file,
                         state_file=env.state_file,
                         stdout=getattr(env.stdout, "buffer", env.stdout))
    if args.foreground:
        cfg.write_logs = True  # the writer sends lines to stdout instead of a file
    block_signals()
    daemon = AuditDaemon(cfg, opts, actions, env.netlink_factory, env.dispatcher_factory)
    try:
        daemon.start()
    except StartupError as exc:
        actions.log(syslog.LOG_ERR, str(exc))
        daemon.close_sockets()
        _tell_parent(status_fd, 1, str(exc))
        actions.log(syslog.LOG_INFO, "The audit daemon is exiting.")
        return exc.code
    return daemon.serve(ready=lambda: _tell_parent(status_fd, 0))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
