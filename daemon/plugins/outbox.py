"""A plugin's own bounded queue of encoded records, with a wake-up fd.

The writer thread :meth:`offer`\\ s records (never waits: what does not fit
in ``depth`` is refused and counted by the caller); the plugin's feeder
thread polls :attr:`wake_fd` with its socket and :meth:`take_all`\\ s.
"""

from __future__ import annotations

import os
import threading
from collections import deque


class Outbox:
    def __init__(self, depth: int) -> None:
        self.depth = max(int(depth), 1)
        self._items: deque[bytes] = deque()
        self._lock = threading.Lock()
        self.wake_fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self.max_used = 0

    def __len__(self) -> int:
        return len(self._items)

    def offer(self, payloads: list[bytes]) -> int:
        """Queue what fits; returns how many were refused."""
        with self._lock:
            room = self.depth - len(self._items)
            if room <= 0:
                return len(payloads)
            taken = payloads if len(payloads) <= room else payloads[:room]
            self._items.extend(taken)
            if len(self._items) > self.max_used:
                self.max_used = len(self._items)
        self.wake()
        return len(payloads) - len(taken)

    def take_all(self) -> list[bytes]:
        with self._lock:
            items = list(self._items)
            self._items.clear()
        return items

    def clear(self) -> int:
        with self._lock:
            n = len(self._items)
            self._items.clear()
        return n

    def resize(self, depth: int) -> None:
        with self._lock:
            self.depth = max(int(depth), 1)

    def wake(self) -> None:
        try:
            os.eventfd_write(self.wake_fd, 1)
        except (BlockingIOError, OSError):
            pass

    def drain_wake(self) -> None:
        try:
            os.eventfd_read(self.wake_fd)
        except (BlockingIOError, OSError):
            pass

    def close(self) -> None:
        try:
            os.close(self.wake_fd)
        except OSError:
            pass
        self.wake_fd = -1
