"""The auditd side of remote logging (``tcp_listen_port``; the reference's
``src/auditd-listen.c``).

:class:`Listener` accepts connections on its own thread and serves each
client on a thread of its own, so a slow or hostile peer (one that never
reads its ACKs, sends garbage, or stalls half-way through a message) only
ever costs its own connection.  For every record a client sends, the
listener calls ``write(line)`` (the daemon's log writer; it returns once the
line is written, or raises OSError) and only then replies: ACK, DISKLOW when
``disk_state()`` says the disk is low, DISKFULL (``ENOSPC`` or a full disk)
or DISKERROR.  HEARTBEATs are ACKed.  A connection that does not start with
the magic number is read as newline-terminated text (written, never ACKed).

Connection policy as the reference: ``tcp_client_ports`` (the client's source
port range, ``op=port``), ``tcp_max_per_addr`` (``op=dup``),
``tcp_client_max_idle``; every accept/refusal/close is reported through
``daemon_event(type, text)`` as DAEMON_ACCEPT (1207) / DAEMON_CLOSE (1208)
with the reference's text.  At ``stop()`` every client gets ENDING.
With TLS (audix), a failed handshake is refused as ``op=tls ... res=no``.
"""

from __future__ import annotations

import enum
import errno
import socket
import ssl
import syslog
import threading
import time
from dataclasses import dataclass
from typing import Callable

from .protocol import MessageType, ProtocolError, StreamDecoder, StreamMode, encode

DAEMON_ACCEPT = 1207
DAEMON_CLOSE = 1208


class DiskState(enum.Enum):
    OK = "ok"
    LOW = "low"        # space_left crossed: records are written, reply DISKLOW
    FULL = "full"      # nothing can be written: reply DISKFULL
    ERROR = "error"    # the log cannot be written: reply DISKERROR


class ListenerError(Exception):
    """The listener could not start (no socket could be bound)."""


@dataclass(frozen=True)
class ListenerSettings:
    port: int                       # 0: an ephemeral port (tests); see Listener.port
    listen_queue: int = 5
    max_per_addr: int = 1
    client_min_port: int = 0
    client_max_port: int = 65535
    client_max_idle: int = 0        # seconds; 0 = never close idle clients
    bind_address: str | None = None  # None: every address, as the reference
    tls: ssl.SSLContext | None = None
    handshake_timeout: float = 10.0
    send_timeout: float = 10.0       # a client that does not take its replies is closed

    @classmethod
    def from_daemon_config(cls, cfg, tls: ssl.SSLContext | None = None) -> "ListenerSettings":
        """From an ``audix.daemon.config.DaemonConfig``."""
        return cls(port=cfg.tcp_listen_port, listen_queue=cfg.tcp_listen_queue,
                   max_per_addr=cfg.tcp_max_per_addr, client_min_port=cfg.tcp_client_min_port,
                   client_max_port=cfg.tcp_client_max_port,
                   client_max_idle=cfg.tcp_client_max_idle, tls=tls)


WriteFn = Callable[[str], None]
DiskStateFn = Callable[[], DiskState]
DaemonEventFn = Callable[[int, str], None]
LogFn = Callable[[int, str], None]


def _syslog(priority: int, message: str) -> None:
    syslog.syslog(priority, message)


def _peer_host(addr) -> tuple[str, int]:
    return addr[0], addr[1]


