"""Bad input never gives a traceback: skipped lines, one-line errors, exit codes."""
from __future__ import annotations

import os
import random

import pytest

from audix.analysis.cli.ausearch import main
from audix.analysis.search.runner import SearchEnv

from difftest import assert_same, reference_path, run_inprocess, run_reference

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "data", "logs", "bad.log")


def _env(stdin, stdout, stderr, pipe):
    return SearchEnv(stdin=stdin, stdout=stdout, stderr=stderr, stdin_is_pipe=pipe,
                     extra={"pipe_idle": None})


def ours(args, stdin=None):
    return run_inprocess(main, _env, args, stdin)


def _inputs(tmp_path):
    rnd = random.Random(1234)
    files = {
        "random": bytes(rnd.getrandbits(8) for _ in range(200_000)),
        "garbage": b"\n".join(b"junk %d \xff\xfe\x00 line" % i for i in range(500)),
        "truncated": b"type=SYSCALL msg=audit(1795611223.001:5): arch=c000003e sysc",
        "huge": b"type=PATH msg=audit(1795611223.001:5): name=\"" + b"x" * 300_000 + b"\"\n",
        "nul": b"type=USER msg=audit(1795611223.001:6): pid=1 uid=0 msg='a\x00b res=success'\n",
        "utf8": "type=USER msg=audit(1795611223.001:7): pid=1 uid=0 msg='\udcff\udcfe res=success'\n"
                .encode("utf-8", "surrogateescape"),
        "empty": b"",
        "newlines": b"\n" * 1000,
    }
    paths = {}
    for name, data in files.items():
        p = tmp_path / f"{name}.log"
        p.write_bytes(data)
        paths[name] = str(p)
    return paths


@pytest.mark.parametrize("flags", [[], ["-r"], ["-i"], ["-m", "ALL"], ["--debug", "-k", "x"],
                                   ["-f", "/tmp"], ["-sv", "yes"]], ids=lambda f: " ".join(f) or "-")
def test_bad_files_never_traceback(tmp_path, flags):
    for name, path in _inputs(tmp_path).items():
        got = ours(["-if", path, *flags])
        assert got.status in (0, 1), name
        assert b"Traceback" not in got.stderr
        if reference_path("ausearch"):
            assert_same(got, run_reference("ausearch", ["-if", path, *flags]))


def test_read_error_is_not_a_traceback():
    got = ours(["-if", "/proc/self/mem"])
    assert got.status == 1 and got.stderr == b"<no matches>\n"


def test_missing_and_directory_inputs_have_one_line_errors(tmp_path):
    got = ours(["-if", str(tmp_path / "absent")])
    assert (got.status, got.stderr) == (1, b"stat: No such file or directory\n")
    got = ours(["-if", str(tmp_path)])
    assert got.status == 1
    assert got.stderr == (f"NOTE - using logs in {tmp_path}/audit.log\n"
                          f"Error opening {tmp_path}/audit.log (No such file or directory)\n").encode()


def test_malformed_events_are_reported_with_debug_only():
    got = ours(["-if", BAD, "--debug", "-p", "1"])
    assert got.stderr.split(b"\n")[:3] == [
        b"Malformed event skipped, rc=4. type=SYSCALL msg=audit(abc.def:ghi): x=1",
        b"Malformed event skipped, rc=5. type=SYSCALL msg=audit(1795611243.004:104): "
        b"arch=c000003e syscall=2",
        b"Malformed event skipped, rc=4. type=SYSCALL msg=audit(1795611243.005:105): "
        b"truncated no newline"]
    assert b"Malformed" not in ours(["-if", BAD, "-p", "1"]).stderr


def test_broken_pipe_is_quiet(tmp_path):
    class Closed:
        def write(self, data):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    import io
    err = io.BytesIO()
    env = SearchEnv(stdin=io.BytesIO(), stdout=Closed(), stderr=err, stdin_is_pipe=False)
    status = main(["-if", BAD, "-r"], env)
    assert status in (0, 1) and b"Traceback" not in err.getvalue()
