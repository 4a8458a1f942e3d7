"""``ausearch --format json``, ``aureport --format json`` and scan progress.

ausearch: one valid JSON object per event, the events exactly those the raw
format prints for the same flags, records and fields in log order, ``-i``
values equal to ``Interpreter.interpret``, latin-1 bytes round-trip.
aureport: every report (detailed and --summary, with and without -i)
gives one valid JSON document with as many rows as the text report.
Progress: drawn on a terminal (pty) and erased, never on a non-terminal.
"""
from __future__ import annotations

import glob
import gzip
import io
import json
import os
import pty
import re
from pathlib import Path

import pytest

from audix.analysis.cli import aureport, ausearch
from audix.analysis.interpret import Interpreter
from audix.analysis.record import parse_record
from audix.analysis.search import progress
from audix.analysis.search.runner import SearchEnv

HERE = Path(__file__).resolve().parent
CORPUS = Path("/work/shared/corpus")
LOGS = sorted(str(p) for p in CORPUS.glob("sample-*.log")) + sorted(
    glob.glob(str(HERE / "data" / "logs" / "mixed*.log")))

FLAGS = [[], ["-m", "SYSCALL"], ["-m", "CONFIG_CHANGE,DAEMON_START"], ["-k", "hosts"],
         ["-sv", "no"], ["-sc", "execve"], ["-x", "/usr/sbin/auditctl"], ["-ui", "0"],
         ["--session", "4294967295"], ["-ua", "4294967295"], ["-ts", "11/25/26", "12:53:44"]]


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("LC_ALL", "C")


def search(args: list[str], stderr=None) -> tuple[int, bytes, bytes]:
    out, err = io.BytesIO(), io.BytesIO()
    env = SearchEnv(stdin=io.BytesIO(), stdout=out, stderr=stderr or err, stdin_is_pipe=False,
                    extra={"pipe_idle": None})
    status = ausearch.main(args, env)
    return status, out.getvalue(), err.getvalue()


def report(args: list[str], stderr=None) -> tuple[int, bytes]:
    out = io.BytesIO()
    status = aureport.main(args, stdin=io.BytesIO(), stdout=out, stderr=stderr or io.BytesIO())
    return status, out.getvalue()


def json_events(data: bytes) -> list[dict]:
    text = data.decode("ascii")         # the JSON is written ASCII-only
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.split("\n")[:-1]]


def raw_events(data: bytes) -> list[list[str]]:
    """The --raw output cut into events (a new event when the stamp changes)."""
    events: list[list[str]] = []
    last = None
    for line in data.decode("latin-1").split("\n")[:-1]:
        line = line.rstrip("\x1d") if line.endswith("\x1d") and line.count("\x1d") == 1 \
            and line.index("\x1d") == len(line) - 1 else line
        rec = parse_record(line)
        key = rec.event_id
        if key != last:
            events.append([])
            last = key
        events[-1].append(line)
    return events


@pytest.mark.parametrize("flags", FLAGS, ids=" ".join)
@pytest.mark.parametrize("log", LOGS, ids=os.path.basename)
def test_events_and_fields_match_raw_output(log, flags):
    status_raw, raw, _ = search(["-if", log, "--raw", *flags])
    status, out, err = search(["-if", log, "--format", "json", *flags])
    assert status == status_raw
    events = json_events(out)
    expected = raw_events(raw)
    assert len(events) == len(expected)
    if not events:
        assert b"<no matches>" in err
    for ev, lines in zip(events, expected):
        first = parse_record(lines[0])
        assert (ev["node"], ev["time"], ev["serial"]) == (
            first.node, f"{first.sec}.{first.msec:03d}", first.serial)
        assert len(ev["records"]) == len(lines)
        for obj, line in zip(ev["records"], lines):
            rec = parse_record(line)
            assert obj["type"] == rec.type_name
            pairs = list(obj["fields"].items()) + [tuple(p) for p in obj.get("duplicates", [])]
            firsts = []
            seen = set()
            dups = []
            for name, value in rec.fields:
                (dups if name in seen else firsts).append((name, value))
                seen.add(name)
            assert pairs == firsts + dups
            if rec.enriched is not None:
                assert list(obj["enriched"]) == list(dict(rec.enriched_fields))
            else:
                assert "enriched" not in obj


