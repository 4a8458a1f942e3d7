"""Writing audit records to the log: line format, flushing, rotation, space checks.

Behaviour follows the reference daemon (``src/auditd-event.c``):

* a record becomes ``[node=N ]type=NAME msg=audit(...): body`` (newlines in
  the body become spaces, one trailing space is trimmed), plus ``\\x1d`` and
  the interpretation for ENRICHED (:mod:`audix.analysis.enrich`);
* the log is opened ``O_WRONLY|O_APPEND|O_NOFOLLOW|O_CLOEXEC`` (+``O_DSYNC``
  for ``flush = data``, ``O_SYNC`` for ``sync``), created 0600 (0640 and
  group ``log_group`` when one is set); rotated files are made read-only;
* ``max_log_file``/``max_log_file_action``, ``num_logs``, ``space_left``,
  ``admin_space_left``, ``disk_full_action``, ``disk_error_action`` with the
  reference's messages; external effects go through an injectable
  :class:`~audix.daemon.auditd_actions.Actions`.

Lines are written whole: a batch is one ``write`` and a short write (disk
full) is cut back to the last complete line with ``ftruncate``.
"""

from __future__ import annotations

import errno
import os
import stat
import syslog
import threading
from dataclasses import dataclass

from audix.analysis.enrich import ENRICHED_SEPARATOR, INTERESTING_BYTES, Enricher
from audix.analysis.record import type_name

from .auditd_actions import RUNLEVEL_HALT, RUNLEVEL_SINGLE, Actions
from .config import (MEGABYTE, DaemonConfig, FailureAction, FlushMode, LogFormat, NameFormat,
                     SizeAction, resolve_percentages)

MAX_AUDIT_MESSAGE_LENGTH = 8970
HOST_NAME_MAX = 255
FORMAT_BUF_LEN = MAX_AUDIT_MESSAGE_LENGTH + HOST_NAME_MAX
MIN_SPACE_LEFT = 24
MIN_FREE_BLOCKS = 5  # the reference never consumes the last 5 blocks
_SIZE_BREAKS = (SizeAction.ROTATE, SizeAction.KEEP_LOGS, SizeAction.SUSPEND)


# ----------------------------------------------------------------------------
# line formatting (pure)

