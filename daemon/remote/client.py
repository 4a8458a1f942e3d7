"""The audisp-remote engine (the reference's ``audisp/plugins/remote/audisp-remote.c``).

Reads records on its input (one per line, as auditd's dispatcher writes
them), drops EOE, queues them (in memory, or in ``queue_file`` with
``mode = forward``) and sends them to ``remote_server:port``:

* ``format = managed``: each record is a MESSAGE with a sequence number; the
  next record is sent only once the server ACKed this one.  A send or an ACK
  that fails is retried (the first retry at once, then every
  ``network_retry_time`` s) up to ``max_tries_per_record`` times within
  ``max_time_per_record`` s, then ``network_failure_action`` runs and the
  record stays queued.  DISKLOW/DISKFULL/DISKERROR/ENDING replies and
  unknown error/warning replies run their ``*_action``.  With
  ``heartbeat_timeout``, an idle link carries HEARTBEATs.
* ``format = ascii``: the lines are written as they are, nothing is ACKed.

Unlike the reference, a queue that holds records while the link is down is
retried every ``network_retry_time`` seconds (not only when a new record
arrives), and at start-up, so a ``forward`` queue left by an earlier run is
delivered even when no new record comes; and with ``mode = forward`` a
network failure never drops the record (the reference drops it when the
action lets it carry on, e.g. ``syslog``).

Signals: TERM stops, HUP reloads the configuration (and reconnects), USR1
logs the state, USR2 resumes after a ``suspend`` action.  Exit status: 0 when
the queue is empty at exit, 1 when records are left (or the queue cannot be
opened), as the reference.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import ssl
import stat
import subprocess
import syslog
import time
from typing import Callable

from .client_config import (FailureAction, Format, Mode, OverflowAction, RemoteConfig,
                            RemoteConfigError, Transport)
from .protocol import (HEADER_SIZE, MAX_MESSAGE_LENGTH, Frame, MessageType, ProtocolError,
                       decode_header, encode, encode_record)
from .queue import QueueError, QueueFull, open_queue
from .tls import TlsFiles, TlsSetupError, client_context

LogFn = Callable[[int, str], None]
RunFn = Callable[[list[str]], None]

INIT_PROGRAM = "/sbin/init"


def _syslog(priority: int, message: str) -> None:
    syslog.syslog(priority, message)


def _spawn(argv: list[str]) -> None:
    """Start a program and forget it (the reference's safe_exec)."""
    subprocess.Popen(argv, stdin=subprocess.DEVNULL, close_fds=True, env={})


class _TransportDown(Exception):
    pass


class RemoteClient:
    """One audisp-remote process.  ``input_fd``: where records come from;
    ``log``: (priority, message); ``reload``: returns a new config on SIGHUP
    (RemoteConfigError keeps the old one); ``run_program``: starts exec/
    single/halt programs (tests replace it)."""

    def __init__(self, config: RemoteConfig, input_fd: int = 0, log: LogFn | None = None,
                 reload: Callable[[], RemoteConfig] | None = None,
                 run_program: RunFn | None = None, init_program: str = INIT_PROGRAM) -> None:
        self.config = config
        self.input_fd = input_fd
        self._log = log or _syslog
        self._reload = reload
        self._run = run_program or _spawn
        self._init = init_program
        self.queue = None
        self.sock: socket.socket | None = None
        self.stop = False
        self.hup = False
        self.dump = False
        self.suspend = False
        self.transport_ok = False
        self.remote_ended = True   # so the first record connects
        self.connected_once = False
        self.warned = 0
        self.sequence = 1
        self._inbuf = bytearray()
        self._eof = False
        self._next_retry = 0.0
        self._quiet = False
        self.delivered = 0

    # --------------------------------------------------------------- logging
    def log(self, priority: int, message: str, noisy: bool = False) -> None:
        if noisy and self._quiet:
            return
        try:
            self._log(priority, message)
        except Exception:
            pass

    # --------------------------------------------------------------- actions
    def _change_runlevel(self, level: str) -> None:
        try:
            self._run([self._init, level])
        except OSError:
            self.log(syslog.LOG_ALERT, f"audisp-remote failed to exec {self._init}")

    def do_action(self, desc: str, message: str, level: int, name: str) -> int:
        """Run the ``<name>_action``; 0 = carry on, -1 = the record was not delivered."""
        setting = self.config.action(name)
        act = setting.action
        if act is FailureAction.IGNORE:
            return 0
        if act is FailureAction.SYSLOG:
            self.log(level, f"{desc}, {message}")
            return 0
        if act is FailureAction.EXEC:
            try:
                self._run([setting.exe, message])
            except OSError:
                self.log(syslog.LOG_ALERT, f"audisp-remote failed to exec {setting.exe}")
            return 0
        if act is FailureAction.WARN_ONCE_CONTINUE:
            if self.warned & 1:
                return -1
            self.warned |= 1
            self.log(level, f"{desc}, {message}")
            return 0
        if act is FailureAction.WARN_ONCE:
            if self.warned & 2:
                return -1
            self.warned |= 2
            self.log(level, f"{desc}, {message}")
            return -1
        if act is FailureAction.SUSPEND:
            self.log(level, f"suspending remote logging due to {desc}")
            self.suspend = True
            return -1
        if act is FailureAction.RECONNECT:
            self.log(level, f"remote logging disconnected due to {desc}, will attempt "
                            "reconnection")
            return -1
        if act is FailureAction.SINGLE:
            self.log(level, f"remote logging is switching system to single user mode due to {desc}")
            self._change_runlevel("1")
            return -1
        if act is FailureAction.HALT:
            self.log(level, f"remote logging halting system due to {desc}")
            self._change_runlevel("0")
            return -1
        self.log(level, f"remote logging stopping due to {desc}, {message}")
        self.stop = True
        return -1

    def network_failure(self, message: str) -> int:
        rc = self.do_action("network failure", message, syslog.LOG_WARNING, "network_failure")
        if self.config.mode is Mode.FORWARD:
            # audix: store and forward never gives a record up for a network
            # failure (the reference drops it when the action carries on)
            self.stop_transport()
            return -1
        return rc

    def _remote_ending(self, message: str) -> int:
        self.stop_transport()
        self.remote_ended = True
        return self.do_action("remote server is going down", message, syslog.LOG_WARNING,
                              "remote_ending")

    def _reply_action(self, frame: Frame) -> int:
        msg = frame.text()
        t = frame.type
        if t == MessageType.DISKLOW:
            return self.do_action("remote server is low on disk space", msg, syslog.LOG_WARNING,
                                  "disk_low")
        if t == MessageType.DISKFULL:
            self.stop_transport()
            return self.do_action("remote server's disk is full", msg, syslog.LOG_ERR,
                                  "disk_full")
        if t == MessageType.DISKERROR:
            self.stop_transport()
            return self.do_action("remote server has a disk error", msg, syslog.LOG_ERR,
                                  "disk_error")
        if frame.is_fatal:
            return self.do_action("unrecognized remote error", msg, syslog.LOG_ERR,
                                  "generic_error")
        if frame.is_warning:
            return self.do_action("unrecognized remote warning", msg, syslog.LOG_WARNING,
                                  "generic_warning")
        return 0

    def _overflow(self) -> None:
        act = self.config.overflow_action
        if act is OverflowAction.SYSLOG:
            self.log(syslog.LOG_ERR, "queue is full - dropping event")
        elif act is OverflowAction.SUSPEND:
            self.log(syslog.LOG_ALERT, "Audisp-remote is suspending event processing due to "
                                       "overflowing its queue.")
            self.suspend = True
        elif act is OverflowAction.SINGLE:
            self.log(syslog.LOG_ALERT, "Audisp-remote is now changing the system to single user "
                                       "mode due to overflowing its queue")
            self._change_runlevel("1")
        elif act is OverflowAction.HALT:
            self.log(syslog.LOG_ALERT, "Audisp-remote is now halting the system due to "
                                       "overflowing its queue")
            self._change_runlevel("0")

    def _queue_error(self, err: OSError) -> None:
        self.do_action("queue error", err.strerror or str(err), syslog.LOG_ERR, "queue_error")

    # ------------------------------------------------------------- transport
    def stop_transport(self) -> None:
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
        self.sock = None
        self.transport_ok = False

    def init_transport(self) -> bool:
        """Connect; True on success.  A name that does not resolve is permanent."""
        cfg = self.config
        if self.sock is not None:
            self.transport_ok = True
            return True
        try:
            infos = socket.getaddrinfo(cfg.remote_server, cfg.port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_ADDRCONFIG | socket.AI_NUMERICSERV)
        except socket.gaierror as e:
            self.log(syslog.LOG_ERR, f"Error looking up remote host: {e.strerror} - exiting",
                     noisy=True)
            if e.errno not in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
                self.remote_ended = True
            return False
        timeout = float(cfg.max_time_per_record)
        for family, type_, proto, _, addr in infos:
            sock = socket.socket(family, type_, proto)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if cfg.local_port:
                    sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", cfg.local_port))
                sock.settimeout(timeout)
                sock.connect(addr)
            except OSError as e:
                self.log(syslog.LOG_ERR, f"Error connecting to {cfg.remote_server}: "
                                         f"{e.strerror or e}", noisy=True)
                sock.close()
                continue
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            if cfg.format is Format.MANAGED:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if cfg.transport is Transport.TLS:
                try:
                    sock = self._tls_wrap(sock)
                except (OSError, ssl.SSLError, TlsSetupError) as e:
                    self.log(syslog.LOG_ERR, f"TLS connection to {cfg.remote_server} failed: "
                                             f"{getattr(e, 'reason', None) or e}")
                    sock.close()
                    continue
            self.sock = sock
            self.transport_ok = True
            self.log(syslog.LOG_NOTICE, f"Connected to {cfg.remote_server}")
            return True
        return False

    def _tls_wrap(self, sock: socket.socket) -> ssl.SSLSocket:
        cfg = self.config
        ctx = client_context(TlsFiles(cfg.tls_ca_file, cfg.tls_cert_file, cfg.tls_key_file))
        tls = ctx.wrap_socket(sock, server_hostname=cfg.tls_server_name or cfg.remote_server)
        return tls

    def _write(self, data: bytes) -> None:
        try:
            self.sock.settimeout(float(self.config.max_time_per_record))
            self.sock.sendall(data)
        except OSError as e:
            raise _TransportDown(f"send to {self.config.remote_server} failed") from e

    def _read_exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except socket.timeout:
                raise _TransportDown(f"ack from {self.config.remote_server} timed out") from None
            except OSError as e:
                raise _TransportDown(f"read from {self.config.remote_server} failed") from e
            if not chunk:
                self.remote_ended = True
                raise _TransportDown(f"read from {self.config.remote_server} failed")
            buf += chunk
        return bytes(buf)

    def _read_frame(self) -> Frame:
        self.sock.settimeout(float(self.config.max_time_per_record))
        header = self._read_exact(HEADER_SIZE)
        try:
            _, mver, type_, length, seq = decode_header(header)
        except ProtocolError as e:
            self.log(syslog.LOG_ERR, f"lost/losing sync, {e}")
            raise _TransportDown(str(e)) from None
        body = self._read_exact(length) if length else b""
        return Frame(type_, seq, body, mver)

    # ----------------------------------------------------------------- relay
    def relay(self, line: str | None) -> int:
        """Send one record (None: a heartbeat); 0 when delivered."""
        if self.config.format is Format.ASCII:
            return self._relay_ascii(line)
        return self._relay_managed(line)

    def _relay_ascii(self, line: str | None) -> int:
        if not line:
            return 0
        if not self.transport_ok and not self.init_transport():
            return -1
        try:
            self._write(line.encode("latin-1") + b"\n")
        except _TransportDown:
            self.stop = True
            self.stop_transport()
            self.log(syslog.LOG_ERR, f"Connection to {self.config.remote_server} closed "
                                     "unexpectedly - exiting")
            return -1
        return 0

    def _relay_managed(self, line: str | None) -> int:
        cfg = self.config
        self.sequence = (self.sequence + 1) & 0xFFFFFFFF
        seq = self.sequence
        data = encode(MessageType.HEARTBEAT, seq) if line is None else encode_record(seq, line)
        tries = 0
        first = int(time.time())  # whole seconds, as the reference's time()
        while True:
            if self.stop:
                return -1
            now = int(time.time())
            if tries > 1:
                self._sleep(cfg.network_retry_time)
            if tries > cfg.max_tries_per_record:
                return self.network_failure("max retries exhausted")
            if now - first > cfg.max_time_per_record:
                return self.network_failure("max retry time exhausted")
            tries += 1
            if not self.transport_ok and not self.init_transport():
                continue
            try:
                self._write(data)
                reply = self._read_frame()
            except _TransportDown as e:
                self.log(syslog.LOG_ERR, str(e), noisy=True)
                self.stop_transport()
                continue
            if reply.type == MessageType.ENDING:
                return self._remote_ending(reply.text())
            if reply.sequence != seq:
                self.log(syslog.LOG_ERR, "lost/losing sync, mismatched response")
                self.stop_transport()
                continue
            return self._reply_action(reply)

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stop and time.monotonic() < deadline:
            time.sleep(min(0.1, deadline - time.monotonic()))

    def send_one(self) -> bool:
        """Send the oldest queued record; True when it was delivered."""
        if self.suspend or not self.transport_ok:
            return False
        try:
            line = self.queue.peek()
        except OSError as e:
            self._queue_error(e)
            return False
        if line is None:
            return False
        if self.relay(line) < 0:
            return False
        self.warned = 0
        self.delivered += 1
        try:
            self.queue.drop_head()
        except OSError as e:
            self._queue_error(e)
            return False
        return True

    def drain(self) -> None:
        while len(self.queue) and not self.suspend and not self.stop and self.transport_ok:
            if not self.send_one():
                if self.transport_ok:
                    # refused but still connected (e.g. a warn_once action):
                    # do not resend in a tight loop; reconnect after
                    # network_retry_time instead (the reference spins here)
                    self.stop_transport()
                    self._next_retry = time.monotonic() + self.config.network_retry_time
                break

    # ---------------------------------------------------------- async replies
    def check_message(self) -> None:
        """The server wrote while we were not waiting for an ACK (ENDING, DISK*), or closed."""
        if self.config.format is Format.ASCII:
            try:
                self.sock.settimeout(0)
                data = self.sock.recv(64)
                if not data:
                    self.remote_ended = True
                    self.stop = True
            except (BlockingIOError, ssl.SSLWantReadError):
                pass
            except OSError:
                self.stop = True
            return
        try:
            frame = self._read_frame()
        except _TransportDown:
            self.stop_transport()
            return
        if frame.type == MessageType.ENDING:
            self._remote_ending(frame.text())
        elif frame.type in (MessageType.DISKLOW, MessageType.DISKFULL, MessageType.DISKERROR):
            self._reply_action(frame)

    # ------------------------------------------------------------------ input
    def _read_input(self) -> list[str]:
        try:
            data = os.read(self.input_fd, 65536)
        except BlockingIOError:
            return []
        except OSError:
            data = b""
        if not data:
            self._eof = True
            lines = [bytes(self._inbuf).decode("latin-1")] if self._inbuf else []
            self._inbuf.clear()
            return lines
        self._inbuf += data
        *complete, rest = self._inbuf.split(b"\n")
        self._inbuf = bytearray(rest)
        if len(self._inbuf) > MAX_MESSAGE_LENGTH:  # a line too long for the protocol
            complete.append(bytes(self._inbuf))
            self._inbuf.clear()
        return [c.decode("latin-1") for c in complete]

    @staticmethod
    def _is_eoe(line: str) -> bool:
        if line.startswith("t"):
            return line.startswith("type=EOE")
        sp = line.find(" ")
        return sp < 0 or line.startswith("type=EOE", sp + 1)

    def take_line(self, line: str) -> None:
        cfg = self.config
        if not line:
            return
        if (not self.transport_ok and self.remote_ended
                and (cfg.remote_ending_action.action is FailureAction.RECONNECT
                     or not self.connected_once)):
            self._connect_for_input()
        if self._is_eoe(line):
            return
        try:
            self.queue.append(line)
        except QueueFull:
            self._overflow()
        except OSError as e:
            self._queue_error(e)

    def _connect_for_input(self) -> None:
        self._quiet = True
        try:
            if self.init_transport():
                self.remote_ended = False
                self.connected_once = True
            elif not self.connected_once:
                self.do_action("startup network failure",
                               "First attempt at connecting to server unsuccessful",
                               syslog.LOG_WARNING, "startup_failure")
        finally:
            self._quiet = False

    def _retry_connect(self) -> None:
        """audix: queued records and no link -> try again every network_retry_time."""
        now = time.monotonic()
        if now < self._next_retry:
            return
        self._next_retry = now + self.config.network_retry_time
        self._quiet = True
        try:
            if self.init_transport():
                self.remote_ended = False
                self.connected_once = True
        finally:
            self._quiet = False

    # -------------------------------------------------------------- signals
    def _on_signal(self, signum, frame) -> None:
        if signum == signal.SIGTERM:
            self.stop = True
        elif signum == signal.SIGHUP:
            self.hup = True
        elif signum == signal.SIGUSR1:
            self.dump = True
        elif signum == signal.SIGUSR2:
            self.suspend = False
        elif signum == signal.SIGCHLD:
            try:
                while os.waitpid(-1, os.WNOHANG)[0] > 0:
                    pass
            except ChildProcessError:
                pass

    def state_line(self) -> str:
        yn = lambda b: "yes" if b else "no"  # noqa: E731
        return (f"suspend={yn(self.suspend)}, remote_ended={yn(self.remote_ended)}, "
                f"transport_ok={yn(self.transport_ok)}, queued_items={len(self.queue)}, "
                f"queue_depth={self.config.queue_depth}")

    def _reload_config(self) -> None:
        self.hup = False
        if self._reload is not None:
            try:
                new = self._reload()
            except RemoteConfigError as e:
                self.log(syslog.LOG_ERR, f"{e} - keeping the current configuration")
                new = None
            if new is not None:
                if (new.mode, new.spool_path) != (self.config.mode, self.config.spool_path):
                    self.log(syslog.LOG_WARNING, "mode and queue_file changes need a restart")
                    new = new.copy(mode=self.config.mode, queue_file=self.config.queue_file,
                                   format=self.config.format
                                   if self.config.mode is Mode.FORWARD else new.format)
                self.config = new
        self.stop_transport()
        self.remote_ended = True

    # ------------------------------------------------------------------ main
    def open_queue(self) -> None:
        cfg = self.config
        self.queue = open_queue(cfg.mode is Mode.FORWARD, cfg.spool_path, cfg.queue_depth)
        if getattr(self.queue, "imported", 0):
            self.log(syslog.LOG_NOTICE, f"Converted the audisp-remote queue file {cfg.spool_path}: "
                                        f"{self.queue.imported} records kept")

    def run(self, install_signals: bool = True) -> int:
        try:
            self.open_queue()
        except (OSError, QueueError) as e:
            self.log(syslog.LOG_ERR, f"Error initializing audit record queue: {e.strerror or e}")
            return 1
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        old = {}
        old_wakeup = None
        if install_signals:
            for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
                      signal.SIGCHLD):
                old[s] = signal.signal(s, self._on_signal)
            old_wakeup = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
        try:
            os.set_blocking(self.input_fd, False)
        except OSError:
            pass
        self.log(syslog.LOG_NOTICE, f"Audisp-remote started with queue_size: {len(self.queue)}")
        try:
            self._loop(wake_r)
            # input ended (or stop on a pipe): push what is left if we can
            eof_exit = self._eof and not self.stop
            if len(self.queue) and not self.suspend and (
                    eof_exit or (is_pipe(self.input_fd) and self.transport_ok)):
                was_stop, self.stop = self.stop, False
                if not self.transport_ok:
                    self._next_retry = 0.0
                    self._retry_connect()
                self.drain()
                self.stop = self.stop or was_stop
        finally:
            self.stop_transport()
            left = len(self.queue)
            self.queue.close()
            if install_signals:
                signal.set_wakeup_fd(old_wakeup if old_wakeup is not None else -1)
                for s, h in old.items():
                    signal.signal(s, h)
            os.close(wake_r)
            os.close(wake_w)
        if self.stop or self._eof:
            self.log(syslog.LOG_NOTICE, "audisp-remote is exiting on stop request, "
                                        f"queue_size: {left}")
        return 1 if left else 0

    def _loop(self, wake_fd: int) -> None:
        cfg = self.config
        if len(self.queue):
            self._retry_connect()
        while not self.stop and not self._eof:
            if self.hup:
                self._reload_config()
                cfg = self.config
            if self.dump:
                self.dump = False
                self.log(syslog.LOG_INFO, self.state_line())
            rlist = [self.input_fd, wake_fd]
            if self.sock is not None:
                rlist.append(self.sock)
            wlist = [self.sock] if (self.sock is not None and len(self.queue)
                                    and not self.suspend and self.transport_ok) else []
            timeout = None
            heartbeat = cfg.format is Format.MANAGED and cfg.heartbeat_timeout > 0
            if heartbeat:
                timeout = float(cfg.heartbeat_timeout)
            waiting = len(self.queue) and not self.transport_ok and not self.suspend
            if waiting:
                t = max(0.0, self._next_retry - time.monotonic())
                timeout = t if timeout is None else min(timeout, t)
            try:
                r, w, _ = select.select(rlist, wlist, [], timeout)
            except (OSError, ValueError) as e:   # the input went away: as end of input
                self.log(syslog.LOG_ERR, f"cannot wait for input: {e}")
                self._eof = True
                break
            if wake_fd in r:
                try:
                    while os.read(wake_fd, 512):
                        pass
                except BlockingIOError:
                    pass
            if not r and not w and heartbeat and not self.remote_ended and not waiting:
                self._quiet = True
                self.relay(None)
                self._quiet = False
                continue
            if self.sock is not None and self.sock in r:
                self.check_message()
            if self.hup or self.stop:
                continue
            if self.input_fd in r:
                for line in self._read_input():
                    self.take_line(line)
            if waiting or (len(self.queue) and not self.transport_ok and not self.suspend):
                self._retry_connect()
            if self.sock is not None and len(self.queue):
                self.drain()


def is_pipe(fd: int) -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode)
    except OSError:
        return False
