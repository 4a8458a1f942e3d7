"""The reader -> writer queue: q_depth bound, overflow actions, control items."""

from __future__ import annotations

import threading

from audix.daemon.auditd_queue import QUEUE_FULL_LIMIT, RecordQueue
from audix.daemon.config import OverflowAction


class FakeActions:
    def __init__(self):
        self.logged = []
        self.runlevels = []

    def log(self, priority, text):
        self.logged.append(text)

    def exec_program(self, path):
        raise AssertionError("not expected")

    def change_runlevel(self, level):
        self.runlevels.append(level)

    def sendmail(self, *a):
        raise AssertionError("not expected")


def test_records_fit_until_q_depth_then_overflow_syslog():
    acts = FakeActions()
    q = RecordQueue(10, OverflowAction.SYSLOG, acts, overflow_wait=0.01)
    assert q.put_records(list(range(6))) == 0
    assert q.put_records(list(range(6, 12))) == 2  # 4 fit, 2 dropped
    assert q.stats.dropped == 2 and q.stats.overflowed
    assert acts.logged == ["queue to plugins is full - dropping event"]
    items = q.take_all()
    assert items == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9]]
    assert q.stats.current == 0 and q.stats.max_used == 10


def test_syslog_warnings_are_limited():
    acts = FakeActions()
    q = RecordQueue(1, OverflowAction.SYSLOG, acts, overflow_wait=0.01)
    q.put_records([0])
    for _ in range(QUEUE_FULL_LIMIT + 3):
        q.put_records([1])
    assert acts.logged.count("queue to plugins is full - dropping event") == QUEUE_FULL_LIMIT
    assert acts.logged[-1].startswith("auditd queue full reporting limit reached")


def test_overflow_single_halt_suspend():
    for action, level in ((OverflowAction.SINGLE, "1"), (OverflowAction.HALT, "0")):
        acts = FakeActions()
        q = RecordQueue(1, action, acts, overflow_wait=0.01)
        q.put_records([0, 1])
        assert acts.runlevels == [level]
    acts = FakeActions()
    q = RecordQueue(1, OverflowAction.SUSPEND, acts, overflow_wait=0.01)
    q.put_records([0, 1])
    assert q.stats.suspended
    assert q.put_records([2]) == 1  # suspended: nothing queued
    q.take_all()
    q.resume()
    assert q.put_records([3]) == 0


def test_ignore_drops_silently_and_control_items_never_dropped():
    acts = FakeActions()
    q = RecordQueue(2, OverflowAction.IGNORE, acts, overflow_wait=0.01)
    q.put_records([0, 1, 2])
    q.put_control("rotate")
    assert acts.logged == [] and q.stats.dropped == 1
    assert q.take_all() == [[0, 1], "rotate"]


def test_room_made_by_consumer_avoids_overflow():
    acts = FakeActions()
    q = RecordQueue(4, OverflowAction.SYSLOG, acts, overflow_wait=0.01)
    q.put_records([0, 1, 2, 3])
    got = []
    t = threading.Thread(target=lambda: got.extend(q.take_all()))
    t.start()
    t.join()
    assert q.put_records([4, 5]) == 0 and got == [[0, 1, 2, 3]]


def test_close_ends_consumer():
    q = RecordQueue(4, OverflowAction.SYSLOG, FakeActions(), overflow_wait=0.01)
    q.put_records([1])
    q.close()
    assert q.take_all() == [[1]]
    assert q.take_all() is None
    assert "plugin queue size = 4" in q.state_report()


def test_action_programs_start_with_signals_unblocked(tmp_path):
    import os
    import signal
    import time
    from audix.daemon.auditd_actions import ActionRunner
    prog = tmp_path / "act.sh"
    out = tmp_path / "out"
    prog.write_text(f"#!/bin/sh\ngrep SigBlk /proc/self/status > {out}\n")
    os.chmod(prog, 0o755)
    old = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGHUP])
    try:
        ActionRunner(use_syslog=False).exec_program(str(prog))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    deadline = time.monotonic() + 10
    while not (out.exists() and out.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_text().split() == ["SigBlk:", "0000000000000000"]


def test_full_queue_waits_for_the_writer_instead_of_dropping():
    import time
    acts = FakeActions()
    q = RecordQueue(4, OverflowAction.IGNORE, acts, overflow_wait=5)
    q.put_records([0, 1, 2, 3])
    got = []

    def slow_writer():
        time.sleep(0.3)
        got.extend(q.take_all())
    t = threading.Thread(target=slow_writer)
    t.start()
    start = time.monotonic()
    assert q.put_records([4, 5]) == 0  # waited for room, nothing dropped
    assert 0.2 < time.monotonic() - start < 4
    t.join()
    assert got == [[0, 1, 2, 3]] and q.take_all() == [[4, 5]] and q.stats.dropped == 0
