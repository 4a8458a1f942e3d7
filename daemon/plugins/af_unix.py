"""The builtin af_unix plugin (``path = builtin_af_unix``).

``args`` holds the socket's path (a word with a ``/``; default
``/var/run/audispd_events``) and its mode (a word of digits, octal),
in either order, as the reference's ``audispd-builtins.c``.  Records go
out in the plugin's ``format`` to every connected client (the reference
serves one client at a time and blocks on it); a client that lets more than
``depth`` records pile up is disconnected so it never holds the others.
"""

from __future__ import annotations

import os
import select
import socket
import stat
import syslog
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from .outbox import Outbox
from .plugin_config import PluginConfig

Log = Callable[[int, str], None]

DEFAULT_PATH = "/var/run/audispd_events"
POLL_MS = 500
LISTEN_BACKLOG = 5


class AfUnixArgsError(ValueError):
    pass


@dataclass(frozen=True)
class AfUnixSettings:
    path: str = DEFAULT_PATH
    mode: int | None = None


def parse_af_unix_args(args: tuple[str, ...] | list[str]) -> AfUnixSettings:
    path, mode = DEFAULT_PATH, None
    for word in args:
        if word.isdigit():
            mode = int(word, 8) if all(c in "01234567" for c in word) else None
            if mode is None:
                raise AfUnixArgsError(f"Error converting {word} (Invalid argument)")
        elif "/" in word:
            path = word
        else:
            raise AfUnixArgsError(f"Malformed path {word}")
    return AfUnixSettings(path, mode)


@dataclass
class _Client:
    sock: socket.socket
    pending: deque = field(default_factory=deque)
    offset: int = 0


class AfUnixPlugin:
    kind = "builtin"

    def __init__(self, cfg: PluginConfig, depth: int, log: Log) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self.depth = max(int(depth), 1)
        self.outbox = Outbox(depth)
        self.log = log
        self.settings = AfUnixSettings()
        self.sent = 0
        self.clients_dropped = 0
        self._listener: socket.socket | None = None
        self._inode: int | None = None
        self._clients: list[_Client] = []
        self._thread: threading.Thread | None = None
        self._closing = False
        self.gave_up = False
        self.restarts = 0
        self.max_restarts = 0

    @property
    def path(self) -> str:
        return self.cfg.path or ""

    def start(self) -> bool:
        try:
            self.settings = parse_af_unix_args(self.cfg.args)
        except AfUnixArgsError as exc:
            self.log(syslog.LOG_ERR, str(exc))
            return False
        path, mode = self.settings.path, self.settings.mode
        directory = os.path.dirname(path) or "."
        if not os.path.isdir(directory):
            self.log(syslog.LOG_ERR, f"Couldn't open {directory} (No such file or directory)")
            return False
        try:
            if stat.S_ISSOCK(os.lstat(path).st_mode):
                os.unlink(path)
        except OSError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(path)
        except OSError as exc:
            sock.close()
            self.log(syslog.LOG_ERR, f"Couldn't bind af_unix socket ({exc.strerror})")
            return False
        if mode is not None:
            try:
                os.chmod(path, mode)
            except OSError as exc:
                sock.close()
                self._unlink()
                self.log(syslog.LOG_ERR, f"Couldn't chmod {path} to {mode:04o} "
                                         f"({exc.strerror})")
                return False
        try:
            self._inode = os.lstat(path).st_ino
        except OSError:
            self._inode = None
        sock.setblocking(False)
        sock.listen(LISTEN_BACKLOG)
        self._listener = sock
        self._thread = threading.Thread(target=self._serve, name=f"plugin-{self.name}",
                                        daemon=True)
        self._thread.start()
        self.log(syslog.LOG_INFO, "af_unix plugin initialized")
        return True

    def offer(self, payloads: list[bytes]) -> int:
        if self._closing or self._listener is None:
            return 0
        return self.outbox.offer(payloads)

    def hup(self) -> None:
        pass

    def request_restart(self) -> None:
        pass

    def stop(self, flush_timeout: float = 0.0) -> None:
        self._closing = True
        self.outbox.wake()
        if self._thread is not None:
            self._thread.join(2.0)
        for c in self._clients:
            c.sock.close()
        self._clients = []
        if self._listener is not None:
            self._listener.close()
            self._listener = None
            self._unlink()
            self.log(syslog.LOG_INFO, "af_unix plugin terminated")
        self.outbox.close()

    def stop_async(self) -> threading.Thread:
        t = threading.Thread(target=self.stop, name=f"plugin-stop-{self.name}", daemon=True)
        t.start()
        return t

    def state_line(self) -> str:
        return (f"plugin {self.name} (builtin_af_unix {self.settings.path}) "
                f"clients={len(self._clients)} format={self.cfg.format.value} "
                f"sent={self.sent} clients dropped={self.clients_dropped}")

    def _unlink(self) -> None:
        """Remove our socket file (not one a newer instance bound since)."""
        path = self.settings.path
        try:
            if self._inode is None or os.lstat(path).st_ino == self._inode:
                os.unlink(path)
        except OSError:
            pass

    # -- the serving thread --------------------------------------------------------------
    def _serve(self) -> None:
        listener = self._listener
        outbox = self.outbox
        while not self._closing:
            poller = select.poll()
            poller.register(listener.fileno(), select.POLLIN)
            poller.register(outbox.wake_fd, select.POLLIN)
            by_fd = {}
            for c in self._clients:
                by_fd[c.sock.fileno()] = c
                poller.register(c.sock.fileno(),
                                select.POLLIN | (select.POLLOUT if c.pending else 0))
            try:
                ready = poller.poll(POLL_MS)
            except InterruptedError:  # pragma: no cover
                continue
            gone: list[_Client] = []
            for fd, ev in ready:
                if fd == outbox.wake_fd:
                    outbox.drain_wake()
                elif fd == listener.fileno():
                    self._accept(listener)
                else:
                    c = by_fd.get(fd)
                    if c is None:
                        continue
                    if ev & (select.POLLHUP | select.POLLERR) or \
                            (ev & select.POLLIN and _closed_by_peer(c.sock)):
                        gone.append(c)
                    elif ev & select.POLLOUT and not self._flush(c):
                        gone.append(c)
            items = outbox.take_all()
            if items:
                for c in self._clients:
                    if c in gone:
                        continue
                    c.pending.extend(items)
                    if len(c.pending) > self.depth:
                        self.clients_dropped += 1
                        self.log(syslog.LOG_WARNING, "af_unix plugin disconnected a client "
                                                     "that does not read")
                        gone.append(c)
                    elif not self._flush(c):
                        gone.append(c)
            for c in gone:
                if c in self._clients:
                    self._clients.remove(c)
                    c.sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            conn.setblocking(False)
            self._clients.append(_Client(conn))

    def _flush(self, c: _Client) -> bool:
        """Write what the client takes now; False when it is gone."""
        while c.pending:
            first = c.pending[0]
            try:
                n = c.sock.send(memoryview(first)[c.offset:],
                                socket.MSG_DONTWAIT | socket.MSG_NOSIGNAL)
            except (BlockingIOError, InterruptedError):
                return True
            except OSError:
                return False
            c.offset += n
            if c.offset >= len(first):
                c.pending.popleft()
                c.offset = 0
                self.sent += 1
            else:
                return True
        return True


def _closed_by_peer(sock: socket.socket) -> bool:
    try:
        return sock.recv(65536, socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True