class LineFormatter:
    """Turns (type, ``audit(...): body`` text) into the log line (no newline)."""

    def __init__(self, log_format: LogFormat = LogFormat.RAW, node: str | None = None,
                 enricher: Enricher | None = None) -> None:
        self.log_format = log_format
        self.node = node
        self.enricher = enricher or (Enricher() if log_format is LogFormat.ENRICHED else None)
        self._names: dict[int, str] = {}
        self._prefixes = _Prefixes(node)

    def _type_name(self, rtype: int) -> str:
        name = self._names.get(rtype)
        if name is None:
            name = self._names[rtype] = type_name(rtype)
        return name

    def raw(self, rtype: int, text: str) -> str:
        if self.node is not None:
            line = f"node={self.node} type={self._type_name(rtype)} msg={text}\n"
            line = line[: FORMAT_BUF_LEN - 33]
        else:
            line = f"type={self._type_name(rtype)} msg={text}"
            line = line[: MAX_AUDIT_MESSAGE_LENGTH - 33]
        if "\n" in line:
            line = line.replace("\n", " ")
        if line.endswith(" "):
            line = line[:-1]
        return line

    def format(self, rtype: int, text: str) -> str:
        line = self.raw(rtype, text)
        if self.log_format is not LogFormat.ENRICHED:
            return line
        room = FORMAT_BUF_LEN - len(line)
        if room <= MIN_SPACE_LEFT:
            return line
        start = line.find("): ")
        body = line[start + 3:] if start >= 0 else ""
        assert self.enricher is not None
        parts = self.enricher.enrich_parts(rtype, body)
        if not parts:
            return line
        extra = " ".join(parts)
        if len(extra) + 3 + MIN_SPACE_LEFT >= room:
            extra = fit_enriched(parts, room)
        return f"{line}{ENRICHED_SEPARATOR}{extra}"

    # -- the hot path: kernel datagrams straight to bytes -----------------------
    def format_datagrams(self, datagrams: list[bytes]) -> tuple[bytes, int]:
        """Netlink datagrams (16-byte header + ``audit(...): body``) -> (blob of
        complete lines, line count).  Types the daemon does not log are
        skipped.  RAW batches are built without decoding; anything unusual
        (a newline, NUL or trailing space in a body, a very long record,
        ENRICHED) goes through :meth:`format`."""
        prefixes = self._prefixes
        if self.log_format is LogFormat.ENRICHED and datagrams \
                and max(map(len, datagrams)) < 8000:
            blob, n = self._enriched_blob(datagrams)
            if n >= 0:
                return blob, n
        elif self.log_format is LogFormat.RAW and datagrams and max(map(len, datagrams)) < 8000:
            parts: list[bytes] = []
            ap = parts.append
            for d in datagrams:
                p = prefixes[d[4] | (d[5] << 8)]
                if p is not None:
                    ap(p)
                    ap(d[16:])
            n = len(parts) // 2
            if not n:
                return b"", 0
            parts[0] = parts[0][1:]
            ap(b"\n")
            blob = b"".join(parts)
            if blob.count(b"\n") == n and b" \n" not in blob and b"\0" not in blob:
                return blob, n
        lines = []
        for d in datagrams:
            t = d[4] | (d[5] << 8)
            if prefixes[t] is None:
                continue
            lines.append(self.format(t, d[16:].rstrip(b"\0\n").decode("latin-1")))
        if not lines:
            return b"", 0
        return ("\n".join(lines) + "\n").encode("latin-1", "replace"), len(lines)


    def _enriched_blob(self, datagrams: list[bytes]) -> tuple[bytes, int]:
        """ENRICHED fast path; (b"", -1) when the batch needs the slow path."""
        prefixes = self._prefixes
        find = INTERESTING_BYTES.findall
        suffix = self.enricher.suffix_for_fields
        parts: list[bytes] = []
        ap = parts.append
        n = 0
        for d in datagrams:
            t = d[4] | (d[5] << 8)
            p = prefixes[t]
            if p is None:
                continue
            ap(p)
            ap(d[16:])
            fields = find(d, 16)
            if fields:
                extra = suffix(t, fields)
                if extra:
                    ap(b"\x1d" + extra)
            n += 1
        if not n:
            return b"", 0
        parts[0] = parts[0][1:]
        ap(b"\n")
        blob = b"".join(parts)
        if blob.count(b"\n") == n and b" \n" not in blob and b" \x1d" not in blob \
                and b"\0" not in blob and blob.count(b"\x1d") <= n:
            return blob, n
        return b"", -1


class _Prefixes(dict):
    """type number -> b"\\n[node=N ]type=NAME msg=" (None for types not logged)."""

    def __init__(self, node: str | None) -> None:
        super().__init__()
        self.node = node

    def __missing__(self, t: int):
        if not is_logged_type(t):
            value = None
        else:
            node = f"node={self.node} " if self.node is not None else ""
            value = f"\n{node}type={type_name(t)} msg=".encode("latin-1")
        self[t] = value
        return value


AUDIT_EOE = 1320
AUDIT_REPLACE = 1329


def is_logged_type(t: int) -> bool:
    """Whether the daemon writes records of kernel type ``t`` (the reference
    skips netlink control types, replies, daemon types it makes itself,
    AUDIT_REPLACE, and EOE which only goes to plugins)."""
    if t < 1100:
        return not (t <= 3 or t == 1000 or 1007 <= t <= 1019)
    return not (1200 <= t <= 1299 or t == AUDIT_REPLACE or t == AUDIT_EOE)


def fit_enriched(parts: list[str], room: int) -> str:
    """The reference's format_enrich when the buffer runs short: ``room`` is
    what is left after the raw text; a field that does not fit is skipped
    (never cut) and later, shorter ones may still go in."""
    out: list[str] = []
    length = room
    seen = 0
    for part in parts:
        if length <= MIN_SPACE_LEFT:
            break
        seen += 1
        if seen == 1:
            length -= 1  # the separator
        if len(part) + 2 >= length:
            continue
        piece = f" {part}" if seen > 1 else part
        out.append(piece)
        length -= len(piece)
    return "".join(out)


