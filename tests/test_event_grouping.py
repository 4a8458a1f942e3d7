"""The reference's grouping and output order (LogGrouper) and the live coalescer."""
from __future__ import annotations

from audix.analysis.event import (LogGrouper, c_strtoul, completes_alone, extract_stamp,
                                  group_log_lines, msg_type_from_name)

T = 1795611223


def sc(sec, ms, serial, extra=(), node=None):
    pre = f"node={node} " if node else ""
    head = f"{pre}type=SYSCALL msg=audit({sec}.{ms:03d}:{serial}): arch=c000003e syscall=1 a0=0 a1=0 pid=1"
    return [head] + [f"{pre}type={t} msg=audit({sec}.{ms:03d}:{serial}): x=1" for t in extra]


def user(sec, ms, serial, type_="USER"):
    return [f"type={type_} msg=audit({sec}.{ms:03d}:{serial}): pid=1 uid=0 msg='res=success'"]


def order(lines, timeout=2):
    return [e.serial for e in group_log_lines(lines, timeout)]


def test_records_of_an_event_stay_together_even_interleaved():
    a, b = sc(T, 1, 1, ["CWD", "PROCTITLE"]), sc(T, 2, 2, ["PATH", "PROCTITLE"])
    lines = [a[0], b[0], a[1], b[1], a[2], b[2]]
    events = group_log_lines(lines)
    assert [e.serial for e in events] == [1, 2]
    assert events[0].lines == a and events[1].lines == b
    assert events[0].types == [1300, 1307, 1327]


def test_single_record_kinds_complete_at_once_but_wait_for_older_events():
    # a SYSCALL event blocks newer complete USER events until it times out
    lines = sc(T, 0, 1) + user(T + 1, 0, 2) + user(T + 1, 1, 3)
    g, out = LogGrouper(2), []
    g.add_lines(lines, out)
    assert out == []                      # 1 is still building, 2 and 3 wait behind it
    g.add_lines(user(T + 2, 0, 4), out)   # 2 s later: 1 times out
    assert [e.serial for e in out] == [1, 2, 3, 4]


def test_kernel_anomalies_are_not_single_record_events():
    # ANOM_ABEND (1701) waits for the time-out like SYSCALL; a late older event overtakes it
    lines = (sc(T, 0, 1) + user(T + 1, 0, 2, "ANOM_ABEND") + sc(T + 2, 0, 3)
             + sc(T, 500, 4) + user(T + 9, 0, 5))
    assert order(lines) == [1, 4, 2, 3, 5]
    assert not completes_alone(1701) and completes_alone(2100) and completes_alone(1100)


def test_late_record_after_timeout_starts_a_new_event():
    lines = sc(T, 0, 1) + user(T + 3, 0, 2) + [sc(T, 0, 1)[0].replace("SYSCALL", "CWD", 1)]
    events = group_log_lines(lines)
    assert [(e.serial, len(e.lines)) for e in events] == [(1, 1), (2, 1), (1, 1)]


def test_nodes_make_separate_events_and_ties_keep_arrival_slots():
    lines = sc(T, 0, 7, node="a") + sc(T, 0, 7, node="b") + sc(T, 0, 7)
    events = group_log_lines(lines)
    assert [e.node for e in events] == ["a", "b", None]


def test_stray_eoe_is_dropped_and_eoe_of_building_event_kept():
    lines = sc(T, 0, 1) + ["type=EOE msg=audit(1795611223.000:1): "] + \
        ["type=EOE msg=audit(1795611223.000:9): "]
    events = group_log_lines(lines)
    assert len(events) == 1 and events[0].types == [1300, 1320]


def test_time_window_drops_lines_before_grouping():
    g, out = LogGrouper(2, start_time=T + 1, end_time=T + 1), []
    g.add_lines(sc(T, 0, 1) + sc(T + 1, 0, 2) + sc(T + 2, 0, 3), out)
    g.finish(out)
    assert [e.serial for e in out] == [2]


def test_header_reading_like_the_reference():
    assert extract_stamp("type=SYSCALL msg=audit(1.500:7): x", 2) == (1, 500, 7, None, 1300)
    assert extract_stamp("node=h type=PATH msg=audit(1795611223.001:2): x", 2)[3] == "h"
    # msec above 999 is refused; a short msg= token too
    errors = []
    assert extract_stamp("type=SYSCALL msg=audit(1795611223.1000:2): x", 2, errors) is None
    assert errors == ["Error extracting time stamp (1795611223.1000:2)"]
    assert extract_stamp("type=SYSCALL msg=audit(1.0:1): x", 2) is None
    # the time stamp must lie within the first 80 characters
    long_type = "type=" + "X" * 70 + " msg=audit(1795611223.001:2): x"
    assert extract_stamp(long_type, 2) is None
    assert extract_stamp("garbage", 2) is None


def test_type_names_like_libaudit():
    assert msg_type_from_name("syscall") == 1300
    assert msg_type_from_name("UNKNOWN[1999]") == 1999
    assert msg_type_from_name("1300") == 1300
    assert msg_type_from_name("NOPE") == -1


def test_c_strtoul_wraps_and_stops_like_c():
    assert c_strtoul("42abc") == (42, False)
    assert c_strtoul("-1") == ((1 << 64) - 1, False)
    assert c_strtoul("99999999999999999999999") == ((1 << 64) - 1, True)
    assert c_strtoul("c000003e", 16) == (0xc000003e, False)
    assert c_strtoul("", 10) == (0, False)


def test_memory_is_bounded_by_events_in_flight():
    g, out = LogGrouper(2), []
    for i in range(2000):
        g.add_lines(sc(T + i, 0, i), out)
    assert g.in_flight_max <= 4
    g.finish(out)
    assert [e.serial for e in out] == list(range(2000))