@pytest.mark.parametrize("order", [["-i", "--format", "json"], ["--format", "json", "-i"]])
@pytest.mark.parametrize("log", LOGS, ids=os.path.basename)
def test_interpreted_values_equal_interpreter(log, order):
    status, out, _ = search(["-if", log, *order])
    _, raw, _ = search(["-if", log, "--raw"])
    assert status == 0
    interp = Interpreter()
    lines = [line for ev in raw_events(raw) for line in ev]
    objs = [obj for ev in json_events(out) for obj in ev["records"]]
    assert len(objs) == len(lines)
    changed = 0
    for obj, line in zip(objs, lines):
        rec = parse_record(line)
        want = {}
        for name, value in rec.fields:
            want.setdefault(name, interp.interpret(rec, name, value))
        assert obj["fields"] == want
        changed += sum(1 for n, v in rec.fields if want[n] != v)
    assert changed > 0          # -i did interpret something


def test_latin1_bytes_round_trip_and_duplicates(tmp_path):
    comm = bytes(range(0x80, 0x100))
    line = (b'type=USER_CMD msg=audit(1700000000.123:77): pid=1 uid=0 auid=0 ses=1 '
            b'msg=\'cwd="/" cmd=6C73 exe="/usr/bin/x" terminal=pts/0 res=success\' '
            b'note="' + comm + b'" note=second\n')
    log = tmp_path / "l.log"
    log.write_bytes(line)
    status, out, _ = search(["-if", str(log), "--format", "json"])
    assert status == 0
    out.decode("ascii")
    (ev,) = json_events(out)
    (rec,) = ev["records"]
    assert ev["node"] is None and ev["time"] == "1700000000.123" and ev["serial"] == 77
    assert rec["fields"]["note"].encode("latin-1") == b'"' + comm + b'"'
    assert rec["duplicates"] == [["note", "second"]]
    assert list(rec["fields"])[:3] == ["pid", "uid", "auid"]


def test_bad_format_word_still_rejected():
    status, _, err = search(["--format", "jsonx", "-if", LOGS[0]])
    assert status == 1 and b"Unknown option (jsonx)" in err


# --- aureport -------------------------------------------------------------------
REPORTS = ["", "-a", "-au", "-c", "-cr", "-e", "-f", "-h", "-k", "-l", "-m", "-ma", "-n",
           "-p", "-r", "-s", "-t", "-tm", "-u", "-x", "--comm", "--tty", "--virt",
           "--integrity"]


@pytest.fixture(scope="module")
def report_logs(tmp_path_factory) -> list[str]:
    d = tmp_path_factory.mktemp("json_logs")
    data = HERE / "data" / "aureport"
    out = []
    for name in ("raw.log.gz", "enriched-node.log.gz"):
        target = d / name[:-3]
        target.write_bytes(gzip.decompress((data / name).read_bytes()))
        out.append(str(target))
    out.append(str(data / "kernel-types.log"))
    return out + [p for p in LOGS if "sample" in p]


def text_rows(text: str) -> int:
    """Rows of a text report: lines after the title that are not rules, headers or notes."""
    n = 0
    for i, line in enumerate(text.split("\n")):
        if i <= 1 or not line or line.startswith("====") or line.startswith("# ") \
                or line.startswith("total  ") or line == "<no events of interest were found>":
            continue
        n += 1
    return n


# the default report and --tty have no --summary form
REPORT_CASES = [(rep, detail) for rep in REPORTS for detail in ("", "--summary", "-i", "--summary -i")
                if not (rep in ("--tty", "") and "--summary" in detail)]


@pytest.mark.parametrize("rep,detail", REPORT_CASES,
                         ids=[f"{r or 'default'}:{d or 'plain'}" for r, d in REPORT_CASES])
