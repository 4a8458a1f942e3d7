"""The ausearch shortcuts give the answers of the plain scan.

* ``ItemExtractor``: an event whose only informative record is one SYSCALL
  line is read by the SYSCALL regex alone -- same items as the full scan;
* ``Matcher``: checks built per option set, the ``-sv no`` text prefilter,
  and with ``--debug`` every event is extracted (the reference's stderr);
* ``EventWriter.default``: the one-join formatting of the default output.
The differential cases run the reference ausearch (skipped when absent).
"""
from __future__ import annotations

import os
import random

import pytest

from audix.analysis.cli.ausearch import main
from audix.analysis.event import group_log_lines
from audix.analysis.search.items import ItemExtractor
from audix.analysis.search.match import Matcher
from audix.analysis.search.options import Escape, parse_args
from audix.analysis.search.output import EventWriter, _raw_part, escape_text
from audix.analysis.search.runner import SearchEnv
from audix.analysis.search.scan import SearchItems

from difftest import assert_same, run_inprocess, run_reference

HERE = os.path.dirname(os.path.abspath(__file__))
LOGS = os.path.join(HERE, "data", "logs")
CORPUS = "/work/shared/corpus"
INPUTS = [p for p in (os.path.join(CORPUS, "sample-raw.log"),
                      os.path.join(CORPUS, "sample-enriched.log"),
                      os.path.join(LOGS, "mixed.log"), os.path.join(LOGS, "mixed-enriched.log"),
                      os.path.join(LOGS, "bad.log")) if os.path.exists(p)]

SC = ("type=SYSCALL msg=audit({t}:{n}): arch=c000003e syscall={sc} success={ok} exit=-13 "
      "a0=3 a1=7ff a2=10 a3=0 items=1 ppid=1 pid={pid} auid=1000 uid=0 gid=0 euid=0 suid=0 "
      "fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm={comm} exe=\"/usr/bin/curl\" "
      "key={key}")


def _tricky_log() -> str:
    """Events whose success/pid/key values sit where shortcuts could go wrong."""
    lines = []
    n = 100

    def event(*records):
        nonlocal n
        n += 1
        t = f"1795611300.{n % 1000:03d}"
        for r in records:
            lines.append(r.format(t=t, n=n))
        lines.append(f"type=PROCTITLE msg=audit({t}:{n}): proctitle=6375726C")

    cwd = 'type=CWD msg=audit({t}:{n}): cwd="/"'
    path = 'type=PATH msg=audit({t}:{n}): item=0 name="/etc/x" inode=1 nametype=NORMAL'
    for ok in ("yes", "no", "maybe", "yesno"):
        for comm in ('"curl"', '"success=yes"', '"success=no"', '"pid=77"', "6375726C"):
            for key in ('"k1"', "(null)", "6B3101736563"):
                event(SC.format(t="{t}", n="{n}", sc=257, ok=ok, pid=4100, comm=comm, key=key),
                      cwd, path)
    event(SC.format(t="{t}", n="{n}", sc=257, ok="yes", pid="04100", comm='"c"', key='"k"'))
    event(SC.format(t="{t}", n="{n}", sc=257, ok="yes", pid="4294971396", comm='"c"',
                    key='"k"'))
    event(SC.format(t="{t}", n="{n}", sc=2, ok="yes", pid=4100, comm='"c"', key="ZZ"))
    event(SC.format(t="{t}", n="{n}", sc=2, ok="yes", pid=4100, comm='"c"', key='"k"')
          .replace("ppid=1 ", ""))
    event(SC.format(t="{t}", n="{n}", sc=2, ok="yes", pid=4100, comm='"c"', key='"k"'),
          SC.format(t="{t}", n="{n}", sc=2, ok="no", pid=4101, comm='"c"', key='"k"'))
    event("type=AVC msg=audit({t}:{n}): avc:  denied  {{ read }} for  pid=4100 comm=\"c\" "
          "scontext=a tcontext=b tclass=file permissive=0",
          SC.format(t="{t}", n="{n}", sc=2, ok="yes", pid=4100, comm='"c"', key='"k"'))
    lines.append("type=USER_AUTH msg=audit(1795611301.001:900): pid=4100 uid=0 auid=1000 ses=3 "
                 "msg='op=PAM:authentication acct=\"u\" exe=\"/bin/su\" hostname=? addr=? "
                 "terminal=pts/0 res=failed'")
    lines.append("type=USER_CMD msg=audit(1795611301.002:901): pid=4100 uid=0 auid=1000 "
                 "msg='cwd=\"/\" cmd=6C73 terminal=pts/0 res=success'")
    lines.append("type=LOGIN msg=audit(1795611301.003:902): pid=4100 uid=0 old-auid=4294967295 "
                 "auid=1000 tty=(none) old-ses=4294967295 ses=3 res=0")
    lines.append("type=DAEMON_RESUME msg=audit(1795611301.004:903): op=resume auid=0 pid=4100 "
                 "uid=0 ses=4294967295 res=failed")
    lines.append("type=VIRT_CONTROL msg=audit(1795611301.005:904): pid=4100 uid=0 auid=1000 "
                 "ses=3 msg='virt=kvm op=start reason=booted vm=\"v\" uuid=abc vm-pid=1 "
                 "exe=\"/usr/sbin/libvirtd\" hostname=? addr=? terminal=? result=failed)'")
    lines.append("type=SYSCALL msg=audit(1795611301.006:905): arch=c000003e syscall=257 "
                 "success=no exit=-2 a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=4100 auid=1 uid=0 "
                 "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 "
                 "comm=\"x\" exe=\"/x\" key=(null)\x1dARCH=x86_64 SYSCALL=openat AUID=\"u\"")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def tricky(tmp_path_factory):
    path = tmp_path_factory.mktemp("fast") / "tricky.log"
    path.write_bytes(_tricky_log().encode("latin-1"))
    return str(path)


