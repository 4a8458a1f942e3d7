"""The search index never changes an answer.

Every test compares ausearch with the index against ``--no-index`` (the
scan, itself compared with the reference in test_ausearch_diff.py) on the
same logs: after appends (whole and cut lines), rotations, a rotation that
drops the oldest file, copytruncate, edits in place, read-only use, and
hostile or corrupt index files.  A few runs also compare with the
reference directly.  The grouping state the index saves is checked to
resume exactly at every line of the test logs.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

from audix.analysis.cli.ausearch import main
from audix.analysis.event import LogGrouper
from audix.analysis.index import sidecar
from audix.analysis.index.answer_cache import pack, query_key, unpack
from audix.analysis.index.terms import event_terms
from audix.analysis.search.options import parse_args
from audix.analysis.search.runner import SearchEnv

from difftest import assert_same, run_inprocess, run_reference

HERE = os.path.dirname(os.path.abspath(__file__))
LOGS = os.path.join(HERE, "data", "logs")
CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "corpus"))
if not os.path.isdir(CORPUS):
    CORPUS = "/work/shared/corpus"
MIXED = os.path.join(LOGS, "mixed.log")
SOURCES = [MIXED, os.path.join(LOGS, "mixed-enriched.log"),
           os.path.join(CORPUS, "sample-raw.log"), os.path.join(CORPUS, "sample-enriched.log")]


def make_env(stdin, stdout, stderr, pipe, **kw):
    return SearchEnv(stdin=stdin, stdout=stdout, stderr=stderr, stdin_is_pipe=pipe,
                     extra={"pipe_idle": None}, **kw)


def ours(args):
    return run_inprocess(main, make_env, args)


def source_bytes() -> bytes:
    return b"".join(open(p, "rb").read() for p in SOURCES if os.path.exists(p))


def stamp(sec: int) -> list[str]:
    t = time.gmtime(sec)
    return [time.strftime("%m/%d/%Y", t), time.strftime("%H:%M:%S", t)]


def queries_for(data: bytes) -> list[list[str]]:
    secs = sorted({int(m) for m in re.findall(rb"msg=audit\((\d+)\.", data)})
    lo, hi = secs[len(secs) // 3], secs[2 * len(secs) // 3]
    return [
        ["-m", "SYSCALL"], ["-m", "EXECVE,USER_AUTH"], ["-m", "CONFIG_CHANGE", "-i"],
        ["-k", "files"], ["-k", "net"], ["-k", "exec"], ["-w", "-k", "second"], ["-k", "nomatch"],
        ["-p", "4000"], ["-p", "16705"], ["-pp", "3999"], ["-p", "4294967295"],
        ["-sc", "openat"], ["-sc", "connect", "-sv", "yes"], ["-sc", "openat", "-sv", "no"],
        ["-sc", "0"], ["-c", "cat"], ["-x", "/usr/bin/cat"], ["-x", "null"], ["-a", "11"],
        ["-n", "alpha"], ["-m", "SYSCALL", "--format", "json"], ["-k", "files", "--format", "csv"],
        ["--just-one", "-m", "SYSCALL"], ["-ts", *stamp(lo)], ["-te", *stamp(lo)],
        ["-ts", *stamp(lo), "-te", *stamp(hi), "-k", "files"], ["-ts", *stamp(hi), "-i"],
        ["-ua", "0"], ["-r"],
    ]


def compare_modes(target: str, queries, index_dir: str) -> None:
    """Each query: the scan's and the index's answers are identical."""
    for q in queries:
        scan = ours(["-if", target, *q, "--no-index"])
        indexed = ours(["-if", target, *q])
        where = f"{q} on {target}"
        assert indexed.status == scan.status, where
        assert indexed.stdout == scan.stdout, where
        assert indexed.stderr == scan.stderr, where
    assert os.listdir(index_dir), "the index was never written"


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    """Index blocks of ~2 KB, so time windows really skip lines in these small logs."""
    from audix.analysis.index import reader
    monkeypatch.setattr(reader, "CHUNK", 2048)


@pytest.fixture
def index_dir(tmp_path, monkeypatch):
    d = tmp_path / "ix"
    d.mkdir(mode=0o700)
    monkeypatch.setenv(sidecar.INDEX_DIR_ENV, str(d))
    return str(d)


def cuts(data: bytes, steps: int) -> list[int]:
    """Deterministic cut points, some inside lines, some at line ends."""
    n = len(data)
    points = sorted({n * k // steps for k in range(1, steps)} |
                    {data.rfind(b"\n", 0, n * k // steps) + 1 for k in range(1, steps, 2)})
    return [p for p in points if 0 < p < n] + [n]


def rotate(d: str, keep: int | None = None) -> None:
    """auditd's rotation: audit.log.N -> N+1, audit.log -> .1, a new audit.log."""
    n = 1
    while os.path.exists(os.path.join(d, f"audit.log.{n}")):
        n += 1
    for k in range(n - 1, 0, -1):
        os.rename(os.path.join(d, f"audit.log.{k}"), os.path.join(d, f"audit.log.{k + 1}"))
    os.rename(os.path.join(d, "audit.log"), os.path.join(d, "audit.log.1"))
    open(os.path.join(d, "audit.log"), "wb").close()
    if keep is not None:
        k = keep + 1
        while os.path.exists(os.path.join(d, f"audit.log.{k}")):
            os.unlink(os.path.join(d, f"audit.log.{k}"))
            k += 1


