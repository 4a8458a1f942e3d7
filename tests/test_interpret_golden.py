"""Every record of the golden logs: our ``ausearch -i`` line equals the reference's.

The expected lines were produced by the reference ``/usr/sbin/ausearch -i``
(one record at a time, LC_ALL=C, TZ as recorded) by
tests/golden/make_interpret_golden.py; the uid/gid names it saw are in
names.json and injected here, so the comparison does not depend on this
machine's user database.
"""
from __future__ import annotations

import gzip
import json
import os
import time
from pathlib import Path

import pytest

from audix.analysis.interpret import EscapeMode, Interpreter, NameLookup
from audix.analysis.record import parse_record

GOLDEN = Path(__file__).resolve().parent / "golden" / "interpret"
GOLDEN_FILES = sorted(p.name[: -len(".golden.json.gz")] for p in GOLDEN.glob("*.golden.json.gz"))


def load_golden(name: str) -> tuple[dict, list[str]]:
    with gzip.open(GOLDEN / f"{name}.golden.json.gz", "rt", encoding="ascii") as f:
        data = json.load(f)
    lines = (GOLDEN / data["input"]).read_bytes().decode("latin-1").split("\n")[:-1]
    if data["strip_enriched"]:
        lines = [line.split("\x1d", 1)[0] for line in lines]
    return data, lines[: len(data["tty"])]


@pytest.fixture(scope="module")
def names() -> NameLookup:
    table = json.loads((GOLDEN / "names.json").read_text())
    return NameLookup({int(k): v for k, v in table["uids"].items()},
                      {int(k): v for k, v in table["gids"].items()})


@pytest.fixture
def timezone():
    """Switch the process's TZ for a test (time.localtime follows it)."""
    saved = os.environ.get("TZ")

    def switch(tz: str) -> None:
        os.environ["TZ"] = tz
        time.tzset()

    yield switch
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def cases() -> list[tuple[str, str]]:
    out = []
    for name in GOLDEN_FILES:
        data, _ = load_golden(name)
        out += [(name, mode) for mode in ("tty", "raw", "shell", "shell_quote") if mode in data]
    return out


@pytest.mark.parametrize("name,mode", cases())
def test_golden_lines(name, mode, names, timezone):
    data, lines = load_golden(name)
    timezone(data["tz"])
    assert lines, "empty golden input"
    mismatches = []
    checked = 0
    for i, line in enumerate(lines):
        expected = data["tty"][i] if mode == "tty" else data[mode].get(str(i), data["tty"][i])
        if expected is None:  # the reference printed nothing for this line
            continue
        checked += 1
        # each record was searched alone: a fresh interpreter (no a0/a1 carried over)
        got = Interpreter(EscapeMode(mode), names=names).format_record(parse_record(line))
        if got != expected:
            mismatches.append(f"line {i + 1}: {line!r}\n  expected {expected!r}\n  got      {got!r}")
    assert checked > 0
    assert not mismatches, f"{len(mismatches)} of {checked} differ:\n" + "\n".join(mismatches[:5])


def test_golden_corpus_is_present():
    expected = {"sample-raw", "sample-enriched", "edge-cases", "workload-raw", "workload-enriched"}
    assert expected <= set(GOLDEN_FILES)


@pytest.mark.parametrize("name", ["edge-cases", "workload-enriched", "sample-raw"])
def test_one_interpreter_for_all_lines(name, names, timezone):
    """Same results when one Interpreter (and its value cache) formats every line."""
    data, lines = load_golden(name)
    timezone(data["tz"])
    interp = Interpreter(EscapeMode.TTY, names=names)
    for i, line in enumerate(lines):
        if data["tty"][i] is None:
            continue
        interp.last_a0 = interp.last_a1 = 0   # as if searched alone, like the golden
        assert interp.format_record(parse_record(line)) == data["tty"][i], line
