"""auditctl: control the kernel's audit system (a drop-in for the reference's auditctl).

Exit status (as the reference): 0 success (also: a deprecated ``possible``
action, an immutable or disabled audit system when adding rules); 1 usage
without options, or a rules file (``-R``) that could not be read or had an
error (``-c``: after continuing); 4 not root; 255 any other error.
"""

from __future__ import annotations

import errno
import io
import os
import signal as _signal
import socket
import stat
import sys
from dataclasses import dataclass
from typing import Callable, TextIO

from audix.analysis.cli.pipes import broken_pipe_exit

from ..errors import AuditError
from ..netlink import AUDIT_USER, AuditNetlink
from ..rules import Rule
from ..rules_parse import FILTER_UNSET, Executor, LineState, ParseEnv, ParsedCommand, parse_rule_args
from ..rules_text import key_matches, render_listing
from .auditctl_usage import USAGE

VERSION = "3.0.9"
LINE_SIZE = 6144
AUDIT_FEATURE_LOGINUID_IMMUTABLE = 1


def _strerror(code: int) -> str:
    return os.strerror(code).encode("utf-8", "surrogateescape").decode("latin-1")


def _latin1_arg(arg: str) -> str:
    return os.fsencode(arg).decode("latin-1")


@dataclass
class Io:
    stdout: TextIO
    stderr: TextIO

    def out(self, text: str) -> None:
        self.stdout.write(text)

    def err(self, line: str) -> None:
        self.stderr.write(line + "\n")


def _latin1_stream(stream) -> TextIO:
    buf = getattr(stream, "buffer", None)
    if buf is None:
        return stream
    return io.TextIOWrapper(buf, encoding="latin-1", errors="replace", newline="\n",
                            line_buffering=False, write_through=True)


