"""Differential tests: audix ausearch vs the reference /usr/sbin/ausearch.

One table of (flags, input) cases; each runs the reference and our
``main(argv, env)`` in-process on the same input with ``TZ=UTC LC_ALL=C``
and compares stdout and the exit status byte for byte (stderr too where
the message is part of the contract).  A few cases also run the installed
console script.  Skipped with a reason when the reference is not installed.
"""
from __future__ import annotations

import os
import shutil

import pytest

from audix.analysis.cli.ausearch import main
from audix.analysis.search.runner import SearchEnv

from difftest import (assert_same, require_reference, run_inprocess, run_ours_subprocess,
                      run_reference)

HERE = os.path.dirname(os.path.abspath(__file__))
LOGS = os.path.join(HERE, "data", "logs")
CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "corpus"))
if not os.path.isdir(CORPUS):
    CORPUS = "/work/shared/corpus"

RAW = os.path.join(CORPUS, "sample-raw.log")
ENRICHED = os.path.join(CORPUS, "sample-enriched.log")
MIXED = os.path.join(LOGS, "mixed.log")
MIXED_E = os.path.join(LOGS, "mixed-enriched.log")
BAD = os.path.join(LOGS, "bad.log")
ROTATED = os.path.join(LOGS, "rotated")
EMPTY = os.path.join(LOGS, "empty.log")
NOLOGS = os.path.join(LOGS, "nologs")


def make_env(stdin, stdout, stderr, pipe, **kw):
    return SearchEnv(stdin=stdin, stdout=stdout, stderr=stderr, stdin_is_pipe=pipe,
                     extra={"pipe_idle": None}, **kw)


def ours(args, stdin=None):
    return run_inprocess(main, make_env, args, stdin)


# flags that select events; each runs on every log in LOG_INPUTS
SEARCHES = [
    [], ["-r"], ["--format", "raw"], ["-i"], ["--format", "interpret"], ["-m", "ALL"],
    ["-m", "SYSCALL"], ["-m", "syscall,PATH"], ["-m", "1300"], ["-m", "CONFIG_CHANGE"],
    ["-m", "USER_AUTH,DAEMON_START"], ["-m", "ANOM_PROMISCUOUS"], ["-m", "UNKNOWN[1999]"],
    ["-m", "DAEMON_END"], ["-m", "EXECVE", "-i"],
    ["-k", "hosts"], ["-k", "net"], ["-k", "second"], ["-k", "exec"], ["-w", "-k", "exec"],
    ["-p", "16705"], ["-p", "4100"], ["-p", "5100"], ["-pp", "3999"], ["-pp", "16699"],
    ["-ui", "0"], ["-ui", "12345"], ["-ue", "0"], ["-ua", "1001"], ["-ua", "root"],
    ["-ui", "root"], ["-ul", "1000"], ["-ul", "root"], ["-ul", "-1"],
    ["-gi", "0"], ["-ge", "1000"], ["-ga", "1000"],
    ["-x", "auditctl"], ["-x", "sshd"], ["-x", "crashy"], ["-w", "-x", "/usr/bin/curl"],
    ["-c", "cat"], ["-c", "crashy"],
    ["-sc", "openat"], ["-sc", "connect"], ["-sc", "42", "-sv", "yes"],
    ["-sc", "openat", "-sv", "no"], ["-sv", "yes"], ["-sv", "no"],
    ["-e", "0"], ["-e", "-115"], ["-e", "EINPROGRESS"], ["-e", "0x3"],
    ["-a", "796231"], ["-a", "28"], ["-n", "alpha"], ["-n", "beta", "-n", "alpha"],
    ["-hn", "93.184.216.34"], ["-hn", "2001:db8::1"], ["-hn", "192.168.1.9"], ["-hn", "host1"],
    ["-f", "/etc/hosts"], ["-f", "/run/sock"], ["-f", "abstract"], ["-f", "/home/u/./rel"],
    ["-tm", "pts/1"], ["-tm", "ssh"], ["--session", "3"], ["--session", "4294967295"],
    ["-se", "unconfined"], ["-su", "unconfined"], ["-o", "x"], ["-uu", "abc"], ["-vm", "abc"],
    ["--arch", "b64", "-sc", "connect"], ["--arch", "i386"],
    ["--just-one", "-k", "files"], ["-l", "-k", "net"], ["--debug", "-p", "1"],
    ["--escape", "raw", "-m", "USER"], ["--escape", "shell", "-m", "EXECVE"],
    ["--escape", "shell_quote", "-m", "USER"], ["-i", "--escape", "shell"],
    ["--eoe-timeout", "1", "-r"], ["--eoe-timeout", "10"],
    ["-ts", "11/25/26", "12:53:45", "-te", "11/25/26", "12:53:46"],
    ["-ts", "12:53:45", "11/25/26", "-r"], ["-te", "11/25/26", "12:53:44"],
    ["-ts", "this-year"], ["-ts", "checkpoint"],
    ["-a", "4294967295"], ["-a", "4294967324"], ["-p", "4294967295"], ["-ui", "4294967295"],
    ["-ul", "4294967294"], ["--session", "4294967294"], ["-m", "SYSCALL", "-m", "USER_AUTH"],
    ["-sc", "99999999999999999999"],
]
LOG_INPUTS = [RAW, ENRICHED, MIXED, MIXED_E, BAD]


