"""The coalescer: records in, whole events out."""
from audix.analysis.event import EventCoalescer, coalesce, is_last_record_type
from audix.analysis.record import parse_record


def rec(serial, type_="SYSCALL", sec=100, body="x=1"):
    return parse_record(f"type={type_} msg=audit({sec}.000:{serial}): {body}")


def test_interleaved_events_are_separated():
    records = [rec(1), rec(2), rec(1, "CWD"), rec(2, "PROCTITLE"), rec(1, "PROCTITLE")]
    events = list(coalesce(records))
    assert [e.id.serial for e in events] == [2, 1]
    assert [r.type_name for r in events[1]] == ["SYSCALL", "CWD", "PROCTITLE"]


def test_eoe_ends_event_and_is_not_kept():
    done = []
    c = EventCoalescer(done.append)
    c.push(rec(1))
    c.push(rec(1, "PATH"))
    assert done == []
    c.push(rec(1, "EOE", body=""))
    assert len(done) == 1 and [r.type_name for r in done[0]] == ["SYSCALL", "PATH"]
    c.push(rec(1, "EOE", body=""))  # late EOE of a finished event: dropped
    c.flush()
    assert len(done) == 1


def test_timeout_finishes_stale_events():
    done = []
    c = EventCoalescer(done.append, eoe_timeout=2)
    c.push(rec(1, sec=100))
    c.push(rec(2, sec=101))
    assert done == []
    c.push(rec(3, sec=102))
    assert [e.id.serial for e in done] == [1]
    c.flush()
    assert [e.id.serial for e in done] == [1, 2, 3]


def test_ordered_mode_releases_in_time_order():
    records = [rec(5, sec=100), rec(6, "DAEMON_START", sec=100), rec(5, "PROCTITLE", sec=100)]
    assert [e.id.serial for e in coalesce(records, ordered=True)] == [5, 6]
    assert [e.id.serial for e in coalesce(records, ordered=False)] == [6, 5]


def test_last_record_types():
    assert is_last_record_type(1327) and is_last_record_type(1320)
    assert is_last_record_type(1100) and is_last_record_type(2000)
    assert not is_last_record_type(1300) and not is_last_record_type(1302)
