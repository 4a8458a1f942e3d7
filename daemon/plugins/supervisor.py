"""One external (``type = always``) plugin: its process, its stdin, its feeder.

As the reference, the plugin's stdin is one end of a ``socketpair`` and it
is started with an empty environment and ``argv`` = path + args; unlike the
reference (one thread writing to every plugin, blocking), each plugin has
its own bounded :class:`Outbox` and feeder thread writing with
``MSG_DONTWAIT``: a plugin that does not read only fills its own queue.

The process is started with ``posix_spawn`` (thread safe), every signal
unblocked and at its default action (the daemon blocks and ignores some).
A pidfd follows it, so signals never reach a recycled pid even when the
daemon's SIGCHLD handler reaped it first.

Death (EOF or an error on the socket, or the pidfd firing) is answered as
the reference does: "plugin X terminated unexpectedly", then a restart
unless ``max_restarts`` restarts were done already ("has exceeded
max_restarts"); the record being written when it died is sent again whole
to the new process.
"""

from __future__ import annotations

import errno
import fcntl
import itertools
import os
import select
import signal
import socket
import syslog
import threading
import time
from collections import deque
from typing import Callable

from .outbox import Outbox
from .plugin_config import PluginConfig

Log = Callable[[int, str], None]

SEND_BATCH = 64
POLL_MS = 500
EXIT_GRACE = 1.0   # after EOF on stdin, before SIGTERM
TERM_GRACE = 1.0   # after SIGTERM, before giving up on reaping
DEFAULT_SIGNALS = frozenset(s for s in range(1, 32)
                            if s not in (signal.SIGKILL, signal.SIGSTOP))