def can_control() -> bool:
    """CAP_AUDIT_CONTROL in the effective set (root normally has it)."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"CapEff:"):
                    return bool(int(line.split()[1], 16) >> 30 & 1)
    except OSError:
        pass
    return os.geteuid() == 0


class KernelExecutor(Executor):
    """Carries out auditctl's requests on an audit netlink socket and prints
    the replies and errors as the reference does."""

    def __init__(self, io_: Io, factory: Callable[[], object],
                 syslog_sink: Callable[[int, str], None] | None = None) -> None:
        super().__init__()
        self.io = io_
        self.syslog_mode = False  # while reading a rules file, as the reference
        self.syslog_sink = syslog_sink or _syslog
        self.factory = factory
        self._nl = None
        self.open_failed = False
        self.pending_status = None  # (AuditStatus, reply length) of the first status request
        self.last_errno = 0

    # -- socket ----------------------------------------------------------------
    @property
    def nl(self):
        if self._nl is None:
            try:
                self._nl = self.factory()
            except AuditError as exc:
                if exc.errno in (errno.EINVAL, errno.EPROTONOSUPPORT, errno.EAFNOSUPPORT):
                    self.log("Error - audit support not in kernel")
                else:
                    self.log(f"Error opening audit netlink socket ({_strerror(exc.errno)})")
                raise
        return self._nl

    def close(self) -> None:
        if self._nl is not None:
            self._nl.close()
            self._nl = None

    def message(self, text: str, *, always_stderr: bool = False) -> None:
        if always_stderr:
            self.io.err(text)
        else:
            self.log(text)

    def log(self, text: str, priority: int = 3) -> None:
        """The reference's audit_msg: stderr, or syslog in rules-file mode."""
        if self.syslog_mode:
            self.syslog_sink(priority, text)
        else:
            self.io.err(text)

    def features_bitmap(self) -> int:
        try:
            return self.nl.get_status().feature_bitmap
        except AuditError:
            return 0

    # -- status setters ------------------------------------------------------------
    def _set(self, label: str, **kw) -> int:
        try:
            self.nl.set_status(allow_irreversible=True, **kw)
            return 1
        except AuditError as exc:
            self.last_errno = exc.errno
            self.log(f"Error sending {label} request ({_strerror(exc.errno)})")
            return -1

    def set_enabled(self, value: int) -> int:
        return self._set("enable", enabled=value)

    def set_failure(self, value: int) -> int:
        return self._set("failure mode", failure=value)

    def set_rate_limit(self, value: int) -> int:
        return self._set("rate limit", rate_limit=value)

    def set_backlog_limit(self, value: int) -> int:
        return self._set("backlog limit", backlog_limit=value)

    def set_backlog_wait_time(self, value: int) -> int:
        return self._set("backlog limit", backlog_wait_time=value)

    def request_status(self) -> int:
        if self.pending_status is None:
            try:
                st = self.nl.get_status()
                self.pending_status = (st, getattr(self.nl, "last_status_length", 44))
            except AuditError as exc:
                self.last_errno = exc.errno
                return -1
        return 1

    # -- printing replies ------------------------------------------------------------
    def print_status(self, st, length: int, interpret: bool) -> None:
        if interpret:
            enabled = {0: "disable", 1: "enabled", 2: "enabled+immutable"}.get(st.enabled, "unknown")
            failure = {0: "silent", 1: "printk", 2: "panic"}.get(st.failure, "unknown")
            self.io.out(f"enabled {enabled}\nfailure {failure}\n")
        else:
            self.io.out(f"enabled {st.enabled}\nfailure {st.failure}\n")
        self.io.out(f"pid {st.pid}\nrate_limit {st.rate_limit}\nbacklog_limit {st.backlog_limit}\n"
                    f"lost {st.lost}\nbacklog {st.backlog}\n")
        self.io.out(f"backlog_wait_time {st.backlog_wait_time}\n")
        if length == 44:
            self.io.out(f"backlog_wait_time_actual {st.backlog_wait_time_actual}\n")

    def print_pending_status(self, interpret: bool) -> None:
        if self.pending_status is not None:
            st, length = self.pending_status
            self.print_status(st, length, interpret)

    def report_status(self, interpret: bool) -> int:
        try:
            st = self.nl.get_status()
        except AuditError as exc:
            self.last_errno = exc.errno
            if exc.errno == errno.ECONNREFUSED:
                self.io.err("The audit system is disabled")
            return -1
        self.print_status(st, getattr(self.nl, "last_status_length", 44), interpret)
        try:
            feats = self.nl.get_features()
        except AuditError as exc:
            return -2 if exc.errno == errno.EINVAL else -1
        bit = 1 << AUDIT_FEATURE_LOGINUID_IMMUTABLE
        if feats.mask & bit:
            self.io.out(f"loginuid_immutable {1 if feats.features & bit else 0} "
                        f"{'locked' if feats.lock & bit else 'unlocked'}\n")
        return -2

    def _fetch_rules(self) -> list[bytes] | None:
        try:
            return self.nl.list_rules()
        except AuditError as exc:
            self.last_errno = exc.errno
            if exc.errno != errno.EINVAL:
                self.log(f"Error sending rule list data request ({_strerror(exc.errno)})")
            return None

    def list_rules(self, key: str, interpret: bool) -> bool:
        raw = self._fetch_rules()
        if raw is None:
            return False
        rules = [Rule.from_bytes(r) for r in raw]
        for line in render_listing(rules, interpret=interpret, key=key):
            self.io.out(line + "\n")
        return True

    def delete_all_rules(self, key: str) -> int:
        try:
            raw = self.nl.list_rules()
        except AuditError as exc:
            self.last_errno = exc.errno
            self.log(f"Error receiving rules list ({_strerror(exc.errno)})")
            return -1
        for data in raw:
            if key and not key_matches(Rule.from_bytes(data), key):
                continue
            try:
                self.nl.delete_rule(data)
            except AuditError as exc:
                self.last_errno = exc.errno
                self.log(f"Error deleting rule ({_strerror(exc.errno)})")
                return -1
        return 0

    # -- one-shot requests ---------------------------------------------------------
    def user_message(self, text: str) -> int:
        full = f"{text} exe={_exe_text()} hostname={_hostname_text()} addr=? terminal={_tty_text()} res=success"
        try:
            self.nl.send_user_message(full, AUDIT_USER)
        except AuditError as exc:
            self.last_errno = exc.errno
            if exc.errno == errno.ECONNREFUSED:
                return 0
            return -exc.errno
        return 1

    def send_signal(self, name: str) -> int:
        signals = {"TERM": _signal.SIGTERM, "HUP": _signal.SIGHUP, "USR1": _signal.SIGUSR1,
                   "USR2": _signal.SIGUSR2, "CONT": _signal.SIGCONT}
        sig = signals.get(name.upper())
        if sig is None:
            self.log(f"{name} is an unsupported signal")
            return -1
        try:
            st = self.nl.get_status()
        except AuditError as exc:
            self.last_errno = exc.errno
            if exc.errno == errno.ECONNREFUSED:
                self.log("The audit system is disabled")
            return -1
        if st.pid == 0:
            self.log("Auditd is not running")
            return -2
        try:
            os.kill(st.pid, sig)
        except OSError as exc:
            self.log(f"Failed sending signal to auditd ({_strerror(exc.errno or 0)})")
            return -1
        return -2

    def _simple(self, label: str, call) -> int:
        try:
            call()
            return 1
        except AuditError as exc:
            self.last_errno = exc.errno
            self.log(f"{label} ({_strerror(exc.errno)})")
            return -exc.errno

    def trim(self) -> int:
        return self._simple("Error sending trim subtrees command", lambda: self.nl.trim())

    def make_equivalent(self, mount_point: str, subtree: str) -> int:
        return self._simple("Error sending make_equivalent command",
                            lambda: self.nl.make_equivalent(mount_point, subtree))

    def loginuid_immutable(self) -> int:
        return self._simple("Error setting feature",
                            lambda: self.nl.set_feature(AUDIT_FEATURE_LOGINUID_IMMUTABLE, True, lock=True))

    def reset_lost(self) -> int:
        try:
            return self.nl.set_status(lost_reset=True)
        except AuditError as exc:
            self.last_errno = exc.errno
            self.log(f"Error sending lost reset request ({_strerror(exc.errno)})")
            return -exc.errno

    def reset_backlog_wait_time_actual(self) -> int:
        try:
            return self.nl.set_status(backlog_wait_time_actual_reset=True)
        except AuditError as exc:
            self.last_errno = exc.errno
            self.log(f"Error sending backlog wait time actual reset request ({_strerror(exc.errno)})")
            return -exc.errno

    def usage(self) -> None:
        self.io.out(USAGE)

    def version(self) -> None:
        self.io.out(f"auditctl version {VERSION}\n")

    # -- rules ------------------------------------------------------------------------
    def send_rule(self, cmd: ParsedCommand) -> int:
        """handle_request for a rule: 0 sent, -1 error (message printed)."""
        rule = cmd.final_rule()
        adding = cmd.add != FILTER_UNSET
        send = self.nl.add_rule if adding else self.nl.delete_rule
        label = "add rule data" if adding else "delete rule data"
        try:
            return self._send_rule(send, rule, label)
        finally:
            # the reference goes quiet for the request, then back to stderr
            # for good (also in rules-file mode)
            self.syslog_mode = False

    def _send_rule(self, send, rule: Rule, label: str) -> int:
        try:
            send(rule.to_bytes())
            return 0
        except AuditError as exc:
            self.syslog_mode = False
            self.last_errno = exc.errno
            if exc.errno == errno.EINVAL and rule.fields and rule.fields[0].field == 107:
                rule.fields[0].field = 105  # legacy kernels: retry a dir watch as a file watch
                try:
                    send(rule.to_bytes())
                    return 0
                except AuditError as exc2:
                    # the retry is not silenced: libaudit's own message shows
                    self.last_errno = exc2.errno
                    if label.startswith("delete") and exc2.errno == errno.ENOENT:
                        self.log("Error sending delete rule request (No rule matches)")
                    else:
                        text = "Rule exists" if exc2.errno == errno.EEXIST else _strerror(exc2.errno)
                        self.log(f"Error sending {label} request ({text})")
                    return -1
            text = "Rule exists" if exc.errno == errno.EEXIST else _strerror(exc.errno)
            self.log(f"Error sending {label} request ({text})")
            return -1

    def is_ready(self) -> bool:
        """The reference's is_ready: rule changes are possible (not immutable)."""
        try:
            enabled = self.nl.get_status().enabled
        except AuditError as exc:
            if exc.errno == errno.ECONNREFUSED:
                self.log("The audit system is disabled")
                return False
            return True
        if enabled == 2:
            self.log("The audit system is in immutable mode, no rule changes allowed")
            return False
        return True


