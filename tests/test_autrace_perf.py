"""autrace's fast paths, without the kernel: rule deletion policy (pid reuse),
the counting builder of ``-o /dev/null``, the datagram-level event filter."""
from __future__ import annotations

import os

import pytest

from audix.daemon.netlink import DatagramReader, records_of
from audix.tracer import process_rules
from audix.tracer.cli import discards_output
from audix.tracer.collect import EventFilter, datagram_of, texts_of
from audix.tracer.counting import CountingBuilder
from audix.tracer.process_rules import PID_MARGIN, QUIET_SECONDS, RuleSet, pid_distance


class FakeNetlink:
    """Holds the pids of the rules in the 'kernel' (the kernel stores rules
    without the prepend flag, so added and deleted bytes differ)."""

    def __init__(self):
        self.rules: list[int] = []

    def add_rule(self, data: bytes) -> None:
        self.rules.append(rule_pid(data))

    def delete_rule(self, data: bytes) -> None:
        self.rules.remove(rule_pid(data))


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ruleset(cursor):
    nl = FakeNetlink()
    clock = Clock()
    rs = RuleSet(nl, "autrace-1", {"x86_64": None, "i386": None}, clock=clock,
                 pid_cursor=lambda: cursor)
    rs._thread = object()          # as if a background thread ran: remove() only queues
    return rs, nl, clock


def test_pid_distance_follows_the_cyclic_allocator():
    assert pid_distance(101, 100, 32768) == 1            # the very next pid handed out
    assert pid_distance(100, 100, 32768) == 32768        # just handed out: a full round away
    assert pid_distance(5000, 30000, 32768) == 7768      # after the wrap


def test_dead_pid_far_from_the_cursor_waits_while_processes_are_born():
    rs, nl, clock = ruleset((20000, 32768))
    rs.add(19990)
    rs.add(19995)
    rs.remove(19990)                       # dead, 32758 pids before it can come back
    with rs._lock:
        assert 0 < rs.deletion_delay() <= QUIET_SECONDS   # births go on: keep it for now
    clock.now += QUIET_SECONDS                             # nobody born for a while
    with rs._lock:
        assert rs.deletion_delay() <= 0


def test_dead_pid_near_the_cursor_is_deleted_at_once_even_during_births():
    rs, nl, clock = ruleset((20000 - PID_MARGIN + 10, 32768))
    rs.add(20000)
    rs.remove(20000)                       # the cursor is < PID_MARGIN pids from it
    with rs._lock:
        assert rs.deletion_delay() <= 0
    rs._thread = None
    rs._delete_queued(nl, block=False)
    assert nl.rules == [] and rs.deleted == 1


def test_unreadable_cursor_falls_back_to_a_time_bound():
    rs, nl, clock = ruleset(None)
    rs.add(300)
    rs.remove(300)
    for _ in range(30):                    # a process born every 50 ms: never quiet
        clock.now += 0.05
        rs._last_add = clock.now
    with rs._lock:
        assert rs.deletion_delay() <= 0    # dead 1.5 s > MAX_STALE_SECONDS


def test_remove_all_few_rules_synchronously():
    rs, nl, clock = ruleset((1, 32768))
    for pid in (10, 11, 12):
        rs.add(pid)
    rs._thread = None
    rs.remove_all(detach=True)             # <= DETACH_OVER: deleted before returning
    assert nl.rules == [] and rs.detached == 0


def test_remove_all_order_nearest_to_reuse_first(monkeypatch):
    rs, nl, clock = ruleset((1000, 32768))
    pids = [900, 1500, 990, 30000] + list(range(2000, 2020))
    for pid in pids:
        rs.add(pid)
    handed = []
    monkeypatch.setattr(process_rules, "delete_detached",
                        lambda rules, factory: handed.extend(rules) or True)
    rs._thread = None
    rs.remove_all(detach=True)
    assert rs.detached == len(pids) and rs.installed == {}
    first = [rule_pid(r) for r in handed[:3]]
    assert first == [1500, 2000, 2001]     # next to be handed out after 1000


def rule_pid(data: bytes) -> int:
    from audix.daemon.rules import F, Rule
    return next(f.value for f in Rule.from_bytes(data).fields if f.field == F.PID)


