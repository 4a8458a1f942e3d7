"""``ausearch --format csv|text`` (the normalizer, audix.analysis.normalize).

Differential: our ausearch vs /usr/sbin/ausearch (TZ=UTC LC_ALL=C) on the
shared corpus, the test logs, the interpretation golden logs and
data/normalize/longtail.log (made by make_longtail.py), plain and
with node= prefixes, every --extra-* option and a few --escape modes; plus
unit tests of auparse's cursor rules the normalizer depends on.
"""
from __future__ import annotations

import glob
import random
import os

import pytest

from audix.analysis.cli.ausearch import main
from audix.analysis.event import LogEvent
from audix.analysis.normalize import maps
from audix.analysis.normalize.probe import NORM_OPT_NO_ATTRS, LibAuparse, ProbeUnavailable, syscall_event
from audix.analysis.normalize.cursor import EventCursor
from audix.analysis.record import parse_record
from audix.analysis.search.options import Escape
from audix.analysis.search.output import FormatNotCovered, NormalizedFormats
from audix.analysis.search.runner import SearchEnv

from difftest import assert_same, run_inprocess, run_reference

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = "/work/shared/corpus"
LOGS = sorted(glob.glob(os.path.join(CORPUS, "*.log"))
              + glob.glob(os.path.join(HERE, "data", "logs", "*.log"))
              + glob.glob(os.path.join(HERE, "golden", "interpret", "*.log"))
              + glob.glob(os.path.join(HERE, "data", "normalize", "*.log")))

FORMATS = [
    ["--format", "text"],
    ["--format", "csv"],
    ["--format", "csv", "--extra-keys", "--extra-labels", "--extra-obj2", "--extra-time"],
]


def make_env(stdin, stdout, stderr, pipe, **kw):
    return SearchEnv(stdin=stdin, stdout=stdout, stderr=stderr, stdin_is_pipe=pipe,
                     extra={"pipe_idle": None}, **kw)


def compare(args: list[str]) -> None:
    ref = run_reference("ausearch", args)
    ours = run_inprocess(main, make_env, args)
    assert_same(ours, ref)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: " ".join(f[1:]))
@pytest.mark.parametrize("log", LOGS, ids=os.path.basename)
def test_formats_match_reference(log, fmt):
    compare([*fmt, "-if", log])


@pytest.fixture(scope="module")
def node_logs(tmp_path_factory):
    """The golden edge cases and the enriched sample with ``node=`` prefixes."""
    out = []
    for src in (os.path.join(HERE, "golden", "interpret", "edge-cases.log"),
                os.path.join(CORPUS, "sample-enriched.log")):
        if not os.path.exists(src):
            continue
        with open(src, "rb") as f:
            data = f.read()
        dst = tmp_path_factory.mktemp("node") / os.path.basename(src)
        dst.write_bytes(b"".join(b"node=host1 " + line + b"\n"
                                 for line in data.split(b"\n") if line))
        out.append(str(dst))
    return out


@pytest.mark.parametrize("fmt", FORMATS + [["--format", "text", "--escape", "raw"],
                                           ["--format", "csv", "--escape", "shell"]],
                         ids=lambda f: " ".join(f[1:]))
def test_formats_with_node_match_reference(node_logs, fmt):
    assert node_logs
    for log in node_logs:
        compare([*fmt, "-if", log])


def test_second_zero_event_matches_reference(tmp_path):
    """auparse treats second 0 as no event: nothing found, node '(null)'."""
    log = tmp_path / "zero.log"
    body = ("arch=c000003e syscall=2 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 "
            "pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
            'tty=pts0 ses=3 comm="x" exe="/x" key="k"')
    log.write_text(f"node=n1 type=SYSCALL msg=audit(0.000:5): {body}\n"
                   f"type=SYSCALL msg=audit(1700000000.000:6): {body}\n")
    for fmt in FORMATS:
        compare([*fmt, "-if", str(log)])


def test_formats_with_search_options_match_reference():
    log = os.path.join(CORPUS, "sample-raw.log")
    for extra in (["-m", "SYSCALL", "-sc", "openat"], ["-k", "hosts"], ["-m", "CONFIG_CHANGE"]):
        for fmt in FORMATS[:2]:
            compare([*fmt, *extra, "-if", log])


# --- units: auparse's cursor rules --------------------------------------------
def _cursor(*lines: str) -> EventCursor:
    return EventCursor([parse_record(line) for line in lines])