def _syslog(priority: int, text: str) -> None:
    import syslog

    syslog.syslog(priority, text)


def _exe_text() -> str:
    try:
        path = os.fsencode(os.readlink("/proc/self/exe")).decode("latin-1")
    except OSError:
        return '"?"'
    if any(c == '"' or ord(c) < 0x21 or ord(c) == 0x7F for c in path if ord(c) < 0x80):
        return path.encode("latin-1").hex().upper()
    return f'"{path}"'


def _tty_name() -> str | None:
    for fd in range(3):
        try:
            name = os.ttyname(fd)
        except OSError:
            continue
        if name:
            try:
                st = os.lstat(name)
            except OSError:
                return None
            if not stat.S_ISCHR(st.st_mode) or (st.st_nlink > 1 and not name.startswith("/dev/")):
                return None
            return name[5:] if name.startswith("/dev/") else name
    return None


def _tty_text() -> str:
    return _tty_name() or "?"


def _hostname_text() -> str:
    tty = _tty_name()
    if tty and (tty.startswith("pts") or tty.startswith("tty") or tty.startswith("/dev/tty")):
        return socket.gethostname()[:63]
    return "?"


def handle_request(status: int, cmd: ParsedCommand, ex: KernelExecutor) -> int:
    """The reference's handle_request: 0 success, -1 error; exits 1 via SystemExit
    when a rule has neither list."""
    if status == 0:
        if cmd.syscall_added:
            ex.log("Error - no list specified")
            return -1
        ex.print_pending_status(cmd.interpret)
        return 0
    if status == -2:
        return 0
    if status > 0:
        if cmd.add == FILTER_UNSET and cmd.delete == FILTER_UNSET:
            ex.usage()
            raise SystemExit(1)
        return ex.send_rule(cmd)
    return -1


