"""The per-process audit rules of one autrace run.

Each traced process (thread group) gets, for every arch its code can run
as, one prepended exit-list rule ``-A exit,always -F arch=A -S ... -F pid=N
-k autrace-<tracer pid>``.  The key names the tracer, so rules left behind
by a tracer that died can be found and removed (:func:`remove_stale_rules`)
without touching anyone else's rules.
"""
from __future__ import annotations

import errno
import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from audix.daemon.errors import AuditError
from audix.daemon.rules import ALL, Action, F, Filter, Operator, Rule, RuleField, syscall_rule

KEY_PREFIX = "autrace-"
QUIET_SECONDS = 0.1       # delete rules once no process was born for this long...
MAX_DEFERRED = 512        # ...or when this many dead processes still have rules...
PID_MARGIN = 4096         # ...or when the kernel's pid counter comes this close to a dead pid...
MAX_STALE_SECONDS = 1.0   # ...or (pid counter unreadable) when one has been dead this long
PID_POLL_SECONDS = 0.1
LAST_PID = "/proc/sys/kernel/ns_last_pid"
PID_MAX = "/proc/sys/kernel/pid_max"
DETACH_OVER = 16          # more rules than this left at the end: a background process deletes them
_KEY_RE = re.compile(r"autrace-(\d+)\Z")

AUDIT_ARCH = {"x86_64": 0xC000003E, "i386": 0x40000003, "aarch64": 0xC00000B7, "arm": 0x40000028}
_COMPAT = {"x86_64": ("x86_64", "i386"), "aarch64": ("aarch64", "arm")}


def host_arches() -> tuple[str, ...]:
    """Arch names (as ausearch prints them) whose code can run on this machine."""
    machine = os.uname().machine
    if machine in _COMPAT:
        return _COMPAT[machine]
    if re.fullmatch(r"i[3-6]86", machine):
        return ("i386",)
    return (machine,)


def key_for(tracer_pid: int) -> str:
    return f"{KEY_PREFIX}{tracer_pid}"


