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
import threading
import time
import platform
import re
from dataclasses import dataclass, field

from audix.daemon.errors import AuditError
from audix.daemon.rules import ALL, Action, F, Filter, Operator, Rule, RuleField, syscall_rule

KEY_PREFIX = "autrace-"
QUIET_SECONDS = 0.1       # delete rules once no process was born for this long...
MAX_DEFERRED = 512        # ...or when this many dead processes still have rules
_KEY_RE = re.compile(r"autrace-(\d+)\Z")

AUDIT_ARCH = {"x86_64": 0xC000003E, "i386": 0x40000003, "aarch64": 0xC00000B7, "arm": 0x40000028}
_COMPAT = {"x86_64": ("x86_64", "i386"), "aarch64": ("aarch64", "arm")}


def host_arches() -> tuple[str, ...]:
    """Arch names (as ausearch prints them) whose code can run on this machine."""
    machine = platform.machine()
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

    Adding is synchronous (a new process waits for it).  Deleting costs the
    kernel ~10 ms per rule, so :meth:`remove` only queues the pid; with
    :meth:`start_background_removal` a thread with its own socket deletes
    queued rules off the tracer's critical path.  A pid that comes back (pid
    reuse) before its old rules are gone simply keeps them.
    """

    netlink: object
    key: str
    syscalls: dict[str, frozenset[int] | None]
    installed: dict[int, list[bytes]] = field(default_factory=dict)
    _queue: list[int] = field(default_factory=list)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _deleting: int | None = None
    _thread: threading.Thread | None = None
    _stop: bool = False
    _last_add: float = 0.0
    errors: list[str] = field(default_factory=list)

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
            self._last_add = time.monotonic()

    def remove(self, pid: int) -> None:
        """Queue the rules of an exited process for deletion (now, without the thread)."""
        with self._lock:
            if pid not in self.installed or pid in self._queue:
                return
            self._queue.append(pid)
            self._lock.notify_all()
        if self._thread is None:
            self._delete_queued(self.netlink, block=False)

    def _delete_queued(self, netlink, block: bool) -> None:
        while True:
            with self._lock:
                while block and not self._stop:
                    # a deletion slows a concurrent add (kernel-side), and a new process
                    # waits for its add: delete while no process is being born, unless
                    # too many dead processes' rules pile up
                    if self._queue and (len(self._queue) >= MAX_DEFERRED
                                        or time.monotonic() - self._last_add >= QUIET_SECONDS):
                        break
                    self._lock.wait(QUIET_SECONDS if self._queue else None)
                if not self._queue:
                    return
                pid = self._queue.pop(0)
                rules = self.installed.get(pid, [])
                self._deleting = pid
            try:
                for data in rules:
                    try:
                        netlink.delete_rule(data)
                    except AuditError as exc:
                        if exc.errno != errno.ENOENT:
                            self.errors.append(str(exc))
            finally:
                with self._lock:
                    self.installed.pop(pid, None)
                    self._deleting = None
                    self._lock.notify_all()

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

    def remove_all(self) -> None:
        """Delete every rule of this run, synchronously (cleanup)."""
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
        self._delete_queued(self.netlink, block=False)
        if self.errors:
            raise AuditError(errno.EIO, "delete rule: " + self.errors[0])


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