def _preprocess(line: str) -> str:
    """Mark escaped spaces and backslashes (``\\ `` and ``\\\\``) so splitting keeps them."""
    chars = list(line)
    esc = False
    for i, ch in enumerate(chars):
        if ch == "\\" and not esc:
            esc = True
        else:
            if esc:
                if ch == " ":
                    chars[i] = chars[i - 1] = "\x07"
                elif ch == "\\":
                    chars[i] = chars[i - 1] = "\x04"
                esc = False
    return "".join(chars)


def _postprocess(token: str) -> str:
    return token.replace("\x07\x07", " ").replace("\x04\x04", "\\")


def split_rule_line(line: str) -> list[str]:
    """Split a rules-file line on spaces (escapes ``\\ `` and ``\\\\`` honoured)."""
    tokens = [t for t in _preprocess(line).split(" ") if t]
    return tokens[:1] + [_postprocess(t) for t in tokens[1:]]


def _read_lines(data: bytes) -> list[str]:
    """fgets with a LINE_SIZE buffer: over-long lines come back in pieces."""
    out = []
    for raw in data.split(b"\n"):
        while len(raw) >= LINE_SIZE - 1:
            out.append(raw[: LINE_SIZE - 1].decode("latin-1"))
            raw = raw[LINE_SIZE - 1:]
        out.append(raw.decode("latin-1"))
    if data.endswith(b"\n") or not data:
        out.pop()
    return out