def _id(args):
    return " ".join(args) or "(no flags)"


@pytest.mark.reference
@pytest.mark.parametrize("log", LOG_INPUTS, ids=os.path.basename)
@pytest.mark.parametrize("args", SEARCHES, ids=_id)
def test_search_matches_reference(args, log, tmp_path, monkeypatch):
    """The scan, a search that builds the index, and one that reuses it."""
    if not os.path.exists(log):
        pytest.skip(f"{log} absent")
    full = ["-if", log, *args]
    ref = run_reference("ausearch", full)
    scan = ours(full + ["--no-index"])
    assert_same(scan, ref)
    index_dir = tmp_path / "index"
    index_dir.mkdir(mode=0o700)
    monkeypatch.setenv("AUDIX_INDEX_DIR", str(index_dir))
    for run in ("builds the index", "reuses it"):
        got = ours(full)
        assert_same(got, ref)
        assert got.stderr == scan.stderr, run


# whole command lines: usage errors, input selection; stderr compared too
COMMANDS = [
    [], ["-h"], ["--help"], ["-v"], ["-k"], ["-if"], ["-p", "abc"], ["-pp", "x"],
    ["-m", "bogus"], ["-m"], ["-m", "SYSCALL,bogus"], ["-sv", "maybe"], ["-e", "EBOGUS"],
    ["-ul", "no_such_user_x"], ["-ui", "no_such_user_x"], ["-ue", "no_such_user_x"],
    ["-ua", "no_such_user_x"], ["-gi", "no_such_group_x"], ["-ge", "no_such_group_x"],
    ["--session", "abc"], ["-a", "x"], ["--eoe-timeout", "0"], ["-i", "-r"], ["-r", "-i"],
    ["--format", "bogus"], ["--format", "csv", "--format", "raw"], ["--escape", "bogus"],
    ["--extra-keys"], ["--extra-keys", "foo"], ["-i", "foo"], ["-bogus"], ["--arch", "bogus"],
    ["--arch", "x86_64", "--arch", "b32"], ["-sc", "openat", "--arch", "b64"],
    ["-sc", "bogus_syscall"], ["-ts"], ["-te"], ["-ts", "99/99/99"], ["-ts", "11/25/2026"],
    ["-ts", "2026-11-25"], ["-ts", "11/25/26", "25:00:00"], ["-ts", "01/01/03"],
    ["-if", "/nonexistent/file"], ["-if", NOLOGS], ["-if", ROTATED], ["-if", ROTATED, "-k", "rot"],
    ["-if", ROTATED + "/", "-r"], ["-if", ROTATED, "--just-one"], ["-if", EMPTY],
    ["-if", EMPTY, "-r"], ["-if", LOGS], ["-if", MIXED, "-ts", "today"],
    ["-if", MIXED, "-te", "yesterday"], ["-if", MIXED, "-ts", "recent"],
    ["-if", MIXED, "-ts", "boot"], ["-if", MIXED, "-te", "now"], ["-if", MIXED, "-te", "today"],
    ["-if", MIXED, "-ts", "week-ago"], ["-if", MIXED, "-ts", "this-week"],
    ["-if", MIXED, "-ts", "this-month"],
]


