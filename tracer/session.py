"""One autrace run: kernel setup, spawn, follow, collect, and cleanup that always happens.

Order of a run:

1. check root / audit / not immutable; remove rules of dead tracers;
2. enable audit if it is off (and say so); take the daemon slot if it is
   free, else read the multicast group;
3. spawn the program stopped, add its rule, let it run; every new process is
   held until its rule is in (:mod:`follow`);
4. loop: ptrace reports and records, until the last tracee is gone and the
   record stream is drained;
5. cleanup (also on errors and signals): our rules, the daemon slot, the
   enabled flag.
"""
from __future__ import annotations

import gc
import os
import select
import signal
import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from audix.daemon.errors import AuditError
from audix.daemon.netlink import AuditNetlink, DatagramReader, MulticastReader, set_receive_buffer
from audix.daemon.netlink_mmsg import batch_reader
from audix.daemon.processes import process_exists

from . import spawn
from .collect import EventFilter
from .counting import CountingBuilder, CountingFilter
from .render_worker import RemoteBuilder, WorkerError
from .follow import ExitStatus, Follower, StartKind
from .process_rules import RuleSet, key_for, remove_stale_rules

if TYPE_CHECKING:
    from audix.analysis.timeline.builder import TimelineBuilder
    from audix.analysis.timeline.model import TimelineItem

