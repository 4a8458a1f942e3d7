"""LineWindow: skipping blocks outside -ts/-te never changes the grouping."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from audix.analysis.event import LogGrouper
from audix.analysis.search.window import LineWindow, digits_above, digits_below, window_for

HERE = Path(__file__).parent
CORPUS = Path("/work/shared/corpus")


def _logs() -> list[Path]:
    found = [p for p in (CORPUS / "sample-raw.log", CORPUS / "sample-enriched.log") if p.exists()]
    found += sorted((HERE / "data" / "logs").glob("*.log"))
    found += sorted((HERE / "golden" / "interpret").glob("*.log"))
    return [p for p in found if p.stat().st_size]


def _group(blocks, start, end, window):
    """(events as (sec, msec, serial, node, lines), errors) of the blocks."""
    g = LogGrouper(2, start, end, errors=[])
    out: list = []
    skipped = 0
    for block in blocks:
        if window is not None:
            kept = window.keep(block)
            if not kept:
                skipped += 1
                continue
            block = kept
        g.add_lines(block, out)
    g.finish(out)
    return [(e.sec, e.msec, e.serial, e.node, tuple(e.lines)) for e in out], g.errors, skipped


def _blocks(lines: list[str], size: int) -> list[list[str]]:
    return [lines[i:i + size] for i in range(0, len(lines), size)]


@pytest.mark.parametrize("bound", ["100000", "1795612785", "999999", "1000009", "5099999990"])
def test_digit_ranges_are_exact(bound):
    below = re.compile(digits_below(bound)) if digits_below(bound) else None
    above = re.compile(digits_above(bound))
    rng = random.Random(bound)
    n = int(bound)
    width = len(bound)
    samples = {n - 1, n, n + 1, 0, 10 ** width - 1, 10 ** width, 10 ** (width - 1)}
    samples |= {rng.randrange(0, 10 ** (width + 2)) for _ in range(3000)}
    samples |= {n + rng.randrange(-50, 50) for _ in range(200)}
    for v in sorted(x for x in samples if x >= 0):
        for text in (str(v), str(v).zfill(width), "0" + str(v)):
            in_below = below is not None and below.fullmatch(text) is not None
            in_above = above.fullmatch(text) is not None
            # below: same width, smaller; above: larger, same width or longer without a 0 lead
            assert in_below == (len(text) == width and int(text) < n), (bound, text)
            assert in_above == (int(text) > n and (len(text) == width or (
                width < len(text) <= 15 and text[0] != "0"))), (bound, text)


def test_no_window_or_tiny_bounds_skip_nothing():
    assert window_for(0, 0) is None
    assert window_for(12, 0) is None            # too few digits for the fast path
    w = window_for(0, 1795612785)
    assert w is not None and w.active


@pytest.mark.parametrize("log", _logs(), ids=lambda p: p.name)
def test_skipping_changes_nothing_on_real_logs(log):
    lines = log.read_bytes().decode("latin-1").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    secs = sorted({int(m.group(1)) for m in
                   (re.search(r"msg=audit\((\d+)\.", ln) for ln in lines) if m})
    if not secs:
        pytest.skip("no time stamps")
    picks = {secs[0], secs[len(secs) // 3], secs[len(secs) // 2], secs[-1]}
    windows = [(s, 0) for s in picks] + [(0, e) for e in picks]
    windows += [(secs[len(secs) // 4], secs[3 * len(secs) // 4]), (secs[-1] + 1, 0),
                (0, secs[0] - 1)]
    total_skipped = 0
    for start, end in windows:
        for size in (1, 3, 50):
            blocks = _blocks(lines, size)
            plain = _group(blocks, start, end, None)
            skipping = _group(blocks, start, end, window_for(start, end))
            assert skipping[:2] == plain[:2], (start, end, size)
            total_skipped += skipping[2]
    assert total_skipped > 0


def _synthetic(rng: random.Random) -> list[str]:
    """Lines around a window with the header forms that must keep their block."""
    base = 1700000000
    odd = [
        "type=SYSCALL msg=audit(0{sec}.001:5): x=1",            # leading zero: longer
        "type=SYSCALL msg=audit({sec}.1000:5): x=1",            # msec too long
        "type=SYSCALL msg=audit({sec}.001:99999999999999999999): x=1",   # serial overflow
        "node=h type=PATH msg=audit({sec}.002:6): item=0",
        "type=EOE msg=audit({sec}.003:7): ",
        "garbage line",
        "",
        "type=SYSCALL msg=audit(1.2:3): short stamp",
        "type=SYSCALL  msg=audit({sec}.004:8): two spaces",
        "type=UNKNOWN[1334] msg=audit({sec}.005:9): x",
        "type=SYSCALL msg=audit(1{sec}.006:10): eleven digits",
        "type=SYSCALL msg=audit({sec}.007:11)",
        "type=SYSCALL msg=audit({sec}.008:12): a\x1dUID=\"root\"",
    ]
    plain = ["type=SYSCALL msg=audit({sec}.{ms:03d}:{serial}): arch=c000003e syscall=2",
             "type=CWD msg=audit({sec}.{ms:03d}:{serial}): cwd=\"/\"",
             "type=PROCTITLE msg=audit({sec}.{ms:03d}:{serial}): proctitle=6C73",
             "type=USER_LOGIN msg=audit({sec}.{ms:03d}:{serial}): pid=1 res=success"]
    lines = []
    serial = 1
    for sec in range(base, base + 40):
        for _ in range(rng.randrange(1, 12)):
            ms = rng.randrange(0, 1000)
            for tpl in rng.sample(plain, rng.randrange(1, 5)):
                lines.append(tpl.format(sec=sec + rng.choice((0, 0, 0, -3, 2)), ms=ms,
                                        serial=serial))
            serial += 1
        if rng.random() < 0.15:
            lines.append(rng.choice(odd).format(sec=sec))
    return lines


@pytest.mark.parametrize("seed", range(12))
def test_skipping_changes_nothing_on_odd_lines(seed):
    rng = random.Random(seed)
    lines = _synthetic(rng)
    base = 1700000000
    for start, end in ((base + 10, base + 20), (base + 30, 0), (0, base + 5),
                       (base + 15, base + 15), (base + 39, base + 1)):
        for size in (2, 7, 25):
            blocks = _blocks(lines, size)
            assert _group(blocks, start, end, window_for(start, end))[:2] == \
                _group(blocks, start, end, None)[:2], (seed, start, end, size)


def test_a_block_with_one_line_inside_is_kept_whole():
    w = LineWindow(1700000010, 1700000020)
    outside = "type=CWD msg=audit(1700000001.000:1): cwd=\"/\""
    inside = "type=CWD msg=audit(1700000015.000:2): cwd=\"/\""
    later = "node=n1 type=CWD msg=audit(1700000021.000:3): cwd=\"/\""
    assert w.keep([outside, later, outside]) == []
    block = [outside, inside, later]
    assert w.keep(block) is block
    assert w.keep([outside, "type=CWD msg=audit(01700000001.000:1): x"]) != []
    # the header is read as the grouper reads it: the first msg=audit( after
    # one space-free type (and node) word decides, not a later one
    for tricky in ("type=A msg=audit(1700000015.001:2) msg=audit(1700000001.000:1): x",
                   "node=a type=B msg=audit(1700000015.000:1) type=C msg=audit(1700000001.000:1):",
                   "type=A msg=audit(1700000015.001:2)\x1d msg=audit(1700000001.000:1): x"):
        assert w.keep([outside, tricky]) != [], tricky