class ExternalPlugin:
    """Feeds ``cfg.path`` on stdin with what :meth:`offer` queues."""

    kind = "always"

    def __init__(self, cfg: PluginConfig, depth: int, max_restarts: int, log: Log) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self.outbox = Outbox(depth)
        self.max_restarts = max_restarts
        self.log = log
        self.restarts = 0
        self.sent = 0
        self.gave_up = False
        self.pid: int | None = None
        self._pidfd = -1
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self._close_deadline = 0.0
        self._restart_requested = False
        self._lock = threading.Lock()  # process fields (feeder vs. signal senders)

    @property
    def path(self) -> str:
        return self.cfg.path or ""

    @property
    def running(self) -> bool:
        return self._sock is not None

    # -- life cycle ----------------------------------------------------------------
    def start(self) -> bool:
        """Start the process and the feeder; False (logged) if it cannot run."""
        if not self._spawn():
            return False
        self._thread = threading.Thread(target=self._feed, name=f"plugin-{self.name}",
                                        daemon=True)
        self._thread.start()
        return True

    def offer(self, payloads: list[bytes]) -> int:
        """Queue records (never blocks); returns how many did not fit."""
        if self.gave_up or self._closing:
            return 0
        return self.outbox.offer(payloads)

    def hup(self) -> None:
        self._signal(signal.SIGHUP)

    def request_restart(self) -> None:
        """Start a new process (new binary); done by the feeder, never blocks."""
        self._restart_requested = True
        self.outbox.wake()

    def stop(self, flush_timeout: float = 2.0) -> None:
        """Give the queue up to ``flush_timeout`` to drain, close stdin, then
        SIGTERM what has not exited.  Blocks (call off the writer thread)."""
        self._close_deadline = time.monotonic() + flush_timeout
        self._closing = True
        self.outbox.wake()
        if self._thread is not None:
            self._thread.join(flush_timeout + 1.0)
        self._terminate()
        self.outbox.close()

    def stop_async(self) -> threading.Thread:
        t = threading.Thread(target=self.stop, kwargs={"flush_timeout": 0.0},
                             name=f"plugin-stop-{self.name}", daemon=True)
        t.start()
        return t

    def state_line(self) -> str:
        if self.gave_up:
            state = "stopped (exceeded max_restarts)"
        elif self.running:
            state = f"running pid={self.pid}"
        else:
            state = "not running"
        return (f"plugin {self.name} ({self.path}) {state} format={self.cfg.format.value} "
                f"queued={len(self.outbox)} max queued={self.outbox.max_used} "
                f"sent={self.sent} restarts={self.restarts}")

    # -- the process ------------------------------------------------------------------
    def _spawn(self) -> bool:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        child_fd = fcntl.fcntl(child.fileno(), fcntl.F_DUPFD_CLOEXEC, 3)
        child.close()
        try:
            pid = os.posix_spawn(self.path, self.cfg.argv, {},
                                 file_actions=[(os.POSIX_SPAWN_DUP2, child_fd, 0)],
                                 setsigmask=(), setsigdef=DEFAULT_SIGNALS)
        except OSError as exc:
            parent.close()
            self.log(syslog.LOG_ERR, f"Error running {self.path} "
                                     f"({exc.strerror or exc}) continuing without it")
            return False
        finally:
            os.close(child_fd)
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:  # already gone (and reaped by the daemon)
            pidfd = -1
        with self._lock:
            self.pid, self._pidfd, self._sock = pid, pidfd, parent
        return True

    def _signal(self, sig: int) -> None:
        with self._lock:
            pidfd = self._pidfd
            if pidfd < 0:
                return
            try:
                signal.pidfd_send_signal(pidfd, sig)
            except OSError:
                pass

    def _exited(self, timeout: float) -> bool:
        pidfd = self._pidfd
        if pidfd < 0:
            return True
        try:
            ready, _, _ = select.select([pidfd], [], [], timeout)
        except (OSError, ValueError):
            return True
        return bool(ready)

    def _terminate(self, grace: float = EXIT_GRACE) -> None:
        """Close stdin; SIGTERM if it has not exited within ``grace``; reap."""
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
        if self.pid is None:
            return
        if not self._exited(grace):
            self._signal(signal.SIGTERM)
            self._exited(TERM_GRACE)
        self._reap()

    def _reap(self) -> None:
        with self._lock:
            pid, pidfd = self.pid, self._pidfd
            self.pid, self._pidfd = None, -1
        try:
            if pidfd >= 0:  # exactly this process, even if its pid was reused
                os.waitid(os.P_PIDFD, pidfd, os.WEXITED | os.WNOHANG)
            elif pid is not None:
                os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass  # the daemon's SIGCHLD handler was first
        if pidfd >= 0:
            os.close(pidfd)

    def _died(self) -> None:
        """On the feeder: the process is gone; restart it or give up."""
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
        self._exited(0.2)
        self._reap()
        if self._closing:
            return
        self.log(syslog.LOG_ERR, f"plugin {self.path} terminated unexpectedly")
        self.restarts += 1
        if self.restarts > self.max_restarts:
            self.log(syslog.LOG_ERR, f"plugin {self.path} has exceeded max_restarts")
            self.gave_up = True
            self.outbox.clear()
            return
        if self._spawn():
            self.log(syslog.LOG_NOTICE, f"plugin {self.path} was restarted")
        else:
            self.gave_up = True
            self.outbox.clear()

    # -- the feeder thread ----------------------------------------------------------
    def _feed(self) -> None:
        pending: deque[bytes] = deque()
        offset = 0
        outbox = self.outbox
        while True:
            if not pending:
                pending.extend(outbox.take_all())
                offset = 0
            if self._closing and (not pending or time.monotonic() >= self._close_deadline):
                return
            if self._restart_requested:
                self._restart_requested = False
                self._terminate(grace=0.05)
                offset = 0
                if not self._closing and not self._spawn():
                    self.gave_up = True
            sock = self._sock
            if sock is None or self.gave_up:
                pending.clear()
                outbox.clear()
                if self._closing:
                    return
                _wait_readable(outbox.wake_fd, POLL_MS)
                outbox.drain_wake()
                continue
            poller = select.poll()
            events = select.POLLIN | (select.POLLOUT if pending else 0)
            poller.register(sock.fileno(), events)
            poller.register(outbox.wake_fd, select.POLLIN)
            if self._pidfd >= 0:
                poller.register(self._pidfd, select.POLLIN)
            try:
                ready = poller.poll(POLL_MS)
            except InterruptedError:  # pragma: no cover
                continue
            dead = False
            sock_events = 0
            for fd, ev in ready:
                if fd == outbox.wake_fd:
                    outbox.drain_wake()
                elif fd == sock.fileno():
                    sock_events = ev
                elif fd == self._pidfd:
                    dead = True
            if sock_events & select.POLLIN:
                dead = dead or _peer_closed(sock)
            if sock_events & (select.POLLHUP | select.POLLERR):
                dead = True
            if not dead and pending and sock_events & select.POLLOUT:
                bufs = [memoryview(pending[0])[offset:],
                        *itertools.islice(pending, 1, SEND_BATCH)]
                try:
                    n = sock.sendmsg(bufs, [], socket.MSG_DONTWAIT | socket.MSG_NOSIGNAL)
                except (BlockingIOError, InterruptedError):
                    n = 0
                except OSError:
                    n, dead = 0, True
                while n > 0:
                    left = len(pending[0]) - offset
                    if n >= left:
                        n -= left
                        pending.popleft()
                        offset = 0
                        self.sent += 1
                    else:
                        offset += n
                        n = 0
            if dead:
                offset = 0  # the record it was reading goes again, whole, to the next one
                self._died()


def _peer_closed(sock: socket.socket) -> bool:
    """Read (and discard) what the plugin wrote to its stdin; True on EOF."""
    try:
        data = sock.recv(65536, socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return False
    except OSError as exc:
        return exc.errno not in (errno.EAGAIN,)
    return data == b""


def _wait_readable(fd: int, timeout_ms: int) -> None:
    try:
        select.select([fd], [], [], timeout_ms / 1000)
    except (OSError, ValueError):
        time.sleep(timeout_ms / 1000)