@pytest.mark.reference
@pytest.mark.parametrize("args", COMMANDS, ids=_id)
def test_command_matches_reference(args):
    ref = run_reference("ausearch", args)
    got = ours(args)
    assert_same(got, ref)
    assert got.stderr == ref.stderr


@pytest.mark.reference
@pytest.mark.parametrize("log,args", [(MIXED, ["-k", "net"]), (MIXED, ["-r"]), (BAD, ["-m", "ALL"]),
                                      (MIXED_E, ["-i"])], ids=lambda x: str(x))
def test_stdin_pipe_matches_reference(log, args):
    data = open(log, "rb").read()
    ref = run_reference("ausearch", args, stdin=data)
    got = ours(args, stdin=data)
    assert_same(got, ref)
    assert got.stderr == ref.stderr


@pytest.mark.reference
@pytest.mark.parametrize("args", [["-if", MIXED, "-k", "net"], ["-if", ENRICHED, "-i"],
                                  ["-bogus"], ["-if", "/nonexistent/file"]], ids=_id)
def test_console_script_matches_reference(args):
    ref = run_reference("ausearch", args)
    got = run_ours_subprocess("ausearch", args)
    assert_same(got, ref)
    assert got.stderr == ref.stderr


@pytest.mark.reference
def test_checkpoint_sequence_matches_reference(tmp_path):
    require_reference("ausearch")
    results = {}
    for who in ("ref", "ours"):
        d = tmp_path / who
        shutil.copytree(ROTATED, d / "logs")
        cp = str(d / "cp")
        runs = []
        for args in (["-if", str(d / "logs"), "--checkpoint", cp, "-k", "rot"],
                     ["-if", str(d / "logs"), "--checkpoint", cp, "-k", "rot"],
                     ["-if", str(d / "logs"), "--checkpoint", cp, "-ts", "checkpoint"]):
            r = run_reference("ausearch", args) if who == "ref" else ours(args)
            runs.append((r.stdout, r.status, open(cp, "rb").read() if os.path.exists(cp) else None))
        (d / "bad").write_text("garbage\n")
        r = (run_reference("ausearch", ["-if", str(d / "logs"), "--checkpoint", str(d / "bad")])
             if who == "ref" else ours(["-if", str(d / "logs"), "--checkpoint", str(d / "bad")]))
        runs.append((r.stdout, r.status, None))
        (d / "gone").write_text("dev=0x1\ninode=5\noutput=- 1.000:1 0x1\n")
        r = (run_reference("ausearch", ["-if", str(d / "logs"), "--checkpoint", str(d / "gone")])
             if who == "ref" else ours(["-if", str(d / "logs"), "--checkpoint", str(d / "gone")]))
        runs.append((r.stdout, r.status, None))
        results[who] = runs
    # the checkpoint files name the copied log's inode: compare all but that line
    def strip(runs):
        return [(o, s, None if c is None else b"\n".join(
            line for line in c.split(b"\n") if not line.startswith(b"inode=")))
            for o, s, c in runs]
    assert strip(results["ours"]) == strip(results["ref"])


WRAPPED = ('type=SYSCALL msg=audit(1795611223.001:5): arch=c000003e syscall=8589934849 '
           'success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=0 ppid=-4294967295 pid=8589934593 '
           'auid=0 uid=0 comm="x" key=(null)\n')


@pytest.mark.reference
@pytest.mark.parametrize("args", [["-p", "1"], ["-sc", "257"], ["-pp", "1"], ["-p", "2"]], ids=_id)
def test_numbers_wrap_like_c(tmp_path, args):
    log = tmp_path / "wrap.log"
    log.write_text(WRAPPED)
    full = ["-if", str(log), *args]
    assert_same(ours(full), run_reference("ausearch", full))