def load_rules_file(path: str, ex: KernelExecutor, env: ParseEnv) -> int:
    """fileopt: 0 all lines done, 1 file unusable, -1 stopped at an error line;
    ``state.continue_error`` marks errors skipped with ``-c``."""
    log = ex.log
    try:
        fd = os.open(path.encode("latin-1"), os.O_RDONLY)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            log(f"Error opening {path} ({_strerror(exc.errno)})")
            return 1
        log(f"audit rules file {path} doesn't exist")
        return 2
    try:
        st = os.fstat(fd)
        if st.st_uid != 0:
            log(f"Error - {path} isn't owned by root")
            return 1
        if st.st_mode & stat.S_IWOTH:
            log(f"Error - {path} is world writable")
            return 1
        if not stat.S_ISREG(st.st_mode):
            log(f"Error - {path} is not a regular file")
            return 1
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read()
    finally:
        os.close(fd)

    state = ex.line_state
    for lineno, line in enumerate(_read_lines(data), start=1):
        if not line.lstrip(" "):
            continue
        tokens = split_rule_line(line)
        if not tokens:
            break
        if tokens[0].startswith("#"):
            continue
        ex.pending_status = None
        cmd = parse_rule_args(tokens, env=env, executor=ex, lineno=lineno, state=state)
        if cmd.retval == -3:
            continue
        if handle_request(cmd.retval, cmd, ex) == -1:
            if ex.last_errno != errno.ECONNREFUSED:
                log(f"There was an error in line {lineno} of {path}")
            else:
                log("The audit system is disabled")
                return 0
            if not state.ignore:
                return -1
            if state.continue_error:
                ex.continue_failed = True
        ex.last_errno = 0
    return 0


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None,
         netlink_factory: Callable[[], object] = AuditNetlink, env: ParseEnv | None = None,
         is_root: Callable[[], bool] = can_control,
         syslog: Callable[[int, str], None] | None = None) -> int:
    args = [_latin1_arg(a) for a in (sys.argv[1:] if argv is None else argv)]
    io_ = Io(stdout if stdout is not None else _latin1_stream(sys.stdout),
             stderr if stderr is not None else _latin1_stream(sys.stderr))
    ex = KernelExecutor(io_, netlink_factory, syslog)
    ex.line_state = LineState()
    ex.continue_failed = False
    if env is None:
        env = ParseEnv(features=ex.features_bitmap)
    try:
        return _run(args, io_, ex, env, is_root)
    except BrokenPipeError:
        return broken_pipe_exit()
    except AuditError:
        return 255
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        ex.close()
        try:
            io_.stdout.flush()
            io_.stderr.flush()
        except (OSError, ValueError):
            pass


def _run(args: list[str], io_: Io, ex: KernelExecutor, env: ParseEnv, is_root) -> int:
    if args == ["--help"]:  # audix addition: the reference knows only -h
        args = ["-h"]
    if not args:
        ex.usage()
        return 1
    if not (len(args) == 1 and (args[0] in ("--help", "-h") or (args[0] == "-l" and os.geteuid() == 0))) \
            and not is_root():
        io_.err("You must be root to run this program.")
        return 4
    if len(args) == 2 and args[0] == "-R":
        ex.syslog_mode = True  # problems go to syslog, as the reference's do at boot
        if not ex.is_ready():
            return 0
        rc = load_rules_file(args[1], ex, env)
        if rc:
            return 1
        return 1 if ex.continue_failed else 0
    cmd = parse_rule_args(args, env=env, executor=ex, state=ex.line_state)
    if cmd.retval == -3:
        return 0
    if cmd.add != FILTER_UNSET or cmd.delete != FILTER_UNSET:
        if not ex.is_ready():
            return 0
    rc = handle_request(cmd.retval, cmd, ex)
    return 0 if rc == 0 else 255


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