def _opts(args: list[str]):
    return parse_args(["-if", "unused", *args]).options


def _events(path: str):
    with open(path, "rb") as f:
        text = f.read().decode("latin-1")
    return group_log_lines([ln for ln in text.split("\n") if ln])


OPTION_SETS = [["-p", "4100"], ["-p", "4101"], ["-sv", "no"], ["-sv", "yes"],
               ["-sc", "openat", "-sv", "no"], ["-k", "k1"], ["-k", "sec"], ["-c", "success=no"],
               ["-x", "curl", "-ui", "0"], ["-ul", "1000", "--session", "3"], ["-tm", "pts0"],
               ["-i", "-ua", "1000"], ["--arch", "b64", "-sc", "2"], ["-m", "SYSCALL"], []]


@pytest.mark.parametrize("args", OPTION_SETS, ids=" ".join)
def test_syscall_only_events_read_like_the_full_scan(args, tricky):
    fast = ItemExtractor(_opts(args))
    full = ItemExtractor(_opts(args))
    full._syscall_only_types = None
    took = 0
    for path in INPUTS + [tricky]:
        for ev in _events(path):
            a, b = fast.extract(ev.lines, ev.types), full.extract(ev.lines, ev.types)
            assert (a is None) == (b is None), (args, ev.lines)
            if a is not None:
                for name in SearchItems.FIELDS:
                    assert getattr(a, name) == getattr(b, name), (args, name, ev.lines)
            if fast._syscall_only_types is not None and \
                    fast._syscall_only_types.issuperset(ev.types):
                took += 1
    if fast._syscall_only_types is not None:
        assert took > 0


@pytest.mark.parametrize("args", OPTION_SETS, ids=" ".join)
def test_matcher_agrees_with_plain_comparison(args, tricky):
    """Shortcuts on (prefilters, check lists) == extract everything, compare all."""
    m = Matcher(_opts(args))
    plain = Matcher(_opts(args))
    plain.extractor._syscall_only_types = None
    hits = 0
    for path in INPUTS + [tricky]:
        for ev in _events(path):
            got = m.matches(ev)
            s = plain.extractor.extract(ev.lines, ev.types)
            want = (s is not None and all(c(ev) for c in plain._event_checks)
                    and all(c(ev) for c in plain._late_event_checks)
                    and plain._compare(s))
            assert got == want, (args, ev.lines)
            hits += got
    assert hits > 0, args


def test_failure_prefilter_rejects_plain_successes():
    m = Matcher(_opts(["-sv", "no"]))
    assert not m._text_may_match(SC.format(t="1.0", n=1, sc=2, ok="yes", pid=1, comm='"c"',
                                           key='"k"'))
    for ok in ("no", "maybe", "yesno"):
        assert m._text_may_match(SC.format(t="1.0", n=1, sc=2, ok=ok, pid=1, comm='"c"',
                                           key='"k"'))
    assert m._text_may_match("type=USER msg=audit(1.0:1): pid=1 msg='res=failed'")
    assert m._text_may_match("type=AVC msg=audit(1.0:1): avc:  denied  { read }")


def _env(stdin, stdout, stderr, pipe, **kw):
    return SearchEnv(stdin=stdin, stdout=stdout, stderr=stderr, stdin_is_pipe=pipe,
                     extra={"pipe_idle": None}, **kw)


DIFF_ARGS = [["-p", "4100"], ["-sv", "no"], ["-sv", "yes"], ["-sc", "openat", "-sv", "no"],
             ["-k", "k1"], ["-k", "sec"], ["-c", "success"], ["-ua", "1000"], ["-p", "4100", "-i"],
             ["--debug", "-m", "SYSCALL"], ["--debug", "-k", "net"], ["--debug", "-sv", "no"],
             ["--debug", "-n", "alpha"], ["--debug", "-p", "4100"], ["--escape", "shell"],
             ["--escape", "raw", "-sv", "no"]]


@pytest.mark.reference
@pytest.mark.parametrize("args", DIFF_ARGS, ids=" ".join)
def test_against_reference_with_stderr(args, tricky):
    for log in INPUTS + [tricky]:
        full = ["-if", log, *args]
        ref = run_reference("ausearch", full)
        ours = run_inprocess(main, _env, full + ["--no-index"])
        assert_same(ours, ref, compare_stderr=True)


def test_default_format_one_join_equals_line_by_line():
    """The default block: header, records newest first, escaped per --escape."""
    rng = random.Random(7)
    alphabet = "ab =\"'$()|;#&*?[]<>{}\x01\x1b\x7f\xe9\\\t"
    for esc in Escape:
        w = EventWriter(esc)
        for _ in range(300):
            lines = [f"type=CWD msg=audit(1795611300.{i:03d}:1): " +
                     "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
                     for i in range(rng.randrange(1, 5))]
            if rng.random() < 0.3:
                lines[rng.randrange(len(lines))] += "\x1dAUID=\"x\""
            ev = group_log_lines(lines)[0]
            body = [_raw_part(ln) for ln in reversed(ev.lines)]
            body = [escape_text(ln, esc) for ln in body]    # RAW: unchanged
            want = "----\ntime->" + w.ctime(ev.sec) + "\n".join(body) + "\n"
            assert w.default(ev) == want, (esc, lines)