@dataclass
class RuleSet:
    """Install/remove the rules of the processes of one run.

    ``syscalls``: per arch name, ``None`` for all syscalls or a set of
    numbers.  An arch whose rule the kernel refuses (no compat support) is
    dropped after the first refusal.

    Adding is synchronous (a new process waits for it, ~0.2 ms).  Deleting
    costs the kernel ~12 ms per rule (an RCU grace period, under the audit
    control lock, so deletions are serial and hold up a concurrent add), so
    :meth:`remove` only queues the pid; with :meth:`start_background_removal`
    a thread with its own socket deletes queued rules off the tracer's
    critical path: once no process has been born for :data:`QUIET_SECONDS`,
    or when :data:`MAX_DEFERRED` wait, or as soon as the pid of one of them
    could be handed out again.  That is the pid-reuse trade-off: a rule of a
    dead process would capture (and, being prepended, take the key of) an
    unrelated process that gets its pid.  The kernel hands pids out
    cyclically (``ns_last_pid`` is its cursor), so a freed pid comes back only
    once the cursor has gone round to it: the rule is deleted while the
    cursor is still :data:`PID_MARGIN` pids away (checked every
    :data:`PID_POLL_SECONDS`; where the cursor cannot be read, once the
    process has been dead :data:`MAX_STALE_SECONDS`).  A fork-heavy tree thus
    runs at full speed (no deletion slows its adds) without a stale rule
    ever being in reach of a new pid.  A pid that comes back inside the
    traced tree before its old rules are gone simply keeps them.

    At the end (:meth:`remove_all` with ``detach=True``) more than
    :data:`DETACH_OVER` leftover rules are handed to a detached process
    (:func:`delete_detached`, nearest to the pid cursor first), so autrace
    returns without waiting ~12 ms per exited process; they are gone about
    ``12 ms x count`` later (a killed deleter's rules are removed by the next
    run or ``--cleanup``).
    """

    netlink: object
    key: str
    syscalls: dict[str, frozenset[int] | None]
    installed: dict[int, list[bytes]] = field(default_factory=dict)
    _queue: list[int] = field(default_factory=list)
    _died: dict[int, float] = field(default_factory=dict)   # queued pid -> when it was queued
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _deleting: int | None = None
    _thread: threading.Thread | None = None
    _stop: bool = False
    _last_add: float = 0.0
    clock: Callable[[], float] = time.monotonic
    pid_cursor: Callable[[], tuple[int, int] | None] | None = None   # (last pid, pid_max); None: /proc
    errors: list[str] = field(default_factory=list)
    deleted: int = 0
    detached: int = 0            # rules handed to a background deleter at the end

    def rules_for(self, pid: int, prepend: bool = True) -> list[tuple[str, bytes]]:
        """(arch, rule bytes); ``prepend=False`` gives the form DEL_RULE matches
        (the kernel stores rules without the prepend flag)."""
        out = []
        if all(numbers is None for numbers in self.syscalls.values()):
            # every syscall of every arch: one rule without an arch field does it
            rule = Rule(filter=Filter.EXIT, action=Action.ALWAYS, prepend=prepend, syscalls=ALL,
                        fields=[RuleField(F.PID, Operator.EQUAL, pid),
                                RuleField(F.FILTERKEY, Operator.EQUAL, self.key)])
            return [("all", rule.to_bytes())]
        for arch, numbers in self.syscalls.items():
            if numbers is not None and not numbers:
                continue
            rule = syscall_rule(arch=AUDIT_ARCH[arch], fields=[RuleField(F.PID, Operator.EQUAL, pid)],
                                key=self.key, syscalls=ALL if numbers is None else numbers,
                                prepend=prepend)
            out.append((arch, rule.to_bytes()))
        return out

    def add(self, pid: int) -> None:
        with self._lock:
            while self._deleting == pid:
                self._lock.wait()
            if pid in self.installed:
                if pid in self._queue:
                    self._queue.remove(pid)     # pid reused before its rules went: keep them
                    self._died.pop(pid, None)
                return
        done: list[bytes] = []
        deletes = dict(self.rules_for(pid, prepend=False))
        for arch, data in self.rules_for(pid):
            try:
                self.netlink.add_rule(data)
            except AuditError as exc:
                if exc.errno == errno.EEXIST:
                    done.append(deletes[arch])
                    continue
                if exc.errno == errno.EINVAL and arch not in ("all", host_arches()[0]):
                    self.syscalls.pop(arch, None)   # no compat arch in this kernel
                    continue
                raise
            done.append(deletes[arch])
        with self._lock:
            self.installed[pid] = done
            self._last_add = self.clock()

    def remove(self, pid: int) -> None:
        """Queue the rules of an exited process for deletion (now, without the thread)."""
        with self._lock:
            if pid not in self.installed or pid in self._queue:
                return
            self._queue.append(pid)
            self._died[pid] = self.clock()
            self._lock.notify_all()
        if self._thread is None:
            self._delete_queued(self.netlink, block=False)

    def _delete_queued(self, netlink, block: bool) -> None:
        while True:
            with self._lock:
                while block and not self._stop:
                    # a deletion slows a concurrent add (kernel-side), and a new process
                    # waits for its add: delete while no process is being born, unless
                    # too many dead processes' rules pile up or one has waited too long
                    wait = self.deletion_delay()
                    if wait is not None and wait <= 0:
                        break
                    self._lock.wait(wait)
                if not self._queue or (block and self._stop):
                    return          # stopped: remove_all() takes over the queue
                pid = self._queue.pop(0)
                self._died.pop(pid, None)
                rules = self.installed.get(pid, [])
                self._deleting = pid
            try:
                for data in rules:
                    try:
                        netlink.delete_rule(data)
                        self.deleted += 1
                    except AuditError as exc:
                        if exc.errno != errno.ENOENT:
                            self.errors.append(str(exc))
            finally:
                with self._lock:
                    self.installed.pop(pid, None)
                    self._deleting = None
                    self._lock.notify_all()

    def deletion_delay(self) -> float | None:
        """Seconds until the queued rules should be deleted (<= 0: now; None: nothing
        queued).  Call with the lock held."""
        if not self._queue:
            return None
        if len(self._queue) >= MAX_DEFERRED:
            return 0.0
        now = self.clock()
        quiet = self._last_add + QUIET_SECONDS - now
        cursor = (self.pid_cursor or read_pid_cursor)()
        if cursor is None:
            stale = self._died.get(self._queue[0], now) + MAX_STALE_SECONDS - now
            return min(quiet, stale)
        last, pid_max = cursor
        if min(pid_distance(pid, last, pid_max) for pid in self._queue) <= PID_MARGIN:
            return 0.0
        return min(quiet, PID_POLL_SECONDS)

    def in_deletion_order(self, pids: list[int]) -> list[int]:
        """Nearest to being handed out again first."""
        cursor = (self.pid_cursor or read_pid_cursor)()
        if cursor is None:
            return list(pids)
        return sorted(pids, key=lambda pid: pid_distance(pid, *cursor))

    def start_background_removal(self, netlink_factory) -> None:
        """Delete queued rules from a thread with its own audit socket."""
        def run() -> None:
            nl = netlink_factory()
            try:
                self._delete_queued(nl, block=True)
            finally:
                nl.close()
        self._thread = threading.Thread(target=run, name="autrace-rule-removal", daemon=True)
        self._thread.start()

    def remove_all(self, detach: bool = False) -> None:
        """Delete every rule of this run (cleanup): synchronously, or, with
        ``detach`` and more than :data:`DETACH_OVER` rules left, in a detached
        process (oldest first)."""
        if self._thread is not None:
            with self._lock:
                self._stop = True
                self._lock.notify_all()
            self._thread.join()
            self._thread = None
        with self._lock:
            for pid in self.installed:
                if pid not in self._queue:
                    self._queue.append(pid)
            order = self.in_deletion_order(self._queue)
            left = [data for pid in order for data in self.installed.get(pid, [])]
        if detach and len(left) > DETACH_OVER and delete_detached(left, type(self.netlink)):
            with self._lock:
                self.detached = len(left)
                self._queue.clear()
                self._died.clear()
                self.installed.clear()
            return
        self._delete_queued(self.netlink, block=False)
        if self.errors:
            raise AuditError(errno.EIO, "delete rule: " + self.errors[0])


