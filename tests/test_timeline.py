"""The pure timeline: decoding, lifecycle lines, lost markers, renderers, forensic selection.

Golden input: ``tests/golden/timeline/workload.log``, written by the REFERENCE
auditd (``make_golden.sh``) for a shell workload whose tree is: sh (exit 3)
-> cat /nonexistent (exit 1), a subshell -> /bin/true (grandchild), mkdir,
mv, rm, and sh killed by SIGSEGV.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from audix.analysis.event import coalesce
from audix.analysis.record import make_record, parse_record
from audix.analysis.timeline import decode, sets
from audix.analysis.timeline.builder import TimelineBuilder
from audix.analysis.timeline.lost import SerialGapTracker
from audix.analysis.timeline.model import (LostMarker, ProcessChange, ProcessEvent, SyscallEvent,
                                           syscall_event, syscall_event_from_texts)
from audix.analysis.timeline.summary import Summary
from audix.analysis.timeline.text import TextRenderer, TimeFormat, format_time
from audix.tracer import cli
from audix.tracer.collect import EventFilter, record_of

GOLDEN = Path(__file__).parent / "golden" / "timeline"
WORKLOAD_LOG = GOLDEN / "workload.log"
ROOT = int((GOLDEN / "workload.pid").read_text())


def load_events(path: Path = WORKLOAD_LOG):
    records = []
    for raw in path.read_bytes().split(b"\n"):
        if raw:
            records.append(parse_record(raw.decode("latin-1")))
    return list(coalesce(records))


def event_of(*lines: str):
    return list(coalesce(parse_record(l) for l in lines))[0]


SC = ("type=SYSCALL msg=audit(1700000000.123:42): arch=c000003e syscall=257 success=no exit=-2 "
      "a0=ffffff9c a1=7ffd1 a2=80000 a3=0 items=1 ppid=1 pid=100 auid=0 uid=0 gid=0 euid=0 suid=0 "
      'fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="cat" exe="/usr/bin/cat" key="k"')
CWD = 'type=CWD msg=audit(1700000000.123:42): cwd="/tmp/w"'
PATH_REL = ('type=PATH msg=audit(1700000000.123:42): item=0 name="sub/missing" nametype=UNKNOWN '
            'cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0')
PROCTITLE = "type=PROCTITLE msg=audit(1700000000.123:42): proctitle=636174"


# -- decoding -------------------------------------------------------------------------
def test_failed_openat_resolves_relative_path_and_errno():
    ev = syscall_event(event_of(SC, CWD, PATH_REL, PROCTITLE))
    assert ev.name == "openat" and ev.pid == 100 and ev.comm == "cat"
    assert decode.format_call(ev) == (
        'openat(AT_FDCWD, "/tmp/w/sub/missing", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)')


def test_open_with_creat_shows_mode_and_dirfd_relative_path_stays_relative():
    sc = SC.replace("a0=ffffff9c", "a0=3").replace("a2=80000", "a2=241").replace("a3=0", "a3=1a4") \
           .replace("success=no exit=-2", "success=yes exit=4")
    ev = syscall_event(event_of(sc, CWD, PATH_REL))
    assert decode.format_call(ev) == 'openat(3, "sub/missing", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4'


def test_mmap_result_hex_and_unknown_syscall_raw():
    sc = SC.replace("syscall=257", "syscall=9").replace("success=no exit=-2", "success=yes exit=139907733745664") \
           .replace("a0=ffffff9c", "a0=0").replace("a1=7ffd1", "a1=2000").replace("a2=80000", "a2=3").replace("a3=0", "a3=22")
    ev = syscall_event(event_of(sc))
    assert decode.format_call(ev) == (
        "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, ...) = 0x7f3ecec57000")
    odd = syscall_event(event_of(SC.replace("syscall=257", "syscall=999")))
    assert odd.name == "syscall_999"
    assert decode.format_args(odd) == ["0xffffff9c", "0x7ffd1", "0x80000", "0x0"]


def test_execve_argv_and_exit_group_without_result():
    ev = _find(lambda e: e.name == "execve" and e.argv and e.argv[0] == "cat")
    assert decode.format_args(ev)[:2] == ['"/usr/bin/cat"', '["cat", "/nonexistent-golden"]']
    eg = _find(lambda e: e.name == "exit_group" and e.pid == ROOT)
    assert decode.format_result(eg) == "?"


def test_sockaddr_decoding():
    assert decode.sockaddr_text("02000050" "7F000001" + "00" * 8) == \
        '{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}'
    assert decode.sockaddr_text("0100" + b"/run/x".hex() + "00") == '{sa_family=AF_UNIX, sun_path="/run/x"}'
    assert decode.sockaddr_text("0100" + "00" + b"abs".hex()) == '{sa_family=AF_UNIX, sun_path=@"abs"}'


def test_quote_escapes_and_truncates():
    assert decode.quote('a"b\n\x01') == '"a\\"b\\n\\1"'
    assert decode.quote("x" * 70).endswith('"...')


def _find(pred):
    for event in load_events():
        ev = syscall_event(event)
        if ev is not None and pred(ev):
            return ev
    raise AssertionError("no such event in the golden log")


# -- golden renderers -------------------------------------------------------------------
def _forensic(argv):
    out, err = io.BytesIO(), io.BytesIO()
    rc = cli.main(argv, cli.Env(out, err))
    return rc, out.getvalue().decode("latin-1"), err.getvalue().decode("latin-1")


def test_forensic_text_matches_golden():
    rc, out, err = _forensic(["--pid", str(ROOT), "-if", str(WORKLOAD_LOG), "-q"])
    assert rc == 0, err
    assert out == (GOLDEN / "workload.txt").read_text(encoding="latin-1")


def test_forensic_summary_matches_golden():
    rc, out, _ = _forensic(["--pid", str(ROOT), "-if", str(WORKLOAD_LOG), "-q", "-c"])
    assert rc == 0
    assert out == (GOLDEN / "workload-summary.txt").read_text(encoding="latin-1")


def test_forensic_epoch_times_match_golden(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    rc, out, _ = _forensic(["--pid", str(ROOT), "-if", str(WORKLOAD_LOG), "-q", "-ttt"])
    assert rc == 0
    assert out == (GOLDEN / "workload-ttt.txt").read_text(encoding="latin-1")


def test_forensic_tree_covers_grandchildren_and_deaths():
    rc, out, err = _forensic(["--pid", str(ROOT), "-if", str(WORKLOAD_LOG)])
    assert rc == 0
    assert "8 processes, 754 syscalls" in err
    lines = out.split("\n")
    assert any('execve("/bin/true", ["/bin/true"]' in l for l in lines)       # the grandchild
    assert f"{ROOT:<5} +++ exited with 3 +++" in lines
    assert any(l.endswith("+++ killed by SIGSEGV +++") for l in lines)
    assert any("openat(AT_FDCWD, \"/nonexistent-golden\", O_RDONLY) = -1 ENOENT" in l for l in lines)


def test_forensic_trace_filter():
    rc, out, _ = _forensic(["--pid", str(ROOT), "-if", str(WORKLOAD_LOG), "-q", "-e", "trace=%process"])
    assert rc == 0
    calls = {l.split()[1].split("(")[0] for l in out.split("\n") if l and "+++" not in l}
    assert calls == {"execve", "vfork", "clone", "wait4", "exit_group", "kill"}
    assert out.count("+++ started by") == 8


def test_forensic_time_range(monkeypatch):
    monkeypatch.setenv("LC_ALL", "C")
    monkeypatch.setenv("TZ", "UTC")
    base = ["--pid", str(ROOT), "-if", str(WORKLOAD_LOG), "-q"]
    rc, out, _ = _forensic(base + ["-ts", "11/25/26", "-te", "11/25/26", "23:59:59"])
    assert rc == 0 and out == (GOLDEN / "workload.txt").read_text(encoding="latin-1")
    rc, out, err = _forensic(base + ["-te", "11/24/26"])
    assert rc == 1 and out == "" and "no events of process" in err
    rc, _, err = _forensic(base + ["-ts", "bogus"])
    assert rc == 1 and err.startswith("autrace: ")


def test_forensic_unknown_pid_exits_1():
    rc, out, err = _forensic(["--pid", "1", "-if", str(WORKLOAD_LOG), "-q"])
    assert rc == 1 and "no events of process 1" in err


def test_forensic_json_lines():
    rc, out, _ = _forensic(["--pid", str(ROOT), "-if", str(WORKLOAD_LOG), "-q", "--json"])
    assert rc == 0
    objs = [json.loads(l) for l in out.split("\n") if l]
    calls = [o for o in objs if o["type"] == "syscall"]
    procs = [o for o in objs if o["type"] == "process"]
    assert len(calls) == 754
    failed = next(o for o in calls if o["syscall"] == "openat" and o["errno"] == "ENOENT")
    assert failed["success"] is False and failed["exit"] == -2 and failed["records"][0].startswith("type=SYSCALL")
    assert all(o["records"] and o["pid"] and "raw_args" in o for o in calls)
    assert {p["event"] for p in procs} >= {"start", "exec", "exit", "killed"}


# -- builder ---------------------------------------------------------------------------
def _sc(pid, name_nr, serial, exit_=0, success="yes", a0="0", t=1700000000):
    text = (f"audit({t}.000:{serial}): arch=c000003e syscall={name_nr} success={success} exit={exit_} "
            f"a0={a0} a1=0 a2=0 a3=0 items=0 ppid=1 pid={pid} uid=0 comm=\"x\" exe=\"/x\" key=\"k\"")
    if success is None:
        text = text.replace(f" success={success} exit={exit_}", "")
    rec = make_record(1300, text)
    return list(coalesce([rec]))[0]


def test_builder_places_live_exit_after_exit_group_and_marks_threads():
    items = []
    b = TimelineBuilder(items.append, root_pid=10, clock=lambda: 0.0)
    b.note_thread(11, 10)
    b.add_event(_sc(10, 56, 1, exit_=11, a0="3d0f00"))          # clone -> thread 11
    b.note_exit(10, 0, None)                                     # exit seen before the record
    assert not any(isinstance(i, ProcessEvent) and i.change is ProcessChange.EXIT for i in items)
    b.add_event(_sc(10, 231, 2, success=None))                   # exit_group
    kinds = [i.change for i in items if isinstance(i, ProcessEvent)]
    assert kinds == [ProcessChange.THREAD_START, ProcessChange.EXIT]
    assert isinstance(items[-1], ProcessEvent) and items[-1].change is ProcessChange.EXIT


def test_builder_holds_exit_notices_until_the_records_or_a_timeout():
    items = []
    now = [0.0]
    b = TimelineBuilder(items.append, root_pid=10, clock=lambda: now[0])
    b.note_exit(20, None, 9)                  # ptrace is faster than the records: nothing yet
    assert items == []
    b.add_event(_sc(20, 39, 3))               # its first syscall: START, then the syscall
    assert [type(i) for i in items] == [ProcessEvent, SyscallEvent] and items[0].pid == 20
    b.tick()
    assert len(items) == 2                    # still held
    now[0] = 10.0
    b.tick()
    assert items[-1].change is ProcessChange.KILLED and items[-1].code == 9
    b.note_exit(30, 4, None)                  # a process none of whose syscalls was traced
    now[0] = 20.0
    b.tick()
    assert [(i.change, i.pid) for i in items[-2:]] == [(ProcessChange.START, 30), (ProcessChange.EXIT, 30)]


def test_builder_places_thread_exit_after_the_threads_exit_record():
    items = []
    b = TimelineBuilder(items.append, root_pid=10, clock=lambda: 0.0)
    b.note_thread(11, 10)
    b.note_thread_exit(11, 10)                                  # ptrace first
    b.add_event(_sc(10, 435, 1, exit_=11))                      # clone3 -> the thread
    b.add_event(_sc(10, 60, 2, success=None))                   # the thread's exit()
    shapes = [(i.change.value, i.tid) if isinstance(i, ProcessEvent) else i.name for i in items]
    assert shapes == ["clone3", ("thread_start", 11), "exit", ("thread_exit", 11)]


def test_text_renderer_lines():
    r = TextRenderer()
    assert r.render(ProcessEvent(ProcessChange.KILLED, 7, code=11, core_dumped=True)) == \
        "7     +++ killed by SIGSEGV (core dumped) +++"
    assert r.render(ProcessEvent(ProcessChange.EXIT, 7, code=3)) == "7     +++ exited with 3 +++"
    assert r.render(LostMarker(12)) == "--- 12 records lost ---"
    assert format_time(1700000000.5, TimeFormat.EPOCH) == "1700000000.500 "


# -- lost records ------------------------------------------------------------------------
def test_event_from_netlink_texts_equals_event_from_log_records():
    for event in load_events()[:200]:
        ev = syscall_event(event)
        if ev is None:
            continue
        texts = [(r.type, r.line[r.line.index("msg=") + 4:]) for r in event.records]
        live = syscall_event_from_texts(texts)
        assert (live.serial, live.sec, live.msec, live.pid, live.name, live.args, live.exit,
                live.paths, live.cwd, live.argv) == \
               (ev.serial, ev.sec, ev.msec, ev.pid, ev.name, ev.args, ev.exit, ev.paths, ev.cwd, ev.argv)
        assert [r.line for r in live.records] == [r.line for r in event.records]
        assert live.comm == ev.comm and live.key == ev.key


def test_serial_gap_tracker_tolerates_interleaving_and_counts_gaps():
    g = SerialGapTracker(window=4)
    for s in (1, 3, 2, 4, 5, 9, 10, 11, 12, 13, 14):
        g.see(s)
    assert g.confirmed() == 3          # 6, 7, 8 are 4+ serials behind
    g.see(20)
    assert g.confirmed(final=True) == 5
    assert g.total_lost == 8


def test_event_filter_marks_lost_records_inline():
    """A stream with a gap: the marker lands between the events around the gap."""
    items = []
    b = TimelineBuilder(items.append, root_pid=100)
    key = "autrace-1"
    f = EventFilter(key, lambda texts: b.add_syscall(syscall_event_from_texts(texts)))
    f.gaps.window = 2

    def batch(serials):
        out = []
        for s in serials:
            out.append((1300, f"audit(1700000000.000:{s}): arch=c000003e syscall=39 success=yes exit=100 "
                              f"a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"x\" key=\"{key}\""))
            out.append((1320, f"audit(1700000000.000:{s}): "))
        return out

    f.feed(batch([1, 2, 3]))
    lost = f.gaps.confirmed()
    f.feed(batch([16, 17, 18]))
    lost = f.gaps.confirmed()
    b.note_lost(lost)
    f.feed(batch([19]))
    f.flush()
    shapes = [("lost", i.count) if isinstance(i, LostMarker) else ("sc", i.serial)
              for i in items if not isinstance(i, ProcessEvent)]
    assert shapes == [("sc", 1), ("sc", 2), ("sc", 3), ("sc", 16), ("sc", 17), ("sc", 18),
                      ("lost", 12), ("sc", 19)]


def test_event_filter_keeps_only_our_key_and_builds_exact_records():
    seen = []
    lines = []
    f = EventFilter("autrace-7", seen.append, lines.append)
    f.feed([(1300, 'audit(1.001:5): arch=c000003e syscall=39 pid=1 key="other"'),
            (1320, "audit(1.001:5): "),
            (1300, 'audit(1.001:6): arch=c000003e syscall=39 pid=1 key="autrace-7"'),
            (1327, "audit(1.001:6): proctitle=6C73")])
    assert [syscall_event_from_texts(e).serial for e in seen] == [6]
    assert lines == ['type=SYSCALL msg=audit(1.001:6): arch=c000003e syscall=39 pid=1 key="autrace-7"',
                     "type=PROCTITLE msg=audit(1.001:6): proctitle=6C73"]
    r = record_of(1300, "audit(1.001:6): a=b")
    assert (r.sec, r.msec, r.serial, r.body, str(r)) == (1, 1, 6, "a=b", "type=SYSCALL msg=audit(1.001:6): a=b")


# -- trace sets and summary ---------------------------------------------------------------
def test_trace_expressions():
    known = {"openat", "read", "connect", "execve", "mmap"}
    assert sets.parse_trace_expr("trace=all", known) is None
    assert sets.parse_trace_expr("trace=openat,%network", known) >= {"openat", "connect"}
    assert "read" in sets.parse_trace_expr("!openat", known)
    with pytest.raises(sets.TraceSetError):
        sets.parse_trace_expr("trace=nosuchcall", known)


def test_summary_counts_calls_and_errors():
    s = Summary()
    for event in load_events():
        ev = syscall_event(event)
        if ev is not None:
            s.add(ev)
    lines = s.render()
    total = next(l for l in lines if l.endswith(" total"))
    calls = sum(1 for e in load_events() if syscall_event(e) is not None)
    assert total.split()[0] == str(calls)