def test_every_report_is_json_with_the_text_rows(report_logs, rep, detail):
    args = (rep + " " + detail).split()
    nonempty = 0
    for log in report_logs:
        status_t, text = report([*args, "-if", log])
        status_j, data = report([*args, "-if", log, "--format", "json"])
        assert status_j == status_t
        doc = json.loads(data.decode("ascii"))
        rows = doc["rows"]
        assert len(rows) == text_rows(text.decode("latin-1")), log
        assert doc["report"] == text.decode("latin-1").split("\n")[1]
        nonempty += bool(rows)
        if doc["kind"] == "detailed":
            for i, row in enumerate(rows, 1):
                assert row["number"] == i
                assert list(row)[1:] == doc["columns"], row
            text_lines = [l for l in text.decode("latin-1").split("\n") if re.match(r"\d+\. ", l)]
            for row, line in zip(rows, text_lines):
                assert line == f"{row['number']}. " + " ".join(
                    str(v) for k, v in row.items() if k != "number")
        elif doc["kind"] == "summary":
            assert all(isinstance(r["total"], int) for r in rows)
    if rep == "-t" and "--summary" in args:
        assert doc["kind"] == "none" and status_j == 1
    elif rep in ("", "-e", "-x", "-f", "-s", "-p", "-t", "-u", "-c", "-a"):
        assert nonempty, "the test logs should fill this report"


def test_aureport_format_option_errors():
    status, out = report(["--format", "xml"])
    assert status == 1 and out.startswith(b"usage: aureport")


# --- progress ------------------------------------------------------------------------
def _pty_stderr():
    master, slave = pty.openpty()
    return master, os.fdopen(slave, "wb", buffering=0)


def _drain(master: int) -> bytes:
    data = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    return data


@pytest.mark.parametrize("tool", ["ausearch", "aureport"])
def test_progress_only_on_a_terminal(monkeypatch, tool):
    log = str(CORPUS / "sample-raw.log") if (CORPUS / "sample-raw.log").exists() else LOGS[0]
    monkeypatch.setattr(progress, "MIN_BYTES", 0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    run = (lambda err: search(["-if", log, "-m", "SYSCALL", "--no-index"], stderr=err)[0]) \
        if tool == "ausearch" \
        else (lambda err: report(["-if", log], stderr=err)[0])
    master, slave = _pty_stderr()
    status = run(slave)
    slave.close()
    seen = _drain(master)
    assert status == 0
    assert re.search(rb"\r" + tool.encode() + rb": \d+/\d+ MB \(\d+%\) [\d.]+ MB/s", seen)
    assert seen.endswith(b"\r")          # erased at the end
    assert b"100%" in seen
    # not a terminal: nothing
    err = io.BytesIO()
    run(err)
    assert b"MB/s" not in err.getvalue()


def test_no_progress_below_the_size_threshold(monkeypatch):
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    master, slave = _pty_stderr()
    search(["-if", LOGS[0]], stderr=slave)
    slave.close()
    assert b"MB/s" not in _drain(master)


def test_unparsable_lines_are_kept_whole():
    log = str(HERE / "data" / "aureport" / "malformed.log")
    _, raw, _ = search(["-if", log, "--raw"])
    _, out, _ = search(["-if", log, "--format", "json"])
    raw_lines = raw.decode("latin-1").split("\n")[:-1]
    objs = [obj for ev in json_events(out) for obj in ev["records"]]
    assert len(objs) == len(raw_lines)
    kept = [(obj, line) for obj, line in zip(objs, raw_lines) if "line" in obj]
    assert kept
    for obj, line in kept:
        assert obj["line"] == line
        assert obj["type"] == line.split("type=", 1)[1].split(" ", 1)[0]
        with pytest.raises(ValueError):
            parse_record(line)


def test_progress_while_the_index_is_built(monkeypatch, tmp_path):
    """Building the search index is the long read of a first search: it shows progress too."""
    log = str(CORPUS / "sample-raw.log") if (CORPUS / "sample-raw.log").exists() else LOGS[0]
    index_dir = tmp_path / "index"
    index_dir.mkdir(mode=0o700)
    monkeypatch.setenv("AUDIX_INDEX_DIR", str(index_dir))
    monkeypatch.setattr(progress, "MIN_BYTES", 0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    master, slave = _pty_stderr()
    status = search(["-if", log, "-m", "SYSCALL"], stderr=slave)[0]
    slave.close()
    seen = _drain(master)
    assert status == 0 and os.listdir(index_dir)          # the index was built
    assert re.search(rb"\rausearch: \d+/\d+ MB \(100%\) [\d.]+ MB/s", seen)
    assert seen.endswith(b"\r")
