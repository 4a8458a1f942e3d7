"""The audit daemon: kernel reader thread -> bounded queue -> writer thread.

Lifecycle as the reference's ``src/auditd.c``: open the log, write
DAEMON_START, set the enabled flag (``-s``), register with the kernel
(refused, with a DAEMON_ABORT record, when another daemon holds the slot),
then serve until SIGTERM: DAEMON_END, unregister, exit 0.

* The reader only reads the registered netlink socket and queues batches;
  it never waits on the disk, only (up to 2 s, then ``overflow_action``) on a
  queue that is ``q_depth`` records full.  Control requests (status, signal info) use a
  second netlink socket so they never race the reader.
* Signals are taken synchronously by the main thread (``sigtimedwait``):
  HUP reloads the config (DAEMON_CONFIG), USR1 rotates (DAEMON_ROTATE), USR2
  resumes logging (DAEMON_RESUME), CONT writes the state file, TERM stops.
  The sender is asked from the kernel (AUDIT_SIGNAL_INFO), as the reference.
* Control items travel in the same queue as records, so a rotation or a
  reconfiguration happens exactly between the records around it.
"""

from __future__ import annotations

import errno
import os
import re
import select
import signal
import socket
import syslog
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from audix.analysis.record import type_number

from .auditd_actions import Actions
from .auditd_queue import RecordQueue
from .auditd_records import (DAEMON_ABORT, DAEMON_CONFIG, DAEMON_END, DAEMON_RESUME,
                             DAEMON_ROTATE, DAEMON_START, RECONFIG_UNKNOWN, ROTATE_UNKNOWN,
                             RESUME_UNKNOWN, TERMINATE_UNKNOWN, DaemonSerials, SelfInfo, Sender,
                             abort_text, daemon_record_text, reconfig_text, signal_text,
                             start_text)
from .config import ConfigError, DaemonConfig, load_config
from .errors import AuditError
from .logwriter import LineFormatter, LogWriter, is_logged_type, resolve_node_name
from .processes import process_exists

BATCH_LIMIT = 4096
RECV_SIZE = 65536
AUDIT_EOE = 1320
_REMOTE_TYPE = re.compile(r"(?:^| )type=(\S+) ")

HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1,
                   signal.SIGUSR2, signal.SIGCONT, signal.SIGCHLD)


class Dispatcher(Protocol):
    """What the daemon hands every event to besides the log (plugins).

    ``dispatch`` gets ``(type, text, line)`` per record, in order, EOE
    included: ``text`` is the kernel's ``audit(...): body`` (None for a
    record from the network), ``line`` the formatted log line (node=,
    ENRICHED as configured; None for a kernel or daemon record when the
    dispatcher's optional ``needs_lines`` is False).  It is called on the
    writer thread and must never block (queue and apply ``overflow_action``
    on its side).  Optional too: ``active`` (False: nothing to dispatch to),
    ``resume()`` (USR2) and ``state_lines()`` (SIGCONT report; its first line
    is "Number of active plugins = N")."""

    def dispatch(self, records: list[tuple[int, str | None, str | None]]) -> None: ...
    def reconfigure(self, cfg: DaemonConfig) -> None: ...
    def stop(self) -> None: ...


Log = Callable[[int, str], None]


class DispatcherFactory(Protocol):
    """Makes the daemon's dispatcher; ``actions`` (the daemon's) runs the
    ``single``/``halt`` overflow actions."""

    def __call__(self, cfg: DaemonConfig, log: Log,
                 actions: Actions | None = None) -> "Dispatcher | None": ...


def default_dispatcher_factory(cfg: DaemonConfig, log: Log,
                               actions: Actions | None = None) -> "Dispatcher | None":
    """The plugin dispatcher, when audix provides one
    (``audix.daemon.plugins.dispatcher.dispatcher_for(cfg, log, actions=...)``)."""
    try:
        from .plugins.dispatcher import dispatcher_for  # type: ignore[import-not-found]
    except ImportError:
        return None
    return dispatcher_for(cfg, log, actions=actions)


