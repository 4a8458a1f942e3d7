"""The renderer's hot path: events decoded straight from netlink datagrams
(syscall_event_from_datagrams) equal the ones decoded from record texts, in
every field and in every rendering; the value-only argument formatters equal
the general loop."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from audix.analysis.event import coalesce
from audix.analysis.record import parse_record, type_number
from audix.analysis.timeline import decode
from audix.analysis.timeline.jsonl import JsonRenderer
from audix.analysis.timeline.model import (SyscallEvent, datagram_texts, syscall_event_from_datagrams,
                                           syscall_event_from_texts)
from audix.analysis.timeline.text import TextRenderer, TimeFormat
from audix.tracer.collect import datagram_of

GOLDEN = Path(__file__).parent / "golden" / "timeline" / "workload.log"
# (comm before raw: comm has a fast path of its own until raw is parsed)
FIELDS = ("serial", "sec", "msec", "node", "pid", "ppid", "arch", "number", "name", "args", "success",
          "exit", "cwd", "paths", "argv", "sockaddr", "comm", "raw", "exe", "key", "uid", "time")


def golden_events() -> list[list[tuple[int, str]]]:
    """Each event of the golden log as kernel (type, text) records."""
    records = [parse_record(raw.decode("latin-1"))
               for raw in GOLDEN.read_bytes().split(b"\n") if raw]
    out = []
    for event in coalesce(records):
        texts = [(r.type, r.line[r.line.index("msg=") + 4:]) for r in event.records]
        if any(t == 1300 for t, _ in texts):
            out.append(texts)
    return out


def odd_events() -> list[list[tuple[int, str]]]:
    head = "audit(1700000000.123:42): "
    return [
        # no success/exit (exit_group), a 32-bit call, an AVC before the SYSCALL record
        [(1300, head + "arch=c000003e syscall=231 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=9 "
                       'comm="sh" exe="/bin/sh" key="k"')],
        [(1300, head + "arch=40000003 syscall=5 success=no exit=-13 a0=8049000 a1=8000 a2=0 a3=0 "
                       'items=1 ppid=1 pid=10 comm="a" exe="/a" key="k"'),
         (1307, head + 'cwd="/root"'),
         (1302, head + 'item=0 name="x y" nametype=UNKNOWN'),
         (1327, head + "proctitle=61")],
        [(1400, head + 'avc:  denied  { read } for  pid=11 comm="a"'),
         (1300, head + "arch=c000003e syscall=0 success=yes exit=1 a0=0 a1=1 a2=1 a3=0 items=0 "
                       'ppid=1 pid=11 comm="a" exe="/a" key="k"')],
        # a time stamp outside 10+3 digits, and a SOCKADDR and EXECVE
        [(1300, "audit(17.5:7): arch=c000003e syscall=42 success=yes exit=0 a0=3 a1=7f a2=10 a3=0 "
                'items=0 ppid=1 pid=12 comm="a" exe="/a" key="k"'),
         (1306, "audit(17.5:7): saddr=020000357F0000010000000000000000")],
        [(1300, head + "arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 "
                       'ppid=1 pid=13 comm="ls" exe="/bin/ls" key="k"'),
         (1309, head + 'argc=2 a0="ls" a1=2D6C'),
         (1302, head + 'item=0 name="/bin/ls" inode=5 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 '
                       "nametype=NORMAL")],
    ]


def same_event(a: SyscallEvent, b: SyscallEvent) -> None:
    for name in FIELDS:
        assert getattr(a, name) == getattr(b, name), name
    assert [r.line for r in a.records] == [r.line for r in b.records]


@pytest.mark.parametrize("texts", golden_events() + odd_events())
def test_datagram_path_equals_text_path(texts):
    datagrams = [datagram_of(t, text) for t, text in texts]
    assert datagram_texts(datagrams) == texts
    from_texts = syscall_event_from_texts(texts)
    from_datagrams = syscall_event_from_datagrams(datagrams)
    same_event(from_datagrams, from_texts)
    for fmt in TimeFormat:
        renderer = TextRenderer(fmt)
        assert renderer.render(from_datagrams) == renderer.render(from_texts)
    assert (json.loads(JsonRenderer().render(from_datagrams))
            == json.loads(JsonRenderer().render(syscall_event_from_texts(texts))))


def test_golden_events_are_not_trivial():
    events = golden_events()
    assert len(events) > 20
    assert any(len(e) > 2 for e in events)      # with PATH/CWD/EXECVE records


def _general_loop(monkeypatch, ev: SyscallEvent) -> list[str]:
    monkeypatch.setattr(decode, "_plan", lambda name: None)
    try:
        return decode.format_args(ev)
    finally:
        monkeypatch.undo()


VALUES = (0, 1, 2, 3, 4, 0x40, 0x80000, 0x800, 0x1000, 0x10011, 0xFFFFFF9C, 0x7FFFFFFF, 0x80000000,
          0xFFFFFFFF, 0x7FFD1234, 0x1FFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0x101, 0x3FF, 0x1002, 9, 17, 128 + 9)


@pytest.mark.parametrize("name", sorted(n for n in decode._SIGNATURES if decode._plan(n) is not None))
def test_value_only_plans_equal_the_general_loop(monkeypatch, name):
    for i, a0 in enumerate(VALUES):
        args = (a0, VALUES[(i + 3) % len(VALUES)], VALUES[(i + 7) % len(VALUES)], VALUES[(i + 11) % len(VALUES)])
        for arch in ("x86_64", "i386"):
            ev = SyscallEvent(1, 1, 1, None, 1, 1, arch, 0, name, args, True, 0)
            assert decode.format_args(ev) == _general_loop(monkeypatch, ev)


def test_plans_cover_the_common_calls_and_not_the_contextual_ones():
    assert decode._plan("close") is not None and decode._plan("fcntl") is not None
    assert decode._plan("mmap")[1] is True                     # six arguments: "..." follows
    for name in ("openat", "newfstatat", "execve", "connect", "lseek", "open"):
        assert decode._plan(name) is None                     # paths, argv, sockaddr, longs, O_CREAT
    assert type_number("SYSCALL") == 1300


def test_call_texts_are_cached_only_where_the_fields_decide_them():
    head = "audit(1700000000.123:{}): "
    call = ("arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd1 a2=80000 a3=0 items=1 "
            'ppid=1 pid=5 comm="cat" exe="/bin/cat" key="k"')
    texts = []
    for serial, name in ((1, "/etc/a"), (2, "/etc/b")):        # same SYSCALL fields, other paths
        ev = syscall_event_from_datagrams([datagram_of(1300, head.format(serial) + call),
                                           datagram_of(1302, head.format(serial) + f'item=0 name="{name}" '
                                                       "nametype=NORMAL")])
        texts.append(decode.format_call(ev))
    assert texts == ['openat(AT_FDCWD, "/etc/a", O_RDONLY|O_CLOEXEC) = 3',
                     'openat(AT_FDCWD, "/etc/b", O_RDONLY|O_CLOEXEC) = 3']
    close = ("arch=c000003e syscall=3 success=yes exit=0 a0=5 a1=0 a2=0 a3=0 items=0 ppid=1 pid={} "
             'comm="x" exe="/x" key="k"')
    first, second = (syscall_event_from_datagrams([datagram_of(1300, head.format(s) + close.format(s))])
                     for s in (3, 4))
    assert first.call_key == second.call_key and first.pid != second.pid
    assert decode.format_call(first) == decode.format_call(second) == "close(5) = 0"
    assert decode._CALL_TEXTS[first.call_key] == "close(5) = 0"
    assert first.args is second.args                           # decoded once


def _escaped(ch: str) -> str:
    """strace's escaping of one character (the oracle for quote's fast path)."""
    named = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}
    if ch in named:
        return named[ch]
    return ch if 0x20 <= ord(ch) < 0x7F else f"\\{ord(ch):o}"


@pytest.mark.parametrize("length", [0, 1, 63, 64, 65, 200])
def test_quote_fast_path_escapes_as_the_general_one(length):
    for code in range(256):
        text = ("n" * length + chr(code))[-max(length, 1):] if length else ""
        for candidate in (text, chr(code) + text, "plain-name_1.txt" + chr(code)):
            head = candidate[:decode.MAX_STRING]
            expected = '"' + "".join(map(_escaped, head)) + '"' + ("..." if len(candidate) > 64 else "")
            assert decode.quote(candidate) == expected


def test_clock_text_follows_a_time_zone_change(monkeypatch):
    import time

    from audix.analysis.timeline.text import format_time
    texts = []
    try:
        for zone in ("UTC", "Asia/Tokyo", "UTC"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            texts.append(format_time(1700000000.25, TimeFormat.CLOCK_MS))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert texts == ["22:13:20.250 ", "07:13:20.250 ", "22:13:20.250 "]