DRAIN_IDLE_SECONDS = 0.1
DRAIN_SETTLE_SECONDS = 0.005
DRAIN_MAX_SECONDS = 10.0
LOST_POLL_SECONDS = 1.0
READ_BATCH = 4096
# when a unicast audit socket overflows the kernel drops records (silently unless
# booted with audit=1): the buffer, not backpressure, is what prevents loss; it is
# charged only while records wait in it
RECEIVE_BUFFER = 1 << 30
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class TraceError(Exception):
    """A run that cannot start; ``str()`` is the one-line message, ``exit_code`` the status."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class TraceOptions:
    argv: list[str]
    follow: bool = True
    syscalls: dict[str, frozenset[int] | None] = field(default_factory=dict)   # per arch
    environ: dict[str, str] | None = None
    keep_proctitle: bool = True      # PROCTITLE records are only needed for --json/--log
    parallel: bool = False           # render in a worker process (on_item must write to a real fd)
    render: bool = True              # False: nobody reads the timeline (-o /dev/null); only count


@dataclass
class TraceResult:
    exit_status: int
    root_status: ExitStatus | None
    processes: int
    syscalls: int
    lost: int
    notes: list[str]
    exec_error: int | None = None      # errno of a failed exec of the program


AUDIT_PROBE = "/proc/self/loginuid"     # exists when the kernel has audit


def check_environment() -> None:
    """The clear one-line errors of a machine where autrace cannot run."""
    if not os.path.exists(AUDIT_PROBE):
        raise TraceError("autrace: the kernel has no audit support")
    if os.geteuid() != 0:
        raise TraceError("autrace: must be run as root (needs CAP_AUDIT_CONTROL and CAP_AUDIT_READ)")


class _Listener:
    """Follower callbacks: rules in before a process runs; lifecycle to the builder."""

    def __init__(self, rules: RuleSet, builder: TimelineBuilder):
        self.rules = rules
        self.builder = builder
        self.started = 0

    def process_started(self, pid: int, parent: int, kind: StartKind) -> None:
        self.rules.add(pid)
        self.started += 1
        if kind is not StartKind.SPAWN:
            self.builder.note_start(pid, parent, kind.value)

    def thread_started(self, tid: int, pid: int) -> None:
        self.builder.note_thread(tid, pid)

    def process_exec(self, pid: int) -> None:
        pass

    def thread_exited(self, tid: int, pid: int) -> None:
        self.builder.note_thread_exit(tid, pid, time.time())

    def process_exited(self, pid: int, status: ExitStatus) -> None:
        # its records were all emitted before the exit was reported; remove the rule
        self.rules.remove(pid)
        self.builder.note_exit(pid, status.code, status.signal, status.core_dumped, time.time())


class TraceSession:
    def __init__(self, options: TraceOptions, on_item: Callable[[TimelineItem], None],
                 on_raw_line: Callable[[str], None] | None = None,
                 on_note: Callable[[str], None] | None = None,
                 on_flush: Callable[[], None] | None = None,
                 on_finish: Callable[[], None] | None = None):
        self.on_flush = on_flush or (lambda: None)
        self.on_finish = on_finish or (lambda: None)
        self.options = options
        self.on_item = on_item
        self.on_raw_line = on_raw_line
        self.on_note = on_note or (lambda text: None)
        self.notes: list[str] = []
        self._signals: list[int] = []
        self._after_cleanup: dict[int, object] = {}
        self._lost_kernel = 0

    def note(self, text: str) -> None:
        self.notes.append(text)
        self.on_note(text)

    # -- the run ------------------------------------------------------------------
    def run(self) -> TraceResult:
        check_environment()
        env = self.options.environ if self.options.environ is not None else dict(os.environ)
        lookup = spawn.find_program(self.options.argv[0], env.get("PATH"))
        if lookup.error:
            raise TraceError(f"autrace: cannot execute {self.options.argv[0]}: "
                             f"{os.strerror(lookup.error)}", spawn.exit_code_for(lookup.error))
        try:
            control = AuditNetlink()
        except AuditError as exc:
            raise TraceError(f"autrace: cannot talk to the kernel audit subsystem: {exc}") from None
        restore: dict = {}
        reader = None
        rules = None
        try:
            status = control.get_status()
            if status.enabled == 2:
                raise TraceError("autrace: the audit configuration is immutable (enabled=2); "
                                 "rules cannot be added until reboot")
            removed = remove_stale_rules(control)
            if removed:
                self.note(f"autrace: removed {removed} rules left by an autrace that no longer runs")
            if status.enabled == 0:
                control.set_status(enabled=1)
                restore["enabled"] = 0
                self.note("autrace: audit was disabled; enabled for this run")
            reader = self._open_reader(status)
            self._lost_base = control.get_status().lost
            key = key_for(os.getpid())
            rules = RuleSet(control, key, dict(self.options.syscalls))
            return self._trace(control, reader, rules, key, lookup.path, env)
        except AuditError as exc:
            raise TraceError(f"autrace: {exc}") from None
        except WorkerError as exc:
            raise TraceError(f"autrace: {exc}") from None
        except OSError as exc:
            raise TraceError(f"autrace: cannot trace {self.options.argv[0]}: {exc.strerror or exc}") from None
        finally:
            try:
                self._cleanup(control, reader, rules, restore)
            finally:
                for sig, handler in self._after_cleanup.items():
                    signal.signal(sig, handler)

    def _open_reader(self, status):
        if status.pid == 0 or not process_exists(status.pid):
            # free, or held by a daemon that died (the kernel lets a new one replace it)
            data = AuditNetlink()
            try:
                data.register_daemon()
            except AuditError:
                data.close()
            else:
                return data
            self.note("autrace: could not register as the audit daemon; reading the multicast group")
        try:
            return MulticastReader()
        except AuditError as exc:
            raise TraceError(f"autrace: cannot read audit records: {exc}") from None

    def _cleanup(self, control, reader, rules, restore) -> None:
        errors = []
        if rules is not None:
            try:
                rules.remove_all(detach=True)
            except AuditError as exc:
                errors.append(f"removing rules: {exc}")
        if reader is not None:
            try:
                if isinstance(reader, AuditNetlink) and reader.registered:
                    # release the slot only if it is still ours (a real daemon may have taken it)
                    if control.get_status().pid == os.getpid():
                        reader.unregister_daemon()
            except AuditError as exc:
                errors.append(f"releasing the audit daemon slot: {exc}")
            reader.close()
        if restore:
            try:
                control.set_status(**restore)
            except AuditError as exc:
                errors.append(f"restoring audit status: {exc}")
        control.close()
        for text in errors:
            self.note(f"autrace: cleanup: {text}")

    # -- signals ----------------------------------------------------------------------
    def _install_signals(self):
        rfd, wfd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        old_wakeup = signal.set_wakeup_fd(wfd, warn_on_full_buffer=False)
        old = {}
        for sig in FORWARDED_SIGNALS:
            old[sig] = signal.signal(sig, self._on_signal)
        old[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, lambda s, f: None)
        return rfd, wfd, old, old_wakeup

    def _restore_signals(self, saved) -> None:
        """Back to the old handlers, except that INT/TERM/HUP stay ignored until
        cleanup is over (a second ^C must not leave rules behind)."""
        rfd, wfd, old, old_wakeup = saved
        signal.set_wakeup_fd(old_wakeup)
        for sig, handler in old.items():
            if sig in FORWARDED_SIGNALS:
                self._after_cleanup[sig] = handler
                signal.signal(sig, signal.SIG_IGN)
            else:
                signal.signal(sig, handler)
        os.close(rfd)
        os.close(wfd)

    def _on_signal(self, signum, frame) -> None:
        self._signals.append(signum)

    def _forward_signals(self, follower: Follower) -> None:
        while self._signals:
            sig = self._signals.pop(0)
            self._signal_count = getattr(self, "_signal_count", 0) + 1
            if self._signal_count > 1:
                follower.signal_all(signal.SIGKILL)
                continue
            if sig == signal.SIGINT and _terminal_already_delivered():
                continue
            try:
                os.kill(follower.root, sig)
            except OSError:
                pass

    # -- main loop -----------------------------------------------------------------------
    def _trace(self, control, reader, rules: RuleSet, key: str, path: str, env) -> TraceResult:
        worker = None
        if not self.options.render:
            builder = CountingBuilder()
            on_event = builder.add_datagrams
        elif self.options.parallel:
            worker = RemoteBuilder(self.on_item, self.on_flush, self.on_finish,
                                   close_in_worker=[control.fileno(), reader.fileno()])
            builder = worker
            on_event = worker.add_datagrams
        else:
            from audix.analysis.timeline.builder import TimelineBuilder
            from audix.analysis.timeline.model import syscall_event_from_datagrams

            builder = TimelineBuilder(self.on_item)

            def on_event(datagrams, _add=builder.add_syscall, _build=syscall_event_from_datagrams):
                ev = _build(datagrams)
                if ev is not None:
                    _add(ev)

        if not self.options.render and self.on_raw_line is None:
            events = CountingFilter(key, builder.add_count)     # nobody reads any record
        else:
            events = EventFilter(key, on_event, self.on_raw_line,
                                 keep_proctitle=self.options.keep_proctitle, raw=True)
        sock = socket.socket(fileno=os.dup(reader.fileno()))
        set_receive_buffer(sock, RECEIVE_BUFFER)
        drain = batch_reader(sock)
        if isinstance(reader, AuditNetlink):
            events.feed(reader.read_available())   # records queued during registration
        listener = _Listener(rules, builder)
        saved = self._install_signals()
        gc_was_enabled = gc.isenabled()
        gc.disable()        # the hot path makes no reference cycles; collection only costs time
        follower = None
        exec_error = None
        try:
            child = spawn.spawn_stopped(path, self.options.argv, env)
            builder.add_root(child.pid)
            follower = Follower(child.pid, listener, follow=self.options.follow)
            try:
                follower.start()
            except BaseException:
                os.kill(child.pid, signal.SIGKILL)
                raise
            rules.start_background_removal(AuditNetlink)   # after the fork: no thread is forked
            rfd = saved[0]
            data_fd = reader.fileno()
            error_fd = child.error_fd
            next_lost_poll = time.monotonic() + LOST_POLL_SECONDS
            while follower.alive:
                fds = [data_fd, rfd] + ([error_fd] if error_fd is not None else [])
                try:
                    ready, _, _ = select.select(fds, [], [], 0.1)
                except InterruptedError:
                    ready = []
                if rfd in ready:
                    try:
                        os.read(rfd, 512)
                    except BlockingIOError:
                        pass
                self._forward_signals(follower)
                follower.pump()
                if error_fd is not None and error_fd in ready:
                    exec_error = spawn.read_exec_error(error_fd)
                    error_fd = None
                self._read(drain, events, builder)
                self.on_flush()
                now = time.monotonic()
                if now >= next_lost_poll:
                    self._poll_lost(control, builder)
                    next_lost_poll = now + LOST_POLL_SECONDS
            if error_fd is not None:
                exec_error = spawn.read_exec_error(error_fd)
            self._drain(drain, sock, control, events, builder)
            events.flush()
            builder.flush()
            gap = events.gaps.confirmed(final=True)
            builder.note_lost(gap)
            self._poll_lost(control, builder, final=True)
            if worker is not None:
                try:
                    worker.finish()
                finally:
                    worker = None
        finally:
            if worker is not None:       # an error on the way: stop the renderer
                try:
                    os.kill(worker.pid, signal.SIGKILL)
                    os.waitpid(worker.pid, 0)
                except OSError:
                    pass
            if follower is not None and follower.alive:
                follower.signal_all(signal.SIGKILL)
                while follower.alive and follower.pump(block=True):
                    pass
            self._restore_signals(saved)
            drain.close()
            sock.close()
            if gc_was_enabled:
                gc.enable()
        root = follower.root_status if follower else None
        lost = max(events.gaps.total_lost, self._lost_kernel)
        return TraceResult(root.shell_status if root else 1, root, listener.started,
                           builder.syscalls, lost, self.notes, exec_error)

    def _read(self, drain: DatagramReader, events: EventFilter, builder: TimelineBuilder) -> int:
        total = 0
        while True:
            datagrams = drain.read_datagrams(READ_BATCH)
            if not datagrams:
                break
            total += len(datagrams)
            events.feed_datagrams(datagrams)
            lost = events.gaps.confirmed()
            if lost:
                builder.note_lost(lost, time.time())
            if len(datagrams) < READ_BATCH:
                break
        builder.tick()
        return total

    def _drain(self, reader: DatagramReader, sock: socket.socket, control, events: EventFilter,
               builder) -> None:
        """Read until every record of the traced processes is in.

        They all exist once the last process is gone (a process's records are
        made before its parent or tracer learns of its exit), in the kernel's
        queue or on our socket; so they are all read once the socket is empty
        and the kernel's queue is too (``backlog`` 0, checked after a short
        settle, then one last look at the socket).  Where the queue does not
        empty (a slow audit daemon beside us), until none of our records has
        come for :data:`DRAIN_IDLE_SECONDS` (others' may go on: e.g. the
        CONFIG_CHANGE records of our own rule deletions).
        """
        deadline = time.monotonic() + DRAIN_MAX_SECONDS
        quiet_since = time.monotonic()
        progress = (events.events_kept, events.pending_mine)
        while time.monotonic() < deadline:
            got = self._read(reader, events, builder)
            now = time.monotonic()
            state = (events.events_kept, events.pending_mine)
            if state != progress:
                progress, quiet_since = state, now
            if events.pending_mine:
                pass
            elif now - quiet_since >= DRAIN_IDLE_SECONDS:
                return
            elif not got and now - quiet_since >= DRAIN_SETTLE_SECONDS and _queue_empty(control):
                select.select([sock], [], [], DRAIN_SETTLE_SECONDS)   # one in flight?
                self._read(reader, events, builder)
                if not events.pending_mine:
                    return
            select.select([sock], [], [], DRAIN_SETTLE_SECONDS)

    def _poll_lost(self, control, builder, final: bool = False) -> None:
        try:
            lost = control.get_status().lost
        except AuditError:
            return
        delta = (lost - self._lost_base) & 0xFFFFFFFF
        new = delta - self._lost_kernel
        if new > 0:
            self._lost_kernel = delta
            builder.note_lost(new, time.time(), source="kernel")


def _queue_empty(control) -> bool:
    """Whether the kernel's record queue (not yet sent to readers) is empty."""
    try:
        return control.get_status().backlog == 0
    except AuditError:
        return False


def _terminal_already_delivered() -> bool:
    """A terminal's ^C reaches the whole foreground group, the tracee included."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)