class StartupError(Exception):
    """Start-up failed; ``code`` is the exit status, ``str()`` the message."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class DaemonOptions:
    config_dir: str | None = None
    allow_links: bool = False
    foreground: bool = False  # -f: records to stdout, messages to stderr
    startup: str = "enable"   # -s disable|enable|nochange
    pid_file: str | None = "/var/run/auditd.pid"
    state_file: str = "/var/run/auditd.state"
    stdout: object = None     # binary stream for -f


# --------------------------------------------------------------------------
# control items carried by the queue

@dataclass
class DaemonRecord:
    type: int
    text: str  # "audit(...): body"


@dataclass
class Rotate:
    record: DaemonRecord


@dataclass
class Reconfigure:
    config: DaemonConfig
    sender: Sender


@dataclass
class Resume:
    record: DaemonRecord


@dataclass
class Barrier:
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class RemoteLines:
    """Lines received from a remote client; the sender waits for ``done``."""
    lines: list[str]
    done: threading.Event = field(default_factory=threading.Event)
    written: int = 0


class AuditDaemon:
    """One run of the daemon.  ``netlink_factory`` makes AuditNetlink-like
    objects (tests may inject), ``actions`` runs logs/exec/runlevel."""

    def __init__(self, cfg: DaemonConfig, opts: DaemonOptions, actions: Actions,
                 netlink_factory: Callable[[], object] | None = None,
                 dispatcher_factory: DispatcherFactory | None = None) -> None:
        if netlink_factory is None:
            from .netlink import AuditNetlink
            netlink_factory = AuditNetlink
        self.cfg = cfg
        self.opts = opts
        self.actions = actions
        self._nl_factory = netlink_factory
        self.me = SelfInfo.current()
        self.serials = DaemonSerials()
        self.data = None   # registered socket: records
        self.ctl = None    # control socket: status, signal info
        self.queue = RecordQueue(cfg.q_depth, cfg.overflow_action, actions)
        self.writer: LogWriter | None = None
        self.formatter: LineFormatter | None = None
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None
        self._writer_thread: threading.Thread | None = None
        self._registered = False
        self.records_read = 0
        self.overruns = 0
        self.listener = None
        self.dispatcher: Dispatcher | None = None
        self._dispatcher_factory = dispatcher_factory

    def _log(self, level: int, text: str) -> None:
        self.actions.log(level, text)

    # -- records of the daemon ----------------------------------------------------
    def daemon_record(self, rtype: int, body: str) -> DaemonRecord:
        return DaemonRecord(rtype, daemon_record_text(self.serials.next(), body))

    # -- start-up -------------------------------------------------------------------
    def start(self) -> None:
        """Everything up to and including registration; raises StartupError."""
        cfg, opts = self.cfg, self.opts
        try:
            self.ctl = self._nl_factory()
            self.data = self._nl_factory()
        except AuditError as exc:
            raise StartupError(f"Cannot open netlink audit socket ({exc})") from None
        # refuse early, before touching the log, when another daemon is registered
        local = cfg.local_events  # local_events = no: aggregate only, never register
        try:
            status = self.ctl.get_status()
        except AuditError as exc:
            raise StartupError(f"Cannot get audit status ({exc})") from None
        if local and status.pid and status.pid != os.getpid() and process_exists(status.pid):
            raise StartupError(f"Another audit daemon (pid {status.pid}) is registered with "
                               f"the kernel; refusing to start")
        self._write_pid_file()
        try:
            node = resolve_node_name(cfg)
        except ValueError as exc:
            self._remove_pid_file()
            raise StartupError(str(exc)) from None
        self.formatter = LineFormatter(cfg.log_format, node)
        self.writer = LogWriter(cfg, self.actions,
                                foreground_stream=opts.stdout if opts.foreground else None)
        try:
            self.writer.start()
        except OSError:
            self._remove_pid_file()
            raise StartupError(f"Unable to open the audit log {cfg.log_file}") from None
        if self._dispatcher_factory is not None:
            try:
                self.dispatcher = self._dispatcher_factory(cfg, self._log,
                                                           actions=self.actions)
            except Exception as exc:
                self._log(syslog.LOG_ERR, f"Cannot start the event dispatcher ({exc})")
                self.dispatcher = None
        # the first record: we are alive
        self._write_now([self.daemon_record(DAEMON_START,
                                            start_text(self.me, cfg.log_format.value))])
        _avoid_oom_killer(self._log)
        if local:
            self._start_kernel()
        self._start_listener()

    def _start_kernel(self) -> None:
        opts = self.opts
        if opts.startup != "nochange":
            try:
                if self.ctl.get_status().enabled < 2:
                    self.ctl.set_status(enabled=1 if opts.startup == "enable" else 0)
            except AuditError:
                self._abort("set-enable")
                raise StartupError(
                    f"Unable to set initial audit startup state to '{opts.startup}', exiting")
        try:
            self.data.register_daemon(os.getpid())
            self._registered = True
            # records that arrived with the registration's ack, in order
            early = self.data.read_available(BATCH_LIMIT)
            if early:
                self.records_read += len(early)
                self.queue.put_records(early)
        except AuditError as exc:
            self._abort("set-pid")
            if exc.errno == errno.EEXIST:
                raise StartupError("Unable to set audit pid, exiting (another audit daemon "
                                   "is registered)")
            raise StartupError(f"Unable to set audit pid, exiting ({exc})")

    def _start_listener(self) -> None:
        """tcp_listen_port: receive records from audisp-remote clients."""
        if not self.cfg.tcp_listen_port:
            return
        from .remote.listener import ListenerError, listener_for
        try:
            self.listener = listener_for(self.cfg, write=self._remote_write,
                                         disk_state=self._disk_state,
                                         daemon_event=self._remote_event, log=self._log)
            if self.listener is not None:
                self.listener.start()
        except (ListenerError, OSError, ValueError) as exc:
            self.listener = None
            self._log(syslog.LOG_ERR, str(exc))
            self._abort("network-init")
            raise StartupError(f"Cannot start the network listener ({exc})") from None

    # -- remote clients (called on the listener's threads) ------------------------
    def _remote_write(self, line: str) -> None:
        item = RemoteLines([line.rstrip("\n")])
        self.queue.put_control(item)
        if not item.done.wait(60):
            raise OSError(errno.EIO, "the log writer did not answer")
        if not item.written:
            full = self.writer is not None and not self.writer.state.fs_space_left
            raise OSError(errno.ENOSPC if full else errno.EIO, "record not written")

    def _disk_state(self):
        from .remote.listener import DiskState
        w = self.writer
        if w is None:
            return DiskState.ERROR
        st = w.state
        if not st.fs_space_left:
            return DiskState.FULL
        if st.suspended or (w.cfg.write_logs and w.fd < 0 and not self.opts.foreground):
            return DiskState.ERROR
        if st.space_warning or st.admin_space_warning:
            return DiskState.LOW
        return DiskState.OK

    def _remote_event(self, rtype: int, text: str) -> None:
        self.queue.put_control(self.daemon_record(rtype, text))

    def _abort(self, op: str) -> None:
        self._write_now([self.daemon_record(DAEMON_ABORT, abort_text(self.me, op))])
        self.writer.close()
        self._remove_pid_file()

    def _write_now(self, records: list[DaemonRecord]) -> None:
        """Write daemon records directly (before the threads run)."""
        lines = [self.formatter.format(r.type, r.text) for r in records]
        self.writer.write_lines(lines)
        self._dispatch_lines([(r.type, r.text, line) for r, line in zip(records, lines)])

    # -- dispatcher (plugins) --------------------------------------------------------
    def _dispatch_lines(self, records: list[tuple[int, str | None, str | None]]) -> None:
        if self.dispatcher is None or not records:
            return
        try:
            self.dispatcher.dispatch(records)
        except Exception as exc:  # a plugin problem never stops the log
            self._log(syslog.LOG_ERR, f"event dispatcher error: {exc!r}")

    def _line_formatter(self) -> Callable[[int, str], str] | None:
        """How to make the log line the dispatcher gets with a kernel or daemon
        record; None when it does not use lines (RAW mode: the kernel's text
        goes to the plugins, no need to format every record twice)."""
        if not getattr(self.dispatcher, "needs_lines", True):
            return None
        return self.formatter.format

    def _dispatch_kernel(self, batch: list) -> None:
        if self.dispatcher is None or not getattr(self.dispatcher, "active", True):
            return  # no plugin runs: don't format lines for nobody
        fmt = self._line_formatter()
        out = []
        for rec in batch:
            if isinstance(rec, bytes):
                t = rec[4] | (rec[5] << 8)
                text = None
            else:
                t, text = rec
            if not (is_logged_type(t) or t == AUDIT_EOE):
                continue
            if text is None:
                text = rec[16:].rstrip(b"\0\n").decode("latin-1")
            out.append((t, text, fmt(t, text) if fmt is not None else None))
        self._dispatch_lines(out)

    def _dispatch_record(self, record: "DaemonRecord") -> None:
        if self.dispatcher is not None:
            fmt = self._line_formatter()
            line = fmt(record.type, record.text) if fmt is not None else None
            self._dispatch_lines([(record.type, record.text, line)])

    def _dispatch_remote(self, lines: list[str]) -> None:
        if self.dispatcher is None or not self.cfg.distribute_network:
            return
        out = []
        for line in lines:
            m = _REMOTE_TYPE.search(line)
            t = type_number(m.group(1)) if m else None
            out.append((t or 0, None, line))
        self._dispatch_lines(out)

    def _write_pid_file(self) -> None:
        path = self.opts.pid_file
        if not path:
            return
        try:
            fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_WRONLY, 0o644)
            try:
                os.write(fd, f"{os.getpid()}\n".encode())
            finally:
                os.close(fd)
        except OSError as exc:
            self._log(syslog.LOG_ERR, f"Unable to set pidfile ({os.strerror(exc.errno)})")
            self.opts.pid_file = None

    def _remove_pid_file(self) -> None:
        if self.opts.pid_file:
            try:
                os.unlink(self.opts.pid_file)
            except OSError:
                pass

    # -- threads -------------------------------------------------------------------
    def _read_loop(self) -> None:
        """Read datagrams from the registered socket and queue them in batches.

        A dup of the socket is read directly (bytes, no decoding: the writer
        formats them); packets not from the kernel (port id 0) are dropped.
        """
        queue = self.queue
        try:
            sock = socket.socket(fileno=os.dup(self.data.fileno()))
        except OSError as exc:
            self._log(syslog.LOG_ERR, f"Cannot read the audit netlink socket ({exc})")
            return
        from .netlink import DatagramReader

        reader = DatagramReader(sock)
        select_ = select.select
        try:
            while not self._stop.is_set():
                try:
                    ready, _, _ = select_((sock,), (), (), 0.2)
                except InterruptedError:  # pragma: no cover
                    continue
                if not ready:
                    continue
                try:
                    batch = reader.read_datagrams(BATCH_LIMIT)
                except AuditError as exc:
                    batch = []
                    self._log(syslog.LOG_ERR,
                              f"Error receiving audit netlink packet ({os.strerror(exc.errno)})")
                self.overruns = reader.overruns
                if batch:
                    self.records_read += len(batch)
                    queue.put_records(batch)
        finally:
            sock.close()

    def _drain_socket(self) -> None:
        """Queue whatever is still in the socket (used at shutdown)."""
        while True:
            try:
                batch = self.data.read_available(BATCH_LIMIT)
            except AuditError:
                return
            if not batch:
                return
            self.records_read += len(batch)
            self.queue.put_records(batch)

    def _write_loop(self) -> None:
        queue = self.queue
        while True:
            items = queue.take_all(timeout=1.0)
            if items is None:
                return
            for item in items:
                try:
                    self._handle(item)
                except Exception as exc:  # never let the writer die silently
                    self._log(syslog.LOG_ERR, f"auditd writer error: {exc!r}")

    def _handle(self, item) -> None:
        writer, fmt = self.writer, self.formatter
        if isinstance(item, list):
            if not item:
                return
            if isinstance(item[0], bytes):
                blob, count = fmt.format_datagrams(item)
                if count:
                    writer.write_blob(blob, count)
            else:
                f = fmt.format
                lines = [f(t, text) for t, text in item if is_logged_type(t)]
                if lines:
                    writer.write_lines(lines)
            self._dispatch_kernel(item)
        elif isinstance(item, DaemonRecord):
            writer.write_lines([fmt.format(item.type, item.text)])
            self._dispatch_record(item)
        elif isinstance(item, Rotate):
            writer.rotate_now()
            if writer.writing or writer.cfg.write_logs:
                writer.write_lines([fmt.format(item.record.type, item.record.text)])
            self._dispatch_record(item.record)
        elif isinstance(item, Resume):
            writer.resume()
            self.queue.resume()
            resume = getattr(self.dispatcher, "resume", None)
            if resume is not None:
                resume()
            writer.write_lines([fmt.format(item.record.type, item.record.text)])
            self._dispatch_record(item.record)
        elif isinstance(item, Reconfigure):
            self._apply_reconfigure(item)
        elif isinstance(item, RemoteLines):
            try:
                item.written = writer.write_lines(item.lines)
            finally:
                item.done.set()
            self._dispatch_remote(item.lines)
        elif isinstance(item, Barrier):
            item.done.set()

    def _apply_reconfigure(self, item: Reconfigure) -> None:
        new = item.config
        sender = item.sender
        self._log(syslog.LOG_NOTICE, f"config change requested by pid={sender.pid} "
                                     f"auid={sender.auid & 0xFFFFFFFF} subj={sender.context or '?'}")
        old = self.cfg
        if old.priority_boost != new.priority_boost:
            try:
                os.nice(-new.priority_boost)
            except OSError as exc:
                self._log(syslog.LOG_WARNING, f"Cannot change priority in reconfigure "
                                              f"({os.strerror(exc.errno)})")
        self.writer.reconfigure(new)
        node = self.formatter.node
        if (old.name_format, old.name) != (new.name_format, new.name):
            try:
                node = resolve_node_name(new)
            except ValueError as exc:
                self._log(syslog.LOG_ERR, str(exc))
        self.formatter = LineFormatter(new.log_format, node)
        self.queue.reconfigure(new.q_depth, new.overflow_action)
        if self.dispatcher is not None:
            try:
                self.dispatcher.reconfigure(new)
            except Exception as exc:
                self._log(syslog.LOG_ERR, f"event dispatcher not reconfigured ({exc!r})")
        if self.listener is not None:
            from .remote.listener import ListenerSettings
            try:
                from .remote.tls import server_context_from_daemon_config
                tls = server_context_from_daemon_config(new)
                self.listener.reconfigure(ListenerSettings.from_daemon_config(new, tls=tls))
            except Exception as exc:
                self._log(syslog.LOG_ERR, f"network listener not reconfigured ({exc})")
        self.cfg = new
        record = self.daemon_record(DAEMON_CONFIG, reconfig_text(sender))
        if new.write_logs or self.opts.foreground:
            self.writer.write_lines([self.formatter.format(record.type, record.text)])

    # -- signals -----------------------------------------------------------------------
    def _sender(self) -> Sender | None:
        try:
            info = self.ctl.signal_info()
        except AuditError:
            return None
        return Sender(info.uid, info.pid, info.context)

    def on_hup(self) -> None:
        sender = self._sender()
        if sender is None:
            self.queue.put_control(self.daemon_record(DAEMON_CONFIG, RECONFIG_UNKNOWN))
            return
        self._log(syslog.LOG_DEBUG, "HUP detected, starting config manager")
        try:
            new = load_config(self.opts.config_dir, self._log, self.opts.allow_links)
        except ConfigError:
            # the reference does not log this failure as a record (FIXME there)
            return
        if self.opts.foreground:
            new.write_logs = False
        self.queue.put_control(Reconfigure(new, sender))

    def on_usr1(self) -> None:
        sender = self._sender()
        if sender is None:
            self.queue.put_control(Rotate(self.daemon_record(DAEMON_ROTATE, ROTATE_UNKNOWN)))
            return
        body = signal_text("rotate-logs", sender, "success")
        self.queue.put_control(Rotate(self.daemon_record(DAEMON_ROTATE, body)))

    def on_usr2(self) -> None:
        sender = self._sender()
        body = RESUME_UNKNOWN if sender is None else signal_text("resume-logging", sender,
                                                                 "success")
        self.queue.put_control(Resume(self.daemon_record(DAEMON_RESUME, body)))

    def on_cont(self) -> None:
        barrier = Barrier()
        self.queue.put_control(barrier)
        barrier.done.wait(5)
        report = (f"audit version = 3.0.9\n"
                  f"current time = {time.strftime('%x %X')}\n"
                  f"process priority = {os.getpriority(os.PRIO_PROCESS, 0)}\n"
                  + self.writer.state_report())
        # as the reference: the plugin count, then the queue, then the rest
        plugin_lines = ["Number of active plugins = 0"]
        state_lines = getattr(self.dispatcher, "state_lines", None)
        if state_lines is not None:
            plugin_lines = list(state_lines()) or plugin_lines
        report += plugin_lines[0] + "\n" + self.queue.state_report()
        report += "".join(line + "\n" for line in plugin_lines[1:])
        if self.listener is not None:
            report += "".join(line + "\n" for line in self.listener.connection_state())
        old = os.umask(0o137)
        try:
            with open(self.opts.state_file, "w") as f:
                f.write(report)
        except OSError:
            pass
        finally:
            os.umask(old)

    # -- main loop -------------------------------------------------------------------
    def serve(self, ready: Callable[[], None] | None = None) -> int:
        """Run until SIGTERM.  Signals must be blocked in every thread
        (``block_signals()`` before ``start()``)."""
        self._reader = threading.Thread(target=self._read_loop, name="auditd-reader", daemon=True)
        self._writer_thread = threading.Thread(target=self._write_loop, name="auditd-writer",
                                               daemon=True)
        self._writer_thread.start()
        if self._registered:
            self._reader.start()
        self._log(syslog.LOG_NOTICE, f"Init complete, auditd 3.0.9 listening for events "
                                     f"(startup state {self.opts.startup})")
        if ready is not None:
            ready()
        handlers = {signal.SIGHUP: self.on_hup, signal.SIGUSR1: self.on_usr1,
                    signal.SIGUSR2: self.on_usr2, signal.SIGCONT: self.on_cont}
        while True:
            info = signal.sigtimedwait(HANDLED_SIGNALS, 0.5)
            if info is None:
                if not self._writer_thread.is_alive():
                    self._log(syslog.LOG_ERR, "writer thread died, exiting")
                    break
                continue
            if info.si_signo == signal.SIGTERM:
                break
            if info.si_signo == signal.SIGCHLD:
                _reap_children()
                continue
            handler = handlers.get(info.si_signo)
            if handler:
                handler()
        return self.shutdown()

    def shutdown(self) -> int:
        """Stop reading, write DAEMON_END last, unregister, close."""
        sender = self._sender()
        body = TERMINATE_UNKNOWN if sender is None else signal_text("terminate", sender, "success")
        self._stop.set()
        if self._reader is not None and self._reader.is_alive():
            self._reader.join(timeout=5)
        if self._registered:
            try:
                self.data.unregister_daemon()
            except AuditError:
                pass
            self._registered = False
            self._drain_socket()  # records the kernel sent before it let go of us
        if self.listener is not None:
            self.listener.stop()  # ENDING to clients, DAEMON_CLOSE records
            self.listener = None
        self.queue.put_control(self.daemon_record(DAEMON_END, body))
        self.queue.close()
        if self._writer_thread is not None:
            self._writer_thread.join(timeout=60)
        self.writer.close()
        if self.dispatcher is not None:
            try:
                self.dispatcher.stop()
            except Exception as exc:
                self._log(syslog.LOG_ERR, f"event dispatcher did not stop cleanly ({exc!r})")
            self.dispatcher = None
        self._log(syslog.LOG_INFO, "The audit daemon is exiting.")
        for nl in (self.data, self.ctl):
            if nl is not None:
                nl.close()
        self._remove_pid_file()
        try:
            os.unlink(self.opts.state_file)
        except OSError:
            pass
        return 0

    def close_sockets(self) -> None:
        if self.dispatcher is not None:
            try:
                self.dispatcher.stop()
            except Exception:
                pass
            self.dispatcher = None
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        if self._registered:
            try:
                self.data.unregister_daemon()
            except AuditError:
                pass
            self._registered = False
        for nl in (self.data, self.ctl):
            if nl is not None:
                nl.close()


IGNORED_SIGNALS = (signal.SIGQUIT, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU,
                   signal.SIGALRM, signal.SIGVTALRM, signal.SIGPROF, signal.SIGURG,
                   signal.SIGWINCH, signal.SIGPIPE, signal.SIGXFSZ, signal.SIGXCPU)


def block_signals() -> None:
    """Block the daemon's signals (call before starting threads); like the
    reference, other signals (SIGINT included) are ignored."""
    for sig in IGNORED_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED_SIGNALS)


def _avoid_oom_killer(log) -> None:
    """Ask the kernel not to pick the daemon when memory runs out."""
    try:
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY | os.O_NOFOLLOW)
    except OSError:
        log(syslog.LOG_NOTICE, "Cannot open out of memory adjuster")
        return
    try:
        os.write(fd, b"-1000")
    except OSError:
        log(syslog.LOG_NOTICE, "Unable to adjust out of memory score")
    finally:
        os.close(fd)


def _reap_children() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