def test_counting_builder_counts_without_rendering():
    b = CountingBuilder()
    b.add_root(5)
    b.note_start(6, 5, "fork")
    b.note_start(6, 5, "fork")
    b.add_datagrams([b"x"])
    b.note_lost(3)
    b.tick()
    b.flush()
    assert (b.syscalls, b.processes) == (1, 2)


def test_discards_output_only_for_the_null_device(tmp_path):
    assert discards_output(os.devnull)
    assert not discards_output(str(tmp_path / "out.txt"))
    assert not discards_output(None)


def test_event_filter_on_datagrams_raw_and_decoded():
    recs = [(1300, 'audit(1.001:6): arch=c000003e syscall=39 pid=1 key="autrace-7"'),
            (1307, 'audit(1.001:6): cwd="/"'),
            (1327, "audit(1.001:6): proctitle=6C73"),
            (1320, "audit(1.001:6): "),
            (1300, 'audit(1.001:7): arch=c000003e syscall=39 pid=2 key="x"'),
            (1320, "audit(1.001:7): ")]
    grams = [datagram_of(t, text) for t, text in recs]
    raw, decoded = [], []
    EventFilter("autrace-7", raw.append, raw=True).feed_datagrams(grams)
    f = EventFilter("autrace-7", decoded.append, keep_proctitle=False)
    f.feed_datagrams(grams + [b"\x10\x00\x00\x00\x02\x00" + bytes(10)])   # an ack: skipped
    assert [texts_of(e) for e in raw] == [recs[:3]]
    assert decoded == [recs[:2]] and f.gaps.highest == 7


def test_datagram_reader_and_records_of():
    import socket
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        for t, text in [(1300, "audit(1.1:2): a=b"), (1000, "status reply")]:
            a.send(datagram_of(t, text))
        a.send(b"short")
        reader = DatagramReader(b)
        # AF_UNIX senders have no netlink port id: read with a stand-in address
        reader._recvfrom = lambda size, flags, _r=b.recvfrom: (_r(size, flags)[0], (0, 0))
        got = reader.read_datagrams(10)
        assert len(got) == 2 and reader.read_datagrams(10) == []
        assert records_of(got) == [(1300, "audit(1.1:2): a=b")]
    finally:
        a.close()
        b.close()


def test_datagram_reader_counts_overruns_and_defers_errors():
    import errno

    import pytest

    from audix.daemon.errors import AuditError

    good = datagram_of(1300, "audit(1.1:2): a=b")
    script = [good, OSError(errno.ENOBUFS, "full"), good, OSError(errno.EBADF, "bad"),
              OSError(errno.EBADF, "bad")]

    def recvfrom(size, flags):
        item = script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item, (0, 0)

    reader = DatagramReader.__new__(DatagramReader)
    reader._recvfrom = recvfrom
    reader.overruns = 0
    assert reader.read_datagrams() == [good, good]      # the error ends the batch...
    assert reader.overruns == 1
    with pytest.raises(AuditError):                     # ...and is raised when it persists
        reader.read_datagrams()