class _Client:
    def __init__(self, listener: "Listener", sock: socket.socket, addr: tuple) -> None:
        self.listener = listener
        self.sock = sock
        self.host, self.port = _peer_host(addr)
        self.send_lock = threading.Lock()
        self.last_active = time.monotonic()
        self.closed = False
        self.thread = threading.Thread(target=self._run, name=f"remote-{self.host}:{self.port}",
                                       daemon=True)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    # replies --------------------------------------------------------------
    def send(self, data: bytes, timeout: float | None = None) -> bool:
        with self.send_lock:
            if self.closed:
                return False
            try:
                self.sock.settimeout(timeout if timeout is not None
                                     else self.listener.settings.send_timeout)
                self.sock.sendall(data)
                return True
            except (OSError, ValueError):
                self.listener._log(syslog.LOG_WARNING,
                                   f"client {self.where} does not take its replies - closing")
                self._shutdown()
                return False
            finally:
                if not self.closed:
                    try:
                        self.sock.settimeout(0.5)
                    except OSError:
                        pass

    def _shutdown(self) -> None:
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # the connection's thread ------------------------------------------------
    def _run(self) -> None:
        lst = self.listener
        try:
            if lst.settings.tls is not None and not self._handshake():
                return
            lst._event(DAEMON_ACCEPT, f"addr={self.host} port={self.port} res=success")
            self._serve()
            lst._event(DAEMON_CLOSE, f"addr={self.host} port={self.port} res=success")
        finally:
            with self.send_lock:
                self.closed = True
                try:
                    self.sock.close()
                except OSError:
                    pass
            lst._forget(self)

    def _handshake(self) -> bool:
        lst = self.listener
        try:
            self.sock.settimeout(lst.settings.handshake_timeout)
            self.sock = lst.settings.tls.wrap_socket(self.sock, server_side=True,
                                                     do_handshake_on_connect=False)
            self.sock.do_handshake()
        except (OSError, ssl.SSLError, ValueError) as e:
            reason = getattr(e, "reason", None) or getattr(e, "strerror", None) or str(e)
            lst._log(syslog.LOG_ERR, f"TLS connection from {self.where} rejected: {reason}")
            lst._event(DAEMON_ACCEPT, f"op=tls addr={self.host} port={self.port} res=no")
            return False
        peer = self.sock.getpeercert() or {}
        subject = ",".join("=".join(x) for rdn in peer.get("subject", ()) for x in rdn)
        lst._log(syslog.LOG_INFO, f"TLS connection from {self.where} subject {subject}")
        return True

    def _serve(self) -> None:
        lst = self.listener
        decoder = StreamDecoder()
        self.sock.settimeout(0.5)
        while not self.closed:  # stop() sends ENDING, then shuts the socket down
            try:
                data = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                idle = lst.settings.client_max_idle
                if idle and time.monotonic() - self.last_active >= idle:
                    lst._log(syslog.LOG_NOTICE,
                             f"client {self.where} idle too long - closing connection")
                    return
                continue
            except OSError:
                if not self.closed and not lst._stopping.is_set():
                    lst._log(syslog.LOG_WARNING,
                             f"client {self.where} socket closed unexpectedly")
                return
            self.last_active = time.monotonic()
            try:
                items = decoder.feed(data) if data else decoder.finish()
            except ProtocolError as e:
                lst._log(syslog.LOG_ERR, f"client {self.where} sent bad data ({e}) - closing")
                return
            for item in items:
                if not self._handle(item, decoder.mode):
                    return
            if not data:
                return

    def _handle(self, item, mode: StreamMode) -> bool:
        lst = self.listener
        if mode is StreamMode.ASCII:
            if item:
                lst._store(item)
            return True
        if item.type == MessageType.HEARTBEAT:
            return self.send(encode(MessageType.ACK, item.sequence))
        if item.type != MessageType.MESSAGE:
            lst._log(syslog.LOG_ERR,
                     f"client {self.where} sent message type 0x{item.type:08x} - closing")
            return False
        # one record is one log line: a newline inside the body becomes a space
        reply, text = lst._store(item.text().replace("\n", " "))
        return self.send(encode(reply, item.sequence, text.encode()))


