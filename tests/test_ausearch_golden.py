"""audix ausearch against stored reference output (runs without the reference).

The golden file is made by tests/golden/ausearch/make_ausearch_golden.py from
logs written by the reference auditd and our hand-made logs.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os

import pytest

from audix.analysis.cli.ausearch import main
from audix.analysis.search.runner import SearchEnv

from difftest import run_inprocess

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden", "ausearch", "ausearch.golden.json.gz")


def _cases():
    if not os.path.exists(GOLDEN):
        return []
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as f:
        return json.load(f)["cases"]


CASES = _cases()


def _env(stdin, stdout, stderr, pipe):
    return SearchEnv(stdin=stdin, stdout=stdout, stderr=stderr, stdin_is_pipe=False)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{os.path.basename(c['log'])} {' '.join(c['flags'])}")
def test_golden_output(case):
    path = os.path.join(HERE, case["log"])
    with open(path, "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != case["sha256"]:
            pytest.skip(f"{case['log']} changed since the golden data was made: "
                        "run tests/golden/ausearch/make_ausearch_golden.py")
    got = run_inprocess(main, _env, ["-if", path, *case["flags"]])
    assert got.status == case["status"]
    assert got.stdout.decode("latin-1") == case["stdout"]


def test_golden_file_present():
    assert CASES, f"{GOLDEN} missing: run make_ausearch_golden.py"