# -- the counting filter of -o /dev/null ----------------------------------------------
def _stream(seed: int, count: int = 3000, key: str = "autrace-7"):
    """A random kernel record stream: our events and others', interleaved a
    little, some serials lost, some events without PROCTITLE, a USER message,
    time stamps of other widths."""
    import random

    rnd = random.Random(seed)
    grams = []
    serial = 99990 if seed % 2 else 5000     # (some streams cross a digit boundary)
    pending: list[list[bytes]] = []
    for _ in range(count):
        serial += 1 if rnd.random() > 0.02 else rnd.randint(2, 40)      # gaps
        ours = rnd.random() < 0.7
        stamp = "1700000000.123" if rnd.random() > 0.01 else "17.5"
        head = f"audit({stamp}:{serial}): "
        k = f'key="{key}"' if ours else 'key=(null)'
        event = [(1300, head + f"arch=c000003e syscall=3 success=yes exit=0 a0=1 a1=0 a2=0 a3=0 "
                              f'items=0 ppid=1 pid=2 comm="x" exe="/x" {k}')]
        if rnd.random() < 0.3:
            event.append((1302, head + 'item=0 name="/etc" nametype=NORMAL'))
        if rnd.random() < 0.9:
            event.append((1327, head + "proctitle=78"))
        event.append((1320, head))
        if rnd.random() < 0.01:
            event = [(1100, head + f"pid=1 msg='op=x {k}'")]               # a user message
        pending.append([datagram_of(t, text) for t, text in event])
        if rnd.random() < 0.3 or len(pending) > 6:
            # interleave events a little (each event's own records stay in order, as the kernel's do)
            while pending:
                first = pending.pop(rnd.randrange(len(pending)))
                if pending and rnd.random() < 0.5:
                    second = pending.pop(0)
                    while first or second:
                        source = first if first and (not second or rnd.random() < 0.5) else second
                        grams.append(source.pop(0))
                else:
                    grams.extend(first)
    for event in pending:
        grams.extend(event)
    if seed % 3 == 0:
        grams.insert(len(grams) // 2, b"\x24\x00\x00\x00\x02\x00" + bytes(30))   # a late ack
    return grams


def _run_filter(f, grams, sizes):
    import random
    rnd = random.Random(len(grams))
    lost, pending, i = 0, [], 0
    while i < len(grams):
        n = rnd.choice(sizes)
        f.feed_datagrams(grams[i:i + n])
        i += n
        lost += f.gaps.confirmed()
        pending.append(f.pending_mine)
    f.flush()
    lost += f.gaps.confirmed(final=True)
    return f.events_kept, lost, f.gaps.highest, pending



@pytest.mark.parametrize("seed", range(6))
def test_counting_filter_keeps_the_event_filters_books(seed):
    from audix.tracer.counting import CountingFilter
    grams = _stream(seed)
    sizes = (1, 5, 40, 700, 4096)
    counted = []
    full = _run_filter(EventFilter("autrace-7", lambda d: None, raw=True), grams, sizes)
    fast = _run_filter(CountingFilter("autrace-7", counted.append), grams, sizes)
    assert fast == full
    assert sum(counted) == full[0] > 1000 and full[1] > 0


def test_counting_filter_ignores_the_key_outside_a_syscall_record():
    from audix.tracer.counting import CountingFilter
    head = "audit(1700000000.123:10): "
    grams = [datagram_of(1100, head + 'msg=\'x key="autrace-7"\''),
             datagram_of(1300, head.replace(":10", ":11") + 'arch=c000003e syscall=1 key="autrace-7"'),
             datagram_of(1320, head.replace(":10", ":11"))] * 20
    counted = []
    f = CountingFilter("autrace-7", counted.append)
    f.feed_datagrams(grams)
    f.flush()
    assert f.events_kept == 1 and counted == [1]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("keep_proctitle", [False, True])
def test_event_filter_runs_and_records_paths_agree(monkeypatch, seed, keep_proctitle):
    import audix.tracer.collect as collect
    grams = _stream(seed)
    sizes = (3, 40, 700, 4096)
    by_runs: list = []
    runs = _run_filter(EventFilter("autrace-7", by_runs.append, keep_proctitle=keep_proctitle, raw=True),
                       grams, sizes)
    monkeypatch.setattr(collect, "batch_columns", lambda batch: None)
    by_records: list = []
    records = _run_filter(EventFilter("autrace-7", by_records.append, keep_proctitle=keep_proctitle,
                                      raw=True), grams, sizes)
    assert runs == records and by_runs == by_records
    assert len(by_runs) > 1000 and any(len(e) > 1 for e in by_runs)


@pytest.mark.parametrize("copies", [1, 40])       # record by record, and a batch in columns
def test_a_key_that_is_not_the_last_field_still_marks_our_event(copies):
    from audix.tracer.counting import CountingFilter
    grams = []
    for i in range(copies):
        head = f"audit(1700000000.123:{1000 + i}): "
        grams += [datagram_of(1300, head + 'arch=c000003e syscall=1 key="autrace-7" later=1'),
                  datagram_of(1327, head + "proctitle=78"), datagram_of(1320, head)]
    events, counted = [], []
    full, fast = EventFilter("autrace-7", events.append, raw=True), CountingFilter("autrace-7", counted.append)
    for f in (full, fast):
        f.feed_datagrams(grams)
        f.flush()
    assert full.events_kept == fast.events_kept == len(events) == sum(counted) == copies