def test_find_field_searches_on_into_later_records():
    c = _cursor("type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=2 key=(null)",
                'type=CWD msg=audit(1.000:1): cwd="/"')
    assert c.find_field("cwd") == '"/"'
    assert c.location == (1, 1)
    c.first_record()
    assert c.find_field("nothere") is None and c.rec is None     # ran off the end


def test_find_field_fails_on_the_last_field_of_a_record():
    c = _cursor("type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=2",
                'type=CWD msg=audit(1.000:1): cwd="/"')
    c.goto_field(2)
    assert c.find_field("cwd") is None
    assert c.location == (0, 2)


def test_fields_like_auparse():
    c = _cursor("node=n type=USER_LOGIN msg=audit(1.000:1): pid=1 acct=root: x= "
                "exe=(null) key=610162")
    rec = c.records[0]
    assert rec.names == ["node", "type", "pid", "acct", "exe", "key", "key"]
    assert rec.values[3] == "root" and rec.values[4] == "(null)"
    assert rec.values[5:] == ['"a"', '"b"']


def test_avc_gets_seresult_and_seperms():
    c = _cursor("type=AVC msg=audit(1.000:1): avc:  denied  { read write } for  pid=1 "
                "comm=\"x\" tclass=file")
    rec = c.records[0]
    assert rec.names[:3] == ["type", "seresult", "seperms"]
    assert rec.values[1:3] == ["denied", "read,write"]


def test_unparsable_event_is_a_clear_error_not_output():
    ev = LogEvent(1, 0, 1, None, 1300, 0)
    ev.lines.append("type=SYSCALL no time stamp")
    ev.types.append(1300)
    fmts = NormalizedFormats(Escape.TTY)
    with pytest.raises(FormatNotCovered, match="--format text is not implemented"):
        fmts.text(ev)


# --- mutated logs: dropped/emptied/moved fields, duplicate stamps ---------------
_MUTATIONS = ["uid=-1", "auid=4294967295", "key=(null)", "x", "success=no", "nametype=PARENT",
              "syscall=59", "arch=40000003", "name=(null)", "mode=0140777"]


def _mutated_log(seed: int) -> str:
    rnd = random.Random(seed)
    src = []
    for path in (os.path.join(HERE, "data", "normalize", "longtail.log"),
                 os.path.join(HERE, "golden", "interpret", "edge-cases.log"),
                 os.path.join(CORPUS, "sample-enriched.log")):
        if os.path.exists(path):
            with open(path, encoding="latin-1") as f:
                src += [line for line in f.read().split("\n") if line]
    out = []
    for _ in range(300):
        head, sep, body = rnd.choice(src).partition("): ")
        toks = body.split(" ")
        for _ in range(rnd.randint(0, 3)):
            if not toks:
                break
            op, j = rnd.random(), rnd.randrange(len(toks))
            if op < 0.3:
                del toks[j]
            elif op < 0.5:
                toks[j] = toks[j].split("=")[0] + "="
            elif op < 0.7:
                toks.insert(j, rnd.choice(_MUTATIONS))
            else:
                rnd.shuffle(toks)
        out.append(head + sep + " ".join(toks))
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("seed", [1, 2, 6, 7, 8])
def test_mutated_logs_match_reference(tmp_path, seed):
    log = tmp_path / "mutated.log"
    log.write_bytes(_mutated_log(seed).encode("latin-1"))
    for fmt in (FORMATS[0], FORMATS[2]):
        args = [*fmt, "-if", str(log)]
        assert_same(run_inprocess(main, make_env, args), run_reference("ausearch", args),
                    compare_stderr=True)


# --- the installed libauparse as an oracle for every mapped syscall ----------
def _libauparse():
    try:
        return LibAuparse()
    except ProbeUnavailable as exc:
        pytest.skip(str(exc))


def test_every_mapped_syscall_normalizes_like_libauparse():
    from audix.analysis.interpret import Interpreter
    from audix.analysis.normalize.view import EventView
    from audix.analysis.tables.syscalls import SYSCALL_NUMBERS
    lib = _libauparse()
    interp = Interpreter()
    numbers = SYSCALL_NUMBERS["x86_64"]
    checked = 0
    for name in sorted(maps.SYSCALL_KINDS):
        if name not in numbers:
            continue
        lines = syscall_event(0xC000003E, numbers[name], serial=numbers[name] + 1)
        got = lib.normalize(lines, NORM_OPT_NO_ATTRS)
        assert got is not None, name
        want = (got.action, got.object_kind)
        view = EventView(lines, interp)
        assert (view.n.action, view.n.obj_kind) == want, name
        checked += 1
    assert checked > 50