def resolve_node_name(cfg: DaemonConfig) -> str | None:
    """The ``node=`` prefix for ``name_format`` (None for none)."""
    import socket
    fmt = cfg.name_format
    if fmt is NameFormat.NONE:
        return None
    if fmt is NameFormat.USER:
        if cfg.name is None:
            raise ValueError("User defined name missing")
        return cfg.name
    host = socket.gethostname()
    if fmt is NameFormat.HOSTNAME:
        return host.replace(" ", "_")
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM,
                                   flags=socket.AI_ADDRCONFIG | socket.AI_CANONNAME)
    except socket.gaierror as exc:
        raise ValueError(f"Cannot resolve hostname {host} ({exc.strerror})") from None
    if fmt is NameFormat.FQD:
        return infos[0][3] or host
    return infos[0][4][0]


# ----------------------------------------------------------------------------
# the writer

@dataclass
class WriterState:
    """What ``SIGCONT`` reports (write_logging_state)."""

    log_size: int = 0
    known_logs: int = 0
    fs_space_left: bool = True
    suspended: bool = False
    space_warning: bool = False
    admin_space_warning: bool = False
    disk_error_warnings: int = 0


class LogWriter:
    """Appends formatted lines to ``config.log_file`` with the reference's
    size, space and error handling.  Not thread safe: one writer thread."""

    def __init__(self, cfg: DaemonConfig, actions: Actions, foreground_stream=None) -> None:
        self.cfg = cfg
        self.actions = actions
        self.state = WriterState()
        self.fd = -1
        self._stream = foreground_stream  # -f: lines go to this binary stream instead
        self._count = 0
        self._last_log = 1
        self._flush_event = threading.Event()
        self._flush_stop = False
        self._flush_thread: threading.Thread | None = None

    # -- properties ------------------------------------------------------------
    @property
    def writing(self) -> bool:
        return self._stream is not None or (self.cfg.write_logs and not self.state.suspended
                                            and self.fd >= 0)

    def _log(self, priority: int, text: str) -> None:
        self.actions.log(priority, text)

    # -- open / close ----------------------------------------------------------
    def start(self) -> None:
        """Open the log and run the start-up checks (init_event).  Raises
        OSError when the log cannot be opened."""
        if self._stream is None:
            self.fix_disk_permissions()
            if not self.open_log():
                raise OSError(errno.EIO, f"cannot open {self.cfg.log_file}")
            resolve_percentages(self.cfg, os.path.dirname(self.cfg.log_file) or ".", self._log)
            self.check_log_file_size()
            self.check_excess_logs()
            self.check_space_left()
        self._start_flush_thread()

    def close(self) -> None:
        self._flush_stop = True
        self._flush_event.set()
        if self._flush_thread is not None:
            self._flush_thread.join(timeout=5)
            self._flush_thread = None
        if self.fd >= 0:
            try:
                os.fsync(self.fd)
            except OSError:
                pass
            os.close(self.fd)
            self.fd = -1
        if self._stream is not None:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                pass

    def _close_log(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
        self.fd = -1

    def open_log(self) -> bool:
        """open_audit_log: True on success (also when write_logs is off)."""
        cfg = self.cfg
        if not cfg.write_logs:
            return True
        flags = os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
        if cfg.flush is FlushMode.DATA:
            flags |= os.O_DSYNC
        elif cfg.flush is FlushMode.SYNC:
            flags |= os.O_SYNC
        try:
            fd = os.open(cfg.log_file, flags)
            try:
                self.state.log_size = os.fstat(fd).st_size
            except OSError:
                os.close(fd)
                return False
        except FileNotFoundError:
            old = os.umask(0o007)
            try:
                created = os.open(cfg.log_file, os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_WRONLY,
                                  0o640)
                os.close(created)
            except OSError as exc:
                self._log(syslog.LOG_ERR, f"Unable to create {cfg.log_file} ({os.strerror(exc.errno)})")
                self._log(syslog.LOG_CRIT, f"Couldn't create log file {cfg.log_file} "
                                           f"({os.strerror(exc.errno)})")
                return False
            finally:
                os.umask(old)
            try:
                fd = os.open(cfg.log_file, flags)
            except OSError as exc:
                self._log(syslog.LOG_CRIT, f"Couldn't open log file {cfg.log_file} "
                                           f"({os.strerror(exc.errno)})")
                return False
            self.state.log_size = 0
        except OSError as exc:
            self._log(syslog.LOG_CRIT, f"Couldn't open log file {cfg.log_file} "
                                       f"({os.strerror(exc.errno)})")
            return False
        try:
            os.fchmod(fd, 0o640 if cfg.log_group else 0o600)
        except OSError as exc:
            self._log(syslog.LOG_ERR, f"Couldn't change permissions of log file "
                                      f"({os.strerror(exc.errno)})")
            os.close(fd)
            return False
        try:
            os.fchown(fd, 0, cfg.log_group)
        except OSError as exc:
            self._log(syslog.LOG_ERR, f"Couldn't change ownership of log file "
                                      f"({os.strerror(exc.errno)})")
            os.close(fd)
            return False
        self.fd = fd
        return True

    def fix_disk_permissions(self) -> None:
        cfg = self.cfg
        directory = os.path.dirname(cfg.log_file) or "."
        group = cfg.log_group
        try:
            shared = bool(os.stat(directory).st_mode & stat.S_ISVTX)
        except OSError:
            shared = False
        # unlike the reference, never lock down a shared sticky directory (/tmp)
        if not shared:
            for call in ((os.chmod, directory, 0o750 if group else 0o700),
                         (os.chown, directory, 0, group)):
                try:
                    call[0](*call[1:])
                except OSError:
                    pass
        for i in range(1, cfg.num_logs):
            try:
                os.chmod(f"{cfg.log_file}.{i}", 0o440 if group else 0o400)
            except FileNotFoundError:
                break
            except OSError:
                pass
        try:
            os.chmod(cfg.log_file, 0o640 if group else 0o600)
        except OSError:
            pass

    # -- writing -----------------------------------------------------------------
    def write_lines(self, lines: list[str]) -> int:
        """Append complete lines (str, without newlines); returns how many
        were written."""
        if not lines:
            return 0
        blob = ("\n".join(lines) + "\n").encode("latin-1", "replace")
        return self.write_blob(blob, len(lines))

    def write_blob(self, blob: bytes, count: int) -> int:
        """Append ``count`` complete lines (``blob`` ends with a newline).

        The size is checked after the line that crosses ``max_log_file``
        (the rest goes to the file rotated to), space after each write.
        Returns how many lines were written (0 while suspended: the
        reference drops records then).
        """
        if not blob:
            return 0
        if self._stream is not None:
            self._stream.write(blob)
            self._stream.flush()
            return count
        written = 0
        view = memoryview(blob)
        pos = 0
        total = len(blob)
        while pos < total:
            if self.state.suspended or self.fd < 0 or not self.cfg.write_logs:
                return written
            end = total
            if self.cfg.max_log_file_action in _SIZE_BREAKS:
                room = self.cfg.max_log_file * MEGABYTE - self.state.log_size
                if pos + room < total:
                    # up to the end of the line that crosses the limit
                    cut = blob.find(b"\n", pos + max(room, 1) - 1)
                    end = total if cut < 0 else cut + 1
            lines = blob.count(b"\n", pos, end) if end != total or pos else count
            if not self._write_chunk(view[pos:end]):
                return written
            written += lines
            pos = end
            self._after_write(lines)
        return written

    def _write_chunk(self, data) -> bool:
        start = self.state.log_size
        view = memoryview(data)
        size = len(view)
        done = 0
        while done < size:
            try:
                done += os.write(self.fd, view[done:])
            except InterruptedError:
                continue
            except OSError as exc:
                self._undo_partial(start, done, bytes(view))
                if exc.errno == errno.ENOSPC:
                    if self.state.fs_space_left:
                        self.state.fs_space_left = False
                        self.do_disk_full_action()
                else:
                    self.do_disk_error_action("write", exc.errno or errno.EIO)
                return False
        self.state.log_size = start + size
        self.state.disk_error_warnings = 0
        return True

    def _undo_partial(self, start: int, done: int, data: bytes) -> None:
        """Keep the lines that reached the disk whole; cut a half-written one."""
        if done <= 0:
            return
        keep = data.rfind(b"\n", 0, done) + 1
        if keep < done:
            try:
                os.ftruncate(self.fd, start + keep)
            except OSError:
                pass
        self.state.log_size = start + keep

    def _after_write(self, count: int) -> None:
        self.check_log_file_size()
        self.check_space_left()
        cfg = self.cfg
        if cfg.flush in (FlushMode.INCREMENTAL, FlushMode.INCREMENTAL_ASYNC) and cfg.freq:
            before = self._count
            self._count += count
            if self._count // cfg.freq != before // cfg.freq:
                if cfg.flush is FlushMode.INCREMENTAL:
                    if self.fd >= 0:
                        try:
                            os.fsync(self.fd)
                        except OSError as exc:
                            self.do_disk_error_action("fsync", exc.errno or errno.EIO)
                else:
                    self._flush_event.set()

    def _start_flush_thread(self) -> None:
        def run() -> None:
            while True:
                self._flush_event.wait()
                self._flush_event.clear()
                if self._flush_stop:
                    return
                fd = self.fd
                if fd >= 0:
                    try:
                        os.fsync(fd)
                    except OSError:
                        pass
        self._flush_thread = threading.Thread(target=run, name="auditd-flush", daemon=True)
        self._flush_thread.start()

    def sync(self) -> None:
        if self.fd >= 0:
            try:
                os.fsync(self.fd)
            except OSError:
                pass

    # -- size ---------------------------------------------------------------------
    def check_log_file_size(self) -> None:
        cfg = self.cfg
        if not cfg.write_logs or self._stream is not None:
            return
        if self.state.log_size // MEGABYTE < cfg.max_log_file:
            return
        action = cfg.max_log_file_action
        if action is SizeAction.IGNORE:
            return
        if action is SizeAction.SYSLOG:
            self._log(syslog.LOG_ERR, "Audit daemon log file is larger than max size")
        elif action is SizeAction.SUSPEND:
            self._log(syslog.LOG_ERR, "Audit daemon is suspending logging due to logfile size.")
            self._suspend()
        elif action is SizeAction.ROTATE:
            if cfg.num_logs > 1:
                self._log(syslog.LOG_NOTICE, "Audit daemon rotating log files")
                self.rotate_logs(0, False)
        elif action is SizeAction.KEEP_LOGS:
            self._log(syslog.LOG_NOTICE, "Audit daemon rotating log files with keep option")
            self.shift_logs()

    def _suspend(self) -> None:
        self._close_log()
        self.state.suspended = True

    # -- space ---------------------------------------------------------------------
    def check_space_left(self) -> None:
        if self.fd < 0:
            return
        try:
            st = os.fstatvfs(self.fd)
        except OSError:
            return
        state, cfg = self.state, self.cfg
        if st.f_bavail < MIN_FREE_BLOCKS:
            state.fs_space_left = False
            self.do_disk_full_action()
            return
        per_mb = max(MEGABYTE // st.f_bsize, 1) if st.f_bsize else 1
        if st.f_bavail < cfg.space_left * per_mb:
            if not state.space_warning:
                self.do_space_left_action(admin=False)
                if cfg.space_left_action is not FailureAction.ROTATE:
                    state.space_warning = True
        elif state.space_warning and cfg.space_left_action is FailureAction.SYSLOG:
            state.space_warning = False
        if self.fd < 0:
            return
        if st.f_bavail < cfg.admin_space_left * per_mb:
            if not state.admin_space_warning:
                self.do_space_left_action(admin=True)
                if cfg.admin_space_left_action is not FailureAction.ROTATE:
                    state.admin_space_warning = True
        elif state.admin_space_warning and cfg.admin_space_left_action is FailureAction.SYSLOG:
            state.admin_space_warning = False

    def do_space_left_action(self, admin: bool) -> None:
        cfg = self.cfg
        action = cfg.admin_space_left_action if admin else cfg.space_left_action
        if action is FailureAction.IGNORE:
            return
        if action is FailureAction.SYSLOG:
            self._log(syslog.LOG_ALERT, "Audit daemon is low on disk space for logging")
        elif action is FailureAction.ROTATE:
            if cfg.num_logs > 1:
                self._log(syslog.LOG_NOTICE, "Audit daemon rotating log files")
                self.rotate_logs(0, False)
        elif action is FailureAction.EMAIL:
            if not admin:
                self.actions.sendmail(
                    "Audit Disk Space Alert",
                    "The audit daemon is low on disk space for logging! Please take action\n"
                    "to ensure no loss of service.", cfg.action_mail_acct)
                self._log(syslog.LOG_ALERT, "Audit daemon is low on disk space for logging")
            else:
                self.actions.sendmail(
                    "Audit Admin Space Alert",
                    "The audit daemon is very low on disk space for logging! Immediate action\n"
                    "is required to ensure no loss of service.", cfg.action_mail_acct)
                self._log(syslog.LOG_ALERT, "Audit daemon is very low on disk space for logging")
        else:
            self._stop_logging(action, cfg.admin_space_left_exe if admin else cfg.space_left_exe,
                               "Audit daemon is suspending logging due to low disk space.",
                               "The audit daemon is now changing the system to single user mode",
                               "The audit daemon is now halting the system")

    def _stop_logging(self, action: FailureAction, exe: str | None, suspending: str,
                      single: str, halting: str) -> None:
        """The EXEC, SUSPEND, SINGLE and HALT actions the space, disk-full and
        disk-error settings share; each words its messages its own way (as
        the reference does: mind the full stops)."""
        if action is FailureAction.EXEC:
            self._suspend()
            self.actions.exec_program(exe)
        elif action is FailureAction.SUSPEND:
            self._log(syslog.LOG_ALERT, suspending)
            self._suspend()
        elif action is FailureAction.SINGLE:
            self._log(syslog.LOG_ALERT, single)
            self.actions.change_runlevel(RUNLEVEL_SINGLE)
        elif action is FailureAction.HALT:
            self._log(syslog.LOG_ALERT, halting)
            self.actions.change_runlevel(RUNLEVEL_HALT)

    def do_disk_full_action(self) -> None:
        cfg = self.cfg
        self._log(syslog.LOG_ALERT, "Audit daemon has no space left on logging partition")
        action = cfg.disk_full_action
        if action in (FailureAction.IGNORE, FailureAction.SYSLOG):
            return
        if action is FailureAction.ROTATE:
            if cfg.num_logs > 1:
                self._log(syslog.LOG_NOTICE, "Audit daemon rotating log files")
                self.rotate_logs(0, False)
        else:
            self._stop_logging(action, cfg.disk_full_exe,
                               "Audit daemon is suspending logging due to no space left on "
                               "logging partition.",
                               "The audit daemon is now changing the system to single user mode "
                               "due to no space left on logging partition",
                               "The audit daemon is now halting the system due to no space left "
                               "on logging partition")

    def do_disk_error_action(self, func: str, err: int) -> None:
        cfg = self.cfg
        action = cfg.disk_error_action
        if action is FailureAction.IGNORE:
            return
        if action is FailureAction.SYSLOG:
            if self.state.disk_error_warnings < 5:
                self._log(syslog.LOG_ALERT, f"{func}: Audit daemon detected an error writing an "
                                            f"event to disk ({os.strerror(err)})")
                self.state.disk_error_warnings += 1
        else:
            self._stop_logging(action, cfg.disk_error_exe,
                               "Audit daemon is suspending logging due to previously mentioned "
                               "write error",
                               "The audit daemon is now changing the system to single user mode "
                               "due to previously mentioned write error",
                               "The audit daemon is now halting the system due to previously "
                               "mentioned write error.")

    # -- rotation ------------------------------------------------------------------
    def rotate_now(self) -> None:
        """USR1 / DAEMON_ROTATE."""
        if self.cfg.max_log_file_action is SizeAction.KEEP_LOGS:
            self.shift_logs()
        else:
            self.rotate_logs(0, False)

    def rotate_logs(self, num_logs: int, keep_logs: bool) -> None:
        cfg = self.cfg
        if self._stream is not None or not cfg.write_logs:
            return
        if cfg.num_logs < 2 and not keep_logs:
            self._log(syslog.LOG_NOTICE, "Log rotation disabled (num_logs < 2), skipping")
            return
        if self.fd >= 0:
            try:
                os.fchmod(self.fd, 0o440 if cfg.log_group else 0o400)
            except OSError as exc:
                self._log(syslog.LOG_WARNING, "Couldn't change permissions while rotating log "
                                              f"file ({os.strerror(exc.errno)})")
            try:
                os.fchown(self.fd, 0, cfg.log_group)
            except OSError as exc:
                self._log(syslog.LOG_WARNING, "Couldn't change ownership while rotating log "
                                              f"file ({os.strerror(exc.errno)})")
            self.sync()
        self._close_log()
        if num_logs == 0:
            num_logs = cfg.num_logs
        base = cfg.log_file
        self.state.known_logs = 0
        for i in range(num_logs - 1, 1, -1):
            old, new = f"{base}.{i - 1}", f"{base}.{i}"
            try:
                os.rename(old, new)
                if self.state.known_logs == 0:
                    self.state.known_logs = i + 1
            except FileNotFoundError:
                pass
            except OSError as exc:
                self._rotate_error(old, new, exc, "rotate")
        try:
            os.rename(base, f"{base}.1")
        except FileNotFoundError:
            pass
        except OSError as exc:
            self._rotate_error(base, f"{base}.1", exc, "rotate2")
            try:
                os.chmod(base, 0o640 if cfg.log_group else 0o600)
            except OSError:
                pass
        if not self.open_log():
            self._log(syslog.LOG_CRIT, "Could not reopen a log after rotating.")
            self.state.suspended = True
            self.do_disk_error_action("reopen", errno.EIO)

    def _rotate_error(self, old: str, new: str, exc: OSError, func: str) -> None:
        self._log(syslog.LOG_ERR, f"Error rotating logs from {old} to {new} "
                                  f"({os.strerror(exc.errno)})")
        if exc.errno == errno.ENOSPC and self.state.fs_space_left:
            self.state.fs_space_left = False
            self.do_disk_full_action()
        else:
            self.do_disk_error_action(func, exc.errno or errno.EIO)

    def shift_logs(self) -> None:
        base = self.cfg.log_file
        num = self._last_log
        while num and os.access(f"{base}.{num}", os.R_OK):
            num += 1
        self.state.known_logs = num
        if num <= self._last_log and self._last_log > 1:
            self._log(syslog.LOG_WARNING, f"Last known log disappeared ({base}.{num})")
            num = self._last_log = 1
            while os.access(f"{base}.{num}", os.R_OK):
                num += 1
            self._log(syslog.LOG_INFO, f"Next log to use will be {base}.{num}")
        self._last_log = num
        self.rotate_logs(num + 1, True)

    def check_excess_logs(self) -> None:
        cfg = self.cfg
        if cfg.max_log_file_action is not SizeAction.ROTATE or cfg.num_logs < 2:
            return
        i = cfg.num_logs
        while True:
            name = f"{cfg.log_file}.{i}"
            try:
                os.unlink(name)
            except OSError:
                break
            self._log(syslog.LOG_NOTICE, f"Log {name} removed as it exceeds num_logs parameter")
            i += 1

    # -- resume and reconfigure ----------------------------------------------------
    def resume(self) -> None:
        """USR2: resume_logging."""
        self._log(syslog.LOG_NOTICE, "Audit daemon is attempting to resume logging.")
        self.state.suspended = False
        self.state.fs_space_left = True
        if self.fd < 0 and self._stream is None:
            self.fix_disk_permissions()
            if not self.open_log():
                self._log(syslog.LOG_WARNING, "Could not reopen a log after resume logging")
                self.state.suspended = True
                self.do_disk_error_action("resume", errno.EIO)
            else:
                self.check_log_file_size()
            self._log(syslog.LOG_NOTICE, "Audit daemon resumed logging.")
        self.state.disk_error_warnings = 0
        self.state.space_warning = False
        self.state.admin_space_warning = False

    def reconfigure(self, new: DaemonConfig) -> None:
        """Apply a new configuration the way the reference's reconfigure() does."""
        old = self.cfg
        need_reopen = need_size_check = need_space_check = False
        if self._stream is None and old.write_logs != new.write_logs:
            need_reopen = True
        if old.log_group != new.log_group:
            need_reopen = True
        if (old.max_log_file_action, old.max_log_file) != (new.max_log_file_action,
                                                           new.max_log_file):
            need_size_check = True
        if old.flush != new.flush:
            need_reopen = True
        if old.log_file != new.log_file:
            need_reopen = need_space_check = True
        space_keys = ("space_left", "space_left_percent", "space_left_action", "space_left_exe",
                      "admin_space_left", "admin_space_left_percent", "admin_space_left_action",
                      "admin_space_left_exe", "disk_full_action", "disk_full_exe")
        if any(getattr(old, k) != getattr(new, k) for k in space_keys):
            need_space_check = True
        if self._stream is not None:
            new = new.copy(write_logs=old.write_logs)
        self.cfg = new
        self.state.disk_error_warnings = 0
        if need_size_check:
            self.state.suspended = False
            self.check_log_file_size()
        if need_reopen:
            self._close_log()
            self.fix_disk_permissions()
            if not self.open_log():
                self._log(syslog.LOG_ERR, "Could not reopen a log after reconfigure")
                self.state.suspended = True
                self.do_disk_error_action("reconfig", errno.EIO)
            else:
                self.state.suspended = False
                self.check_log_file_size()
        if need_space_check:
            saved = self.state.suspended
            resolve_percentages(self.cfg, os.path.dirname(self.cfg.log_file) or ".", self._log)
            self.state.space_warning = self.state.admin_space_warning = False
            self.state.fs_space_left = True
            self.state.suspended = False
            self.check_excess_logs()
            self.check_space_left()
            if not self.state.suspended:
                self.state.suspended = saved

    # -- state report (SIGCONT) ----------------------------------------------------
    def state_report(self) -> str:
        cfg, st = self.cfg, self.state
        lines = [f"writing to logs = {'yes' if cfg.write_logs else 'no'}"]
        if self._stream is None and cfg.write_logs:
            lines.append(f"current log size = {st.log_size // 1024} KB")
            lines.append(f"max log size = {cfg.max_log_file * (MEGABYTE // 1024)} KB")
            lines.append(f"logs detected last rotate/shift = {st.known_logs}")
            lines.append(f"space left on partition = {'yes' if st.fs_space_left else 'no'}")
            if self.fd >= 0:
                try:
                    vfs = os.fstatvfs(self.fd)
                    lines.append(f"Logging partition free space "
                                 f"{vfs.f_bavail * vfs.f_bsize // MEGABYTE} MB")
                    lines.append(f"space_left setting {cfg.space_left} MB")
                    lines.append(f"admin_space_left setting {cfg.admin_space_left} MB")
                except OSError:
                    pass
            lines.append(f"logging suspended = {'yes' if st.suspended else 'no'}")
            lines.append(f"file system space action performed = "
                         f"{'yes' if st.space_warning else 'no'}")
            lines.append(f"admin space action performed = "
                         f"{'yes' if st.admin_space_warning else 'no'}")
            lines.append(f"disk error detected = {'yes' if st.disk_error_warnings else 'no'}")
        return "\n".join(lines) + "\n"


def file_mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)