def read_pid_cursor() -> tuple[int, int] | None:
    """(last pid handed out, pid_max) of this pid namespace, or None."""
    try:
        with open(LAST_PID, "rb") as fh:
            last = int(fh.read())
        with open(PID_MAX, "rb") as fh:
            pid_max = int(fh.read())
    except (OSError, ValueError):
        return None
    return last, pid_max


def pid_distance(pid: int, last: int, pid_max: int) -> int:
    """How many pids the kernel hands out (at least) before ``pid`` can come again."""
    return (pid - last - 1) % pid_max + 1 if pid_max > 0 else 0


def delete_detached(rules: list[bytes], netlink_factory) -> bool:
    """Delete ``rules`` from a detached process (its own session, no inherited
    descriptors, so whoever waits for autrace's output is not held up).
    Returns False when it could not be started (the caller deletes them)."""
    try:
        pid = os.fork()
    except OSError:
        return False
    if pid:
        os.waitpid(pid, 0)          # the middle process exits at once
        return True
    code = 0
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 1024)
        netlink = netlink_factory()
        for data in rules:
            try:
                netlink.delete_rule(data)
            except AuditError:
                pass            # gone already, or left for the next run / --cleanup
    except BaseException:       # pragma: no cover - nothing to report to
        code = 1
    finally:
        os._exit(code)


def tracer_alive(pid: int) -> bool:
    """Whether ``pid`` is a running autrace (not a reused pid)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmdline = fh.read()
    except OSError:
        return False
    return b"autrace" in cmdline or b"audix.tracer" in cmdline


def remove_stale_rules(netlink, keep_key: str | None = None) -> int:
    """Delete autrace rules whose tracer no longer runs; returns how many."""
    removed = 0
    for data in netlink.list_rules():
        try:
            rule = Rule.from_bytes(data)
        except ValueError:
            continue
        tracers = [int(m.group(1)) for k in rule.keys if (m := _KEY_RE.match(k))]
        if not tracers or any(key_for(t) == keep_key for t in tracers):
            continue
        if any(tracer_alive(t) and t != os.getpid() for t in tracers):
            continue
        try:
            netlink.delete_rule(data)
            removed += 1
        except AuditError as exc:
            if exc.errno != errno.ENOENT:
                raise
    return removed
