"""The bounded queue between auditd's kernel reader and its writer.

Kernel records are counted against ``q_depth``.  When the queue is full the
reader waits for room (the kernel holds its records meanwhile, with its own
backlog and backpressure, so nothing is lost), but at most ``overflow_wait``
seconds (default 2): then ``overflow_action`` applies to the records that do
not fit:
``ignore`` drops them, ``syslog`` drops them and reports (at most 5 times),
``suspend`` stops queueing until resumed, ``single``/``halt`` ask the action
runner to change the runlevel.  Control items (daemon records, rotate,
reconfigure, resume) are never dropped and keep their place in the order.
"""

from __future__ import annotations

import syslog
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from .auditd_actions import RUNLEVEL_HALT, RUNLEVEL_SINGLE, Actions
from .config import OverflowAction

QUEUE_FULL_LIMIT = 5
OVERFLOW_WAIT = 2.0


class OverflowCounters(Protocol):
    overflowed: bool
    dropped: int
    suspended: bool
    full_warnings: int


def apply_overflow(counters: OverflowCounters, count: int, action: OverflowAction,
                   log: Callable[[int, str], None], change_runlevel: Callable[[str], None]) -> None:
    """``overflow_action`` for ``count`` records a full queue to the plugins
    refused: counted, then reported / suspended / a runlevel change, as the
    reference's audisp queue does.  Both that queue (:class:`RecordQueue`)
    and the plugin dispatcher's per-plugin queues use it."""
    counters.overflowed = True
    counters.dropped += count
    if action is OverflowAction.SYSLOG:
        if counters.full_warnings < QUEUE_FULL_LIMIT:
            log(syslog.LOG_ERR, "queue to plugins is full - dropping event")
            counters.full_warnings += 1
            if counters.full_warnings == QUEUE_FULL_LIMIT:
                log(syslog.LOG_ERR, "auditd queue full reporting limit reached - ending "
                                    "dropped event notifications")
    elif action is OverflowAction.SUSPEND:
        log(syslog.LOG_ALERT, "Auditd is suspending event passing to plugins due to "
                              "overflowing its queue.")
        counters.suspended = True
    elif action is OverflowAction.SINGLE:
        log(syslog.LOG_ALERT, "Auditd is now changing the system to single user mode due "
                              "to overflowing its queue")
        change_runlevel(RUNLEVEL_SINGLE)
    elif action is OverflowAction.HALT:
        log(syslog.LOG_ALERT, "Auditd is now halting the system due to overflowing its queue")
        change_runlevel(RUNLEVEL_HALT)


@dataclass
class QueueStats:
    current: int = 0
    max_used: int = 0
    overflowed: bool = False
    dropped: int = 0
    suspended: bool = False
    full_warnings: int = 0


class RecordQueue:
    """Items are lists of kernel records (counted) or control objects."""

    def __init__(self, depth: int, overflow_action: OverflowAction, actions: Actions,
                 overflow_wait: float = OVERFLOW_WAIT) -> None:
        self.depth = max(int(depth), 1)
        self.overflow_wait = overflow_wait
        self.overflow_action = overflow_action
        self.actions = actions
        self.stats = QueueStats()
        self._items: deque[Any] = deque()
        self._cond = threading.Condition()
        self._closed = False

    def reconfigure(self, depth: int, overflow_action: OverflowAction) -> None:
        with self._cond:
            self.depth = max(int(depth), 1)
            self.overflow_action = overflow_action

    def resume(self) -> None:
        with self._cond:
            self.stats.suspended = False
            self.stats.full_warnings = 0

    # -- producer side ------------------------------------------------------------
    def put_records(self, records: list) -> int:
        """Queue kernel records; returns how many were dropped."""
        if self.stats.suspended:
            self.stats.dropped += len(records)
            return len(records)
        pending = records
        deadline = None
        with self._cond:
            while True:
                room = self.depth - self.stats.current
                if room > 0:
                    take = pending if len(pending) <= room else pending[:room]
                    self._items.append(take)
                    self.stats.current += len(take)
                    if self.stats.current > self.stats.max_used:
                        self.stats.max_used = self.stats.current
                    self._cond.notify_all()
                    pending = pending[len(take):]
                    if not pending:
                        return 0
                if self._closed:
                    break
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self.overflow_wait
                if now >= deadline:
                    break
                self._cond.wait(deadline - now)
        apply_overflow(self.stats, len(pending), self.overflow_action, self.actions.log,
                       lambda level: self.actions.change_runlevel(level))
        return len(pending)

    def put_control(self, item: Any) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # -- consumer side ------------------------------------------------------------
    def take_all(self, timeout: float | None = None) -> list[Any] | None:
        """Every queued item (waits for one); None once closed and empty."""
        with self._cond:
            while not self._items:
                if self._closed:
                    return None
                if not self._cond.wait(timeout):
                    return []
            items = list(self._items)
            self._items.clear()
            for item in items:
                if isinstance(item, list):
                    self.stats.current -= len(item)
            self._cond.notify_all()  # a waiting reader has room again
            return items

    def state_report(self) -> str:
        st = self.stats
        return (f"current plugin queue depth = {st.current}\n"
                f"max plugin queue depth used = {st.max_used}\n"
                f"plugin queue size = {self.depth}\n"
                f"plugin queue overflow detected = {'yes' if st.overflowed else 'no'}\n"
                f"plugin queueing suspended = {'yes' if st.suspended else 'no'}\n")
