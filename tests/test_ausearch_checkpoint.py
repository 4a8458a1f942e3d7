"""--checkpoint files: format, loading errors, output decisions."""
from __future__ import annotations

from audix.analysis import checkpoint as ckpt


def test_save_then_load_round_trip(tmp_path):
    p = str(tmp_path / "cp")
    errors: list[str] = []
    mark = ckpt.EventMark(1795611224, 64, 796230, None, 0x4B0)
    assert ckpt.save(p, 0xFE00, 2146466, mark, errors) == ckpt.Failure.NONE
    assert open(p).read() == ("dev=0xFE00\ninode=2146466\n"
                              "output=- 1795611224.064:796230 0x4B0\n")
    rc, cp, failure = ckpt.load(p, errors)
    assert (rc, failure, errors) == (0, ckpt.Failure.NONE, [])
    assert (cp.dev, cp.inode, cp.last) == (0xFE00, 2146466, mark)


def test_missing_file_is_not_an_error(tmp_path):
    assert ckpt.load(str(tmp_path / "none"), []) == (-1, None, ckpt.Failure.NONE)


def test_bad_lines_are_reported(tmp_path):
    p = tmp_path / "cp"
    p.write_text("garbage\n")
    errors: list[str] = []
    rc, cp, failure = ckpt.load(str(p), errors)
    assert rc == -3 and failure & ckpt.Failure.STATUSBAD
    assert errors == ["Unknown checkpoint line - [garbage]\n",
                      f"Missing dev/inode lines from checkpoint file {p}\n"]


def test_output_gate_decisions():
    cp = ckpt.Checkpoint(1, 2, ckpt.EventMark(100, 5, 7, None, 1300))
    gate = ckpt.OutputGate(cp, time_only=False)
    assert gate.decide(99, 0, 1, None, 1300) == ckpt.Decision.SKIP
    assert gate.decide(100, 5, 7, "other", 1300) == ckpt.Decision.SKIP   # node differs
    assert gate.decide(100, 5, 7, None, 1300) == ckpt.Decision.OUTPUT_AFTER
    assert gate.decide(101, 0, 8, None, 1300) == ckpt.Decision.OUTPUT
    late = ckpt.OutputGate(cp, time_only=False)
    assert late.decide(103, 0, 9, None, 1300) == ckpt.Decision.CORRUPT
    timed = ckpt.OutputGate(cp, time_only=True)
    assert timed.decide(100, 5, 1, None, 1305) == ckpt.Decision.OUTPUT