def append(path: str, chunk: bytes) -> None:
    with open(path, "ab") as f:
        f.write(chunk)


# --- the grouping state resumes exactly ------------------------------------------------
@pytest.mark.parametrize("src", SOURCES, ids=os.path.basename)
def test_grouping_resumes_exactly_at_every_line(src):
    if not os.path.exists(src):
        pytest.skip(f"{src} absent")
    lines = open(src, "rb").read().decode("latin-1").split("\n")

    def released(events):
        return [(e.sec, e.msec, e.serial, e.node, tuple(e.lines), tuple(e.types)) for e in events]

    whole: list = []
    g = LogGrouper(2, errors=[])
    g.add_lines(lines, whole, locs=list(range(len(lines))))
    g.finish(whole)
    for k in range(0, len(lines) + 1, max(1, len(lines) // 60)):
        out: list = []
        g1 = LogGrouper(2, errors=[])
        g1.add_lines(lines[:k], out, locs=list(range(k)))
        state = json.loads(json.dumps(g1.snapshot()))
        g2 = LogGrouper.restore(state, errors=[])
        g2.add_lines(lines[k:], out, locs=list(range(k, len(lines))))
        g2.finish(out)
        assert released(out) == released(whole), f"split at line {k}"
        assert [e.locs for e in out] == [e.locs for e in whole]


# --- appends, rotations, truncation ------------------------------------------------------
def test_single_file_growing_in_pieces(tmp_path, index_dir):
    data = source_bytes()
    log = str(tmp_path / "audit.log")
    open(log, "wb").close()
    queries = queries_for(data)
    done = 0
    for i, cut in enumerate(cuts(data, 7)):
        append(log, data[done:cut])
        done = cut
        compare_modes(log, queries if i % 2 == 0 or cut == len(data) else queries[:8], index_dir)


def test_rotations_and_a_dropped_oldest_file(tmp_path, index_dir):
    data = source_bytes()
    d = tmp_path / "logs"
    d.mkdir()
    log = str(d / "audit.log")
    open(log, "wb").close()
    queries = queries_for(data)
    done = 0
    for i, cut in enumerate(cuts(data, 9)):
        append(log, data[done:cut])
        done = cut
        if i in (2, 4, 6):
            rotate(str(d), keep=2 if i == 6 else None)
        compare_modes(str(d), queries[:10] + queries[-6:], index_dir)
    assert os.path.exists(str(d / "audit.log.2")) and not os.path.exists(str(d / "audit.log.3"))


def test_copytruncate_and_edit_in_place_rebuild(tmp_path, index_dir):
    data = source_bytes()
    d = tmp_path / "logs"
    d.mkdir()
    log = str(d / "audit.log")
    half = data.rfind(b"\n", 0, len(data) // 2) + 1
    queries = queries_for(data)[:12]
    append(log, data[:half])
    compare_modes(str(d), queries, index_dir)
    # copytruncate: the old text moves to a new file, the same inode starts again
    shutil.copyfile(log, str(d / "audit.log.1"))
    os.truncate(log, 0)
    append(log, data[half:])
    compare_modes(str(d), queries, index_dir)
    # an edit that keeps the size: a different serial in the middle of the file
    text = open(log, "rb").read()
    edited = re.sub(rb"(msg=audit\(\d+\.\d+:)(\d)", lambda m: m.group(1) + b"9", text, count=3)
    assert len(edited) == len(text) and edited != text
    with open(log, "r+b") as f:
        f.write(edited)
    compare_modes(str(d), queries, index_dir)


def test_growing_log_agrees_with_the_reference(tmp_path, index_dir):
    if not os.path.exists("/usr/sbin/ausearch"):
        pytest.skip("reference ausearch not installed")
    data = source_bytes()
    d = tmp_path / "logs"
    d.mkdir()
    log = str(d / "audit.log")
    first = data.rfind(b"\n", 0, len(data) // 2) + 1
    append(log, data[:first])
    ours(["-if", str(d), "-k", "files"])          # builds the index
    rotate(str(d))
    append(log, data[first:])
    for q in queries_for(data)[:10]:
        assert_same(ours(["-if", str(d), *q]), run_reference("ausearch", ["-if", str(d), *q]))


# --- time windows against the reference (ausearch and aureport) -------------------------
def _windows(path: str) -> list[list[str]]:
    secs = sorted({int(m) for m in re.findall(rb"msg=audit\((\d+)\.", open(path, "rb").read())})
    a, b, c = secs[len(secs) // 4], secs[len(secs) // 2], secs[-1]
    return [["-ts", *stamp(a)], ["-te", *stamp(a)], ["-ts", *stamp(a), "-te", *stamp(b)],
            ["-ts", *stamp(c)], ["-ts", *stamp(b), "-te", *stamp(b)]]


def _c_stamp(args: list[str]) -> list[str]:
    """ausearch/aureport read dates as %x: MM/DD/YY in the C locale."""
    return [re.sub(r"^(\d\d)/(\d\d)/\d\d(\d\d)$", r"\1/\2/\3", a) for a in args]


@pytest.mark.parametrize("src", SOURCES, ids=os.path.basename)
def test_time_windows_read_through_the_index_match_the_reference(src, index_dir):
    if not os.path.exists(src) or not os.path.exists("/usr/sbin/ausearch"):
        pytest.skip("log or reference absent")
    from audix.analysis.cli.aureport import main as aureport_main
    from difftest import Result, _C_Locale_UTC
    import io

    def aureport(args):
        out, err = io.BytesIO(), io.BytesIO()
        with _C_Locale_UTC():
            status = aureport_main(args, stdin=io.BytesIO(), stdout=out, stderr=err)
        return Result(out.getvalue(), err.getvalue(), status)

    ours(["-if", src, "-k", "files"])                  # build the index (2 KB blocks)
    (path,) = os.listdir(index_dir)
    blocks = sqlite3.connect(os.path.join(index_dir, path)).execute(
        "SELECT count(*) FROM blocks").fetchone()[0]
    assert blocks > 3
    for w in _windows(src):
        w = _c_stamp(w)
        for q in (["-i"], ["-k", "files"], ["-m", "SYSCALL", "--format", "csv"]):
            args = ["-if", src, *w, *q]
            assert_same(ours(args), run_reference("ausearch", args), compare_stderr=True)
        for r in ([], ["-x"], ["-t"], ["-e", "--summary"], ["-au", "-i"]):
            args = ["-if", src, *r, *w]
            assert_same(aureport(args), run_reference("aureport", args), compare_stderr=True)


# --- what the index file holds ----------------------------------------------------------
def test_repeated_query_is_answered_from_memory_of_the_last(tmp_path, index_dir):
    data = source_bytes()
    log = str(tmp_path / "audit.log")
    half = data.rfind(b"\n", 0, len(data) // 2) + 1
    append(log, data[:half])
    first = ours(["-if", log, "-k", "files"])
    (path,) = [os.path.join(index_dir, n) for n in os.listdir(index_dir)]
    db = sqlite3.connect(path)
    (count,) = db.execute("SELECT count(*) FROM answers").fetchone()
    assert count == 1
    again = ours(["-if", log, "-k", "files"])
    assert again.stdout == first.stdout and again.status == first.status
    append(log, data[half:])
    grown = ours(["-if", log, "-k", "files"])
    assert grown.stdout == ours(["-if", log, "-k", "files", "--no-index"]).stdout
    assert grown.stdout.startswith(first.stdout.rstrip(b"\n")[:200])


def test_index_file_is_private_and_lives_beside_the_log(tmp_path, monkeypatch):
    monkeypatch.delenv(sidecar.INDEX_DIR_ENV, raising=False)
    d = tmp_path / "logs"
    d.mkdir(mode=0o700)
    log = d / "a.log"
    shutil.copyfile(MIXED, log)
    assert ours(["-if", str(log), "-k", "files"]).status == 0
    side = d / ".a.log.audix-index-file"
    assert side.exists() and (side.stat().st_mode & 0o777) == 0o600
    assert ours(["-if", str(d), "-k", "files"]).status in (0, 1)
    # a directory others may write to gets no index at all
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    shutil.copyfile(MIXED, shared / "a.log")
    assert ours(["-if", str(shared / "a.log"), "-k", "files"]).status == 0
    assert sorted(os.listdir(shared)) == ["a.log"]


@pytest.mark.parametrize("attack", ["symlink", "group-writable", "garbage", "other-owner"])
def test_untrusted_or_broken_index_files_change_nothing(tmp_path, index_dir, attack):
    log = str(tmp_path / "audit.log")
    shutil.copyfile(MIXED, log)
    path = sidecar.sidecar_path(log, "file")
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    if attack == "symlink":
        os.symlink(victim, path)
    elif attack == "group-writable":
        ours(["-if", log, "-k", "files"])
        os.chmod(path, 0o660)
    elif attack == "garbage":
        with open(path, "wb") as f:
            f.write(b"not a database" * 100)
        os.chmod(path, 0o600)
    else:
        ours(["-if", log, "-k", "files"])
        os.chown(path, 65534, 65534)
    for q in (["-k", "files"], ["-m", "SYSCALL"], ["-ts", *stamp(1795611225)]):
        scan = ours(["-if", log, *q, "--no-index"])
        got = ours(["-if", log, *q])
        assert (got.stdout, got.stderr, got.status) == (scan.stdout, scan.stderr, scan.status)
    assert victim.read_bytes() == b"precious\n"
    if attack == "garbage":
        # replaced by a good index (it was ours to write)
        assert sqlite3.connect(path).execute("SELECT count(*) FROM events").fetchone()[0] > 0


def test_read_only_logs_scan_or_read_a_current_index(tmp_path, monkeypatch):
    """On a read-only file system: no index is created, an existing one is
    read as it is (and what it lacks is scanned), never an error."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) for a private read-only bind mount")
    d = tmp_path / "ro"
    d.mkdir(mode=0o700)
    log = d / "audit.log"
    shutil.copyfile(MIXED, log)
    monkeypatch.delenv(sidecar.INDEX_DIR_ENV, raising=False)
    env = {**os.environ, "TZ": "UTC", "LC_ALL": "C"}
    env.pop(sidecar.INDEX_DIR_ENV, None)

    def run_read_only(*args):
        script = ('mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && '
                  'exec "$@"')
        p = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                            "sh", str(d), sys.executable, "-m", "audix.analysis.cli.ausearch",
                            "-if", str(log), *args], capture_output=True, env=env, timeout=60)
        return p.stdout, p.stderr, p.returncode

    want = run_read_only("-k", "files", "--no-index")
    assert want[2] == 0 and want[0]
    assert run_read_only("-k", "files") == want
    assert sorted(os.listdir(d)) == ["audit.log"]          # nothing written
    side = d / ".audit.log.audix-index-file"
    ours(["-if", str(log), "-k", "net"])                    # an index made while writable
    append(str(log), open(os.path.join(CORPUS, "sample-raw.log"), "rb").read())
    before = side.stat().st_mtime_ns
    for q in (["-k", "files"], ["-m", "SYSCALL"], ["-ts", *stamp(1795611225)]):
        assert run_read_only(*q) == run_read_only(*q, "--no-index")
    assert side.stat().st_mtime_ns == before


def test_tampered_log_is_detected_not_misread(tmp_path, index_dir):
    log = str(tmp_path / "audit.log")
    shutil.copyfile(MIXED, log)
    ours(["-if", log, "-k", "files"])
    st = os.stat(log)
    text = bytearray(open(log, "rb").read())
    i = text.index(b"type=CWD")
    text[i:i + 8] = b"type=XXX"                       # same size, mtime put back
    open(log, "wb").write(bytes(text))
    os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns))
    got = ours(["-if", log, "-k", "files"])
    scan = ours(["-if", log, "-k", "files", "--no-index"])
    if got.stdout != scan.stdout:
        # undetectable by size/mtime/hashes: then it must stop with one clear line
        assert got.status == 1 and got.stderr.count(b"\n") == 1
        assert b"index" in got.stderr
        assert ours(["-if", log, "-k", "files"]).stdout == scan.stdout
    else:
        assert got.status == scan.status


def test_concurrent_searches_share_one_index(tmp_path, index_dir):
    """Several searches at once on a log being appended to: each answer is
    the scan's answer for the log as that search found it."""
    data = source_bytes()
    log = str(tmp_path / "audit.log")
    half = data.rfind(b"\n", 0, len(data) // 2) + 1
    append(log, data[:half])
    env = {**os.environ, "TZ": "UTC", "LC_ALL": "C"}
    cmd = [sys.executable, "-m", "audix.analysis.cli.ausearch", "-if", log]
    queries = [["-k", "files"], ["-m", "SYSCALL"], ["-p", "4000"], ["-sc", "openat"]]
    procs = [subprocess.Popen(cmd + q, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
             for q in queries]
    outs = [p.communicate(timeout=120) for p in procs]
    for q, (out, err) in zip(queries, outs):
        scan = ours(["-if", log, *q, "--no-index"])
        assert (out, err) == (scan.stdout, scan.stderr), q
    append(log, data[half:])
    procs = [subprocess.Popen(cmd + q, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
             for q in queries * 2]
    outs = [p.communicate(timeout=120) for p in procs]
    for q, (out, err) in zip(queries * 2, outs):
        scan = ours(["-if", log, *q, "--no-index"])
        assert (out, err) == (scan.stdout, scan.stderr), q


# --- narrowing columns ------------------------------------------------------------------
def test_terms_keep_every_way_a_value_can_be_read():
    line = ('type=SYSCALL msg=audit(1.000:1): syscall=0042 ppid=-1 pid=8589934593 '
            'comm="pid=77 key=x" exe=2F62696E2F6C73 key=61620163 subj=?')
    t = event_terms([line])
    assert t.syscalls == ",42,"
    assert ",*," in t.pids and ",1," in t.pids and ",77," in t.pids
    assert "\nab\x01c\n" in t.keys and "\nx" in t.keys     # x" read as a raw word
    assert "\n/bin/ls\n" in t.exes and "\npid=77 key=x\n" in t.comms
    assert event_terms(["type=CWD msg=audit(1.000:1): cwd=\"/\""]).pids is None


@pytest.mark.parametrize("src", SOURCES + [os.path.join(LOGS, "bad.log")], ids=os.path.basename)
def test_fast_terms_equal_the_careful_search(src):
    if not os.path.exists(src):
        pytest.skip(f"{src} absent")
    from audix.analysis.index.terms import careful_terms
    lines = open(src, "rb").read().decode("latin-1").split("\n")
    tricky = ['comm="a pid=5" exe=(null key=(x) y)', "pid= 4 syscall=-1 exe=(a)b key=00",
              'key="unterminated pid=9', "ppid=0012 pid=4294967297 syscall=12abc"]
    for text in lines + tricky + ["\n".join(lines[i:i + 7]) for i in range(0, len(lines), 7)]:
        assert event_terms([text]) == careful_terms(text), text


def test_answer_cache_key_ignores_output_options_only():
    def key(*args):
        return query_key(parse_args(["-k", "x", *args]).options)
    assert key() == key("-i") == key("--format", "json") == key("--just-one")
    assert key() != key("-p", "1")
    assert unpack(pack([0, 5, 6, 1 << 40])) == [0, 5, 6, 1 << 40]


def test_no_index_writes_nothing(tmp_path, index_dir):
    log = str(tmp_path / "audit.log")
    shutil.copyfile(MIXED, log)
    ours(["-if", log, "-k", "files", "--no-index"])
    ours(["-if", log, "--checkpoint", str(tmp_path / "cp"), "-k", "files"])
    ours(["-if", log, "--debug", "-k", "files"])
    ours(["-if", log])                          # nothing to narrow on
    assert os.listdir(index_dir) == []