class Listener:
    """Serves remote clients until :meth:`stop`.  Thread-safe callbacks are
    not required: the listener calls ``write``/``disk_state``/``daemon_event``
    under one lock, one record at a time."""

    def __init__(self, settings: ListenerSettings, write: WriteFn,
                 disk_state: DiskStateFn | None = None,
                 daemon_event: DaemonEventFn | None = None,
                 log: LogFn | None = None) -> None:
        self.settings = settings
        self._write = write
        self._disk_state = disk_state or (lambda: DiskState.OK)
        self._daemon_event = daemon_event
        self._log_fn = log or _syslog
        self._lock = threading.Lock()          # callbacks
        self._clients_lock = threading.Lock()
        self._clients: list[_Client] = []
        self._socks: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.port = settings.port

    # callbacks, serialised ---------------------------------------------------
    def _log(self, priority: int, message: str) -> None:
        try:
            self._log_fn(priority, message)
        except Exception:  # a logging failure must not take a client down
            pass

    def _event(self, type_: int, text: str) -> None:
        if self._daemon_event is None:
            return
        with self._lock:
            try:
                self._daemon_event(type_, text)
            except Exception as e:
                self._log(syslog.LOG_ERR, f"cannot record daemon event: {e}")

    def _store(self, line: str) -> tuple[MessageType, str]:
        """Write one record; the reply type and its text."""
        with self._lock:
            state = self._disk_state()
            if state is DiskState.FULL:
                return MessageType.DISKFULL, "disk full"
            if state is DiskState.ERROR:
                return MessageType.DISKERROR, "disk write error"
            if line:
                try:
                    self._write(line)
                except OSError as e:
                    if e.errno == errno.ENOSPC:
                        return MessageType.DISKFULL, "disk full"
                    return MessageType.DISKERROR, "disk write error"
            if self._disk_state() is DiskState.LOW:
                return MessageType.DISKLOW, ""
            return MessageType.ACK, ""

    # lifecycle ------------------------------------------------------------
    def _bind(self) -> list[socket.socket]:
        s = self.settings
        candidates: list[tuple[int, str]] = []
        if s.bind_address is not None:
            fam = socket.AF_INET6 if ":" in s.bind_address else socket.AF_INET
            candidates.append((fam, s.bind_address))
        else:
            if socket.has_ipv6:
                candidates.append((socket.AF_INET6, "::"))
            candidates.append((socket.AF_INET, "0.0.0.0"))
        errors = []
        for fam, host in candidates:
            sock = socket.socket(fam, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if fam == socket.AF_INET6 and s.bind_address is None:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                sock.bind((host, self.port))
                sock.listen(s.listen_queue)
                sock.settimeout(0.5)
                self.port = sock.getsockname()[1]
                return [sock]
            except OSError as e:
                errors.append(f"{host}: {e.strerror}")
                sock.close()
        raise ListenerError(f"Cannot bind listener socket to port {self.settings.port} "
                            f"({'; '.join(errors)})")

    def start(self) -> None:
        self._socks = self._bind()
        self._log(syslog.LOG_DEBUG, f"Listening on TCP port {self.port}, protocol tcp")
        self._thread = threading.Thread(target=self._accept_loop, name="remote-listener",
                                        daemon=True)
        self._thread.start()

    def reconfigure(self, settings: ListenerSettings) -> None:
        """Port range, per-address limit, idle time and TLS context take effect
        for new connections; a new port or queue needs a restart (as the reference)."""
        self.settings = settings

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, send ENDING to every client, close them (DAEMON_CLOSE).
        Call it while ``write`` still works (before the log writer stops)."""
        self._stopping.set()
        for sock in self._socks:
            try:
                sock.close()
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout)
        with self._clients_lock:
            clients = list(self._clients)
        for c in clients:
            c.send(encode(MessageType.ENDING, 0), timeout=1.0)
            with c.send_lock:
                c._shutdown()
        deadline = time.monotonic() + timeout
        for c in clients:
            c.thread.join(max(0.0, deadline - time.monotonic()))

    def connection_state(self) -> list[str]:
        """The lines the reference writes to auditd.state."""
        listening = bool(self._socks) and not self._stopping.is_set()
        lines = [f"listening for network connections = {'yes' if listening else 'no'}"]
        if listening:
            with self._clients_lock:
                now = time.monotonic()
                idle = self.settings.client_max_idle or 60
                act = sum(1 for c in self._clients if now - c.last_active < idle)
                lines.append(f"active connections = {act}")
                lines.append(f"total connections = {len(self._clients)}")
        return lines

    @property
    def client_count(self) -> int:
        with self._clients_lock:
            return len(self._clients)

    # accepting ------------------------------------------------------------
    def _forget(self, client: _Client) -> None:
        with self._clients_lock:
            if client in self._clients:
                self._clients.remove(client)

    def _refuse(self, sock: socket.socket, host: str, port: int, op: str, why: str) -> None:
        self._log(syslog.LOG_ERR, why)
        self._event(DAEMON_ACCEPT, f"op={op} addr={host} port={port} res=no")
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def _accept_loop(self) -> None:
        lsock = self._socks[0]
        while not self._stopping.is_set():
            try:
                sock, addr = lsock.accept()
            except socket.timeout:
                continue
            except OSError as e:
                if self._stopping.is_set():
                    return
                if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self._log(syslog.LOG_ERR, "Unable to accept TCP connection")
                    time.sleep(0.1)
                continue
            host, port = _peer_host(addr)
            s = self.settings
            if not s.client_min_port <= port <= s.client_max_port:
                self._refuse(sock, host, port, "port",
                             f"TCP connection from {host}:{port} rejected")
                continue
            with self._clients_lock:
                same = sum(1 for c in self._clients if c.host == host)
            if same >= s.max_per_addr:
                self._refuse(sock, host, port, "dup",
                             f"Too many connections from {host}:{port} - rejected")
                continue
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            client = _Client(self, sock, addr)
            with self._clients_lock:
                self._clients.append(client)
            client.thread.start()


def listener_for(cfg, write: WriteFn, disk_state: DiskStateFn | None = None,
                 daemon_event: DaemonEventFn | None = None,
                 log: LogFn | None = None) -> Listener | None:
    """The listener an ``audix.daemon.config.DaemonConfig`` asks for, not yet
    started; None when ``tcp_listen_port`` is 0.  ``transport = tls`` needs
    ``tls_ca_file``, ``tls_cert_file``, ``tls_key_file`` on the config
    (TlsSetupError otherwise)."""
    if not cfg.tcp_listen_port:
        return None
    from .tls import server_context_from_daemon_config
    settings = ListenerSettings.from_daemon_config(cfg, tls=server_context_from_daemon_config(cfg))
    return Listener(settings, write, disk_state=disk_state, daemon_event=daemon_event, log=log)
