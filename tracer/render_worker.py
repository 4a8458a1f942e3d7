"""Build and render the timeline in a second process, so the tracer's loop only reads.

On a machine with two or more cores the tracer (ptrace, netlink reads,
grouping records) and the renderer (decoding, formatting, writing) then run
side by side.  The tracer talks to the worker through a pipe, in order:
batches of events (their raw netlink datagrams, decoded in the worker) and the lifecycle
notices of :class:`~audix.analysis.timeline.builder.TimelineBuilder`, so the
worker's builder sees exactly what an in-process builder would.

:class:`RemoteBuilder` is the tracer-side stand-in for the builder.
"""
from __future__ import annotations

import errno
import fcntl
import os
import pickle
import signal
import struct
import sys
import traceback
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from audix.analysis.timeline.model import TimelineItem

_LEN = struct.Struct("=I")
_F_SETPIPE_SZ = 1031
PIPE_SIZE = 1 << 20
EVENTS_PER_MESSAGE = 256


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _read_exact(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


class WorkerError(Exception):
    pass


class RemoteBuilder:
    """Forwards builder calls to the worker process (same method names)."""

    def __init__(self, on_item: Callable[[TimelineItem], None], on_flush: Callable[[], None],
                 on_finish: Callable[[], None], close_in_worker: list[int]):
        to_worker_r, to_worker_w = os.pipe()
        back_r, back_w = os.pipe()
        try:
            fcntl.fcntl(to_worker_w, _F_SETPIPE_SZ, PIPE_SIZE)
        except OSError:
            pass
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                os.close(to_worker_w)
                os.close(back_r)
                for fd in close_in_worker:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                    signal.signal(sig, signal.SIG_IGN)
                _serve(to_worker_r, back_w, on_item, on_flush, on_finish)
            except BaseException:  # pragma: no cover - reported, then the tracer notices
                traceback.print_exc()
                code = 70
            finally:
                os._exit(code)
        os.close(to_worker_r)
        os.close(back_w)
        self.pid = pid
        self._fd = to_worker_w
        self._back = back_r
        self._events: list[list[bytes]] = []
        self.syscalls = 0
        self.processes = 0
        self.failed = False

    # -- the builder's interface ------------------------------------------------------
    def add_datagrams(self, datagrams: list[bytes]) -> None:
        """One of our events as its raw netlink datagrams (decoded in the worker).

        Sent in chunks of :data:`EVENTS_PER_MESSAGE`: small enough to fit in
        the pipe (a write that blocks would stop the tracer from reading records
        until the worker has taken the whole message), large enough that
        pickling costs little."""
        events = self._events
        events.append(datagrams)
        if len(events) >= EVENTS_PER_MESSAGE:
            self._events = []
            self._write(("events", events))

    def add_root(self, pid: int) -> None:
        self._send(("root", pid))

    def note_start(self, pid: int, parent: int, how: str) -> None:
        self._send(("start", pid, parent, how))

    def note_thread(self, tid: int, tgid: int) -> None:
        self._send(("thread", tid, tgid))

    def note_thread_exit(self, tid: int, tgid: int, when: float | None = None) -> None:
        self._send(("thread_exit", tid, tgid, when))

    def note_exit(self, pid, code, signal_, core_dumped=False, when=None) -> None:
        self._send(("exit", pid, code, signal_, core_dumped, when))

    def note_lost(self, count: int, when: float | None = None, source: str = "serial") -> None:
        if count > 0:
            self._send(("lost", count, when, source))

    def tick(self) -> None:
        self._send(("tick",))

    def flush(self) -> None:
        self._send(("flush",))

    # -- transport -------------------------------------------------------------------------
    def _send(self, message: tuple) -> None:
        if self._events:
            events, self._events = self._events, []
            self._write(("events", events))
        self._write(message)

    def _write(self, message: tuple) -> None:
        if self.failed:
            return
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _write_all(self._fd, _LEN.pack(len(data)) + data)
        except OSError as exc:
            if exc.errno in (errno.EPIPE, errno.EBADF):
                self.failed = True
                return
            raise

    def finish(self) -> None:
        """End of the run: wait until the worker has written everything."""
        self._send(("end",))
        os.close(self._fd)
        data = _read_exact(self._back, _LEN.size)
        if data is not None:
            body = _read_exact(self._back, _LEN.unpack(data)[0])
            if body is not None:
                self.syscalls, self.processes = pickle.loads(body)
        os.close(self._back)
        try:
            _, status = os.waitpid(self.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                self.failed = True
        except ChildProcessError:
            pass
        if data is None:
            self.failed = True
        if self.failed:
            raise WorkerError("the timeline renderer process failed")


def _serve(fd: int, back: int, on_item, on_flush, on_finish) -> None:
    import gc

    from audix.analysis.timeline.builder import TimelineBuilder
    from audix.analysis.timeline.model import syscall_event_from_datagrams

    gc.disable()        # (as in the tracer: no reference cycles here, collections only cost time)
    builder = TimelineBuilder(on_item)
    build = syscall_event_from_datagrams
    add = builder.add_syscall
    while True:
        head = _read_exact(fd, _LEN.size)
        if head is None:
            break
        msg = pickle.loads(_read_exact(fd, _LEN.unpack(head)[0]) or b"")
        kind = msg[0]
        if kind == "events":
            for datagrams in msg[1]:
                ev = build(datagrams)
                if ev is not None:
                    add(ev)
        elif kind == "tick":
            builder.tick()
            on_flush()
        elif kind == "root":
            builder.add_root(msg[1])
        elif kind == "start":
            builder.note_start(msg[1], msg[2], msg[3])
        elif kind == "thread":
            builder.note_thread(msg[1], msg[2])
        elif kind == "thread_exit":
            builder.note_thread_exit(msg[1], msg[2], msg[3])
        elif kind == "exit":
            builder.note_exit(*msg[1:])
        elif kind == "lost":
            builder.note_lost(*msg[1:])
        elif kind == "flush":
            builder.flush()
        elif kind == "end":
            break
    builder.flush()
    on_finish()
    result = pickle.dumps((builder.syscalls, builder.processes))
    _write_all(back, _LEN.pack(len(result)) + result)
