"""Input selection and the streaming reader."""
from __future__ import annotations

import io
import os

import pytest

from audix.analysis.logsource import (PIECE, InputError, InputStats, LogConfig, SourceKind,
                                      load_log_config, open_log, plan_input, read_pieces,
                                      rotated_logs)


def pieces(data: bytes) -> list[str]:
    out = []
    for batch in read_pieces(io.BytesIO(data)):
        out.extend(batch)
    return out


def test_lines_are_latin1_and_split_on_newline_only():
    data = b"a\x1db\ncaf\xe9\x0bx\nlast"
    assert pieces(data) == ["a\x1db", "caf\xe9\x0bx", "last"]


def test_long_line_is_cut_like_fgets_8970():
    line = b"type=PATH " + b"A" * (PIECE * 2)
    got = pieces(line + b"\nnext\n")
    assert got[0] == line[:PIECE].decode()
    assert "".join(got[:-1]) == line.decode()
    assert got[-1] == "next"
    # a line of exactly PIECE chars leaves a lone newline piece
    exact = b"B" * PIECE + b"\n"
    assert pieces(exact) == ["B" * PIECE, "\n"]


def test_nul_byte_ends_the_line_text():
    assert pieces(b"abc\x00def\nxyz\n") == ["abc", "xyz"]


def test_reader_streams_in_chunks():
    data = b"".join(b"type=X msg=audit(1.000:%d): x\n" % i for i in range(200000))
    batches = list(read_pieces(io.BytesIO(data)))
    assert len(batches) > 1
    assert sum(len(b) for b in batches) == 200000


def test_control_bytes_are_noticed():
    st = InputStats()
    for _ in read_pieces(io.BytesIO(b"a\x1db\nc\n"), stats=st):
        pass
    assert not st.controls
    for _ in read_pieces(io.BytesIO(b"a\tb\n"), stats=st):
        pass
    assert st.controls


def test_rotations_oldest_first(tmp_path):
    base = tmp_path / "audit.log"
    for name in ("audit.log", "audit.log.1", "audit.log.2", "audit.log.4"):
        (tmp_path / name).write_text("x\n")
    assert rotated_logs(str(base)) == [f"{base}.2", f"{base}.1", str(base)]
    assert rotated_logs(str(tmp_path / "none.log")) == [str(tmp_path / "none.log")]


def test_plan_input_follows_the_reference(tmp_path):
    cfg = LogConfig(log_file=str(tmp_path / "cfg.log"))
    f = tmp_path / "one.log"
    f.write_text("")
    assert plan_input(str(f), False, cfg).kind == SourceKind.FILE
    plan = plan_input(str(tmp_path), False, cfg)
    assert plan.kind == SourceKind.LOGS and plan.notes == [f"NOTE - using logs in {tmp_path}/audit.log"]
    with pytest.raises(InputError, match="^stat: No such file or directory$"):
        plan_input(str(tmp_path / "missing"), False, cfg)
    assert plan_input(None, True, cfg).files == [str(tmp_path / "cfg.log")]


def test_open_errors_are_one_line(tmp_path):
    with pytest.raises(InputError, match=r"^Error opening .*nope \(No such file or directory\)$"):
        open_log(str(tmp_path / "nope"))
    if os.geteuid() != 0:
        p = tmp_path / "secret"
        p.write_text("x")
        p.chmod(0)
        with pytest.raises(InputError, match="Permission denied"):
            open_log(str(p))


def test_auditd_conf_settings(tmp_path):
    conf = tmp_path / "auditd.conf"
    conf.write_text("# comment\nlog_file = /x/y.log\nend_of_event_timeout = 5\nbogus\n")
    cfg = load_log_config(str(conf))
    assert (cfg.log_file, cfg.end_of_event_timeout, cfg.loaded) == ("/x/y.log", 5, True)
    assert load_log_config(str(tmp_path / "absent")).loaded is False
