"""aureport against the reference /usr/sbin/aureport: same bytes, same exit status.

Logs: the shared corpus (RAW and ENRICHED), two logs made by
tests/data/aureport/make_logs.sh with the reference auditd (logins, failed
authentications, account changes, anomalies, user AVCs, crypto, virt, MAC
and role messages; the ENRICHED one with ``node=``), and a hand-made log of
malformed lines, and one of hand-written kernel records this machine cannot
produce (kernel AVC, SECCOMP, TTY, integrity, MAC, netfilter, daemon
accept/close, short sockaddrs).  Every report runs with and without ``--summary`` and
``-i``; the modifiers run on every log.
"""
from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from difftest import BASE_ENV, Result, _C_Locale_UTC, assert_same, require_reference, run_reference

pytestmark = pytest.mark.reference

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "aureport"
CORPUS = HERE.parent.parent / "shared" / "corpus"
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpus")

REPORTS = ["", "-a", "-au", "-c", "-cr", "-e", "-f", "-h", "-k", "-l", "-m", "-ma", "-n",
           "-p", "-r", "-s", "-t", "-tm", "-u", "-x", "--comm", "--tty", "--virt",
           "--integrity"]
DETAILS = ["", "--summary", "-i", "--summary -i"]
MODIFIERS = ["--failed", "--success", "--failed --summary", "--success -i", "--node aurepnode",
             "--node other", "--escape raw", "--escape shell", "--escape shell_quote",
             "--eoe-timeout 1", "--debug", "-nc", "--add", "--delete"]
MODIFIED_REPORTS = ["", "-au", "-l", "-m", "-x", "-f", "-e", "-c", "-n", "-k", "-u --summary"]


def _run_ours(args: list[str]) -> Result:
    from audix.analysis.cli.aureport import main
    out, err = io.BytesIO(), io.BytesIO()
    with _C_Locale_UTC():
        status = main(args, stdin=io.BytesIO(), stdout=out, stderr=err)
    return Result(out.getvalue(), err.getvalue(), status)


@pytest.fixture(scope="session")
def logs(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("aureport_logs")
    out = {}
    for name in ("raw.log.gz", "enriched-node.log.gz"):
        target = d / name[:-3]
        target.write_bytes(gzip.decompress((DATA / name).read_bytes()))
        out[name[:-7]] = str(target)
    out["malformed"] = str(DATA / "malformed.log")
    out["kernel-types"] = str(DATA / "kernel-types.log")
    for name in ("sample-raw.log", "sample-enriched.log"):
        if (CORPUS / name).exists():
            out[name[:-4]] = str(CORPUS / name)
    return out


def _compare(args: list[str], compare_stderr: bool = True) -> None:
    require_reference("aureport")
    ref = run_reference("aureport", args)
    ours = _run_ours(args)
    assert_same(ours, ref, compare_stderr=compare_stderr)


@pytest.mark.parametrize("detail", DETAILS)
@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("log", ["raw", "enriched-node", "kernel-types", "sample-raw",
                                 "sample-enriched"])
def test_every_report(logs, log, report, detail):
    if log not in logs:
        pytest.skip(f"{log} not available")
    _compare(["-if", logs[log], *report.split(), *detail.split()])


@pytest.mark.parametrize("modifier", MODIFIERS)
@pytest.mark.parametrize("report", MODIFIED_REPORTS)
@pytest.mark.parametrize("log", ["raw", "enriched-node"])
def test_modifiers(logs, log, report, modifier):
    _compare(["-if", logs[log], *report.split(), *modifier.split()])


@pytest.mark.parametrize("report", ["", "-f", "-x", "-au", "-au -i", "-k", "-k --summary",
                                    "-s -i", "-e --debug", "-u", "-l", "--comm",
                                    "--escape shell -x", "--escape raw -au"])
def test_malformed_lines_are_skipped(logs, report):
    _compare(["-if", logs["malformed"], *report.split()])


def _first_last_seconds(path: str) -> tuple[int, int]:
    import re
    stamps = [int(m.group(1)) for m in
              re.finditer(rb"msg=audit\((\d+)\.", Path(path).read_bytes())]
    return min(stamps), max(stamps)


@pytest.mark.parametrize("report", ["", "-x", "-t", "-e --summary"])
def test_time_range(logs, report):
    import time
    first, last = _first_last_seconds(logs["raw"])
    with _C_Locale_UTC():
        mid = first + (last - first) // 2
        day, tod = time.strftime("%x %T", time.localtime(mid)).split()
        end_day, end_tod = time.strftime("%x %T", time.localtime(last - 1)).split()
    _compare(["-if", logs["raw"], *report.split(), "-ts", day, tod, "-te", end_tod, end_day])
    _compare(["-if", logs["raw"], *report.split(), "-ts", tod])
    _compare(["-if", logs["raw"], *report.split(), "-te", day])


BAD_COMMAND_LINES = [
    ["-zz"], ["-x", "-f"], ["-if"], ["-if", "/nonexistent/log"], ["-i", "foo"],
    ["-x", "/etc"], ["-t", "--summary"], ["--tty", "--summary"], ["--failed", "--summary", "-t"],
    ["-ts"], ["-ts", "13/45/26"], ["-te", "12:99:00"], ["--eoe-timeout"],
    ["--eoe-timeout", "abc"], ["--eoe-timeout", "0"], ["--escape"], ["--escape", "bogus"],
    ["--node"], ["-v"], ["--help"],
]


@pytest.mark.parametrize("args", BAD_COMMAND_LINES, ids=lambda a: " ".join(a) or "none")
def test_command_line_errors(args):
    _compare(args)


def test_directory_with_rotations(logs, tmp_path):
    """-if DIR reads DIR/audit.log.N ... audit.log, oldest first, as one stream."""
    lines = Path(logs["raw"]).read_bytes().split(b"\n")
    third = len(lines) // 3
    (tmp_path / "audit.log.2").write_bytes(b"\n".join(lines[:third]) + b"\n")
    (tmp_path / "audit.log.1").write_bytes(b"\n".join(lines[third:2 * third]) + b"\n")
    (tmp_path / "audit.log").write_bytes(b"\n".join(lines[2 * third:]))
    for report in (["-t"], [], ["-x", "--summary"], ["-e"]):
        _compare(["-if", str(tmp_path), *report])


def test_empty_newest_log(logs, tmp_path):
    """An empty audit.log after a full audit.log.1: "no records", a zero end time."""
    (tmp_path / "audit.log.1").write_bytes(Path(logs["raw"]).read_bytes())
    (tmp_path / "audit.log").write_bytes(b"")
    for report in (["-t"], [], ["-x"]):
        _compare(["-if", str(tmp_path), *report])


def test_lines_longer_than_the_reference_buffer(logs, tmp_path):
    """Lines over 8969 bytes are cut into pieces by the reference's fgets."""
    if "sample-enriched" not in logs:
        pytest.skip("shared corpus not available")
    out = []
    for i, line in enumerate(Path(logs["sample-enriched"]).read_bytes().split(b"\n")):
        if line.startswith(b"type=EXECVE") and i < 60:
            line += b" a9=" + b"A" * 20000
        elif line.startswith(b"type=PATH") and 20 < i < 80:
            line = line.replace(b"nametype=", b"nametype=" + b"B" * 9000, 1)
        out.append(line)
    log = tmp_path / "long.log"
    log.write_bytes(b"\n".join(out))
    for report in ([], ["-f"], ["-x"], ["-e"], ["-f", "--summary"], ["-k"]):
        _compare(["-if", str(log), *report])


def _eoe_log() -> str:
    """Records of one event seconds apart, out of order, and a late login record."""
    t = 1795600200

    def syscall(ms, serial, sec=0):
        return (f"type=SYSCALL msg=audit({t + sec}.{ms:03d}:{serial}): arch=c000003e syscall=2 "
                f"success=yes exit=3 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid={100 + serial} "
                f"auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 "
                f'ses=1 comm="c{serial}" exe="/bin/c{serial}" key="k{serial}"')

    def path(ms, serial, sec=0, name="f"):
        return (f"type=PATH msg=audit({t + sec}.{ms:03d}:{serial}): item=0 "
                f'name="/tmp/{name}{serial}" inode=1 nametype=NORMAL')

    lines = [syscall(100, 1), syscall(200, 2), path(200, 2), syscall(100, 3, 3), path(100, 1),
             syscall(900, 4, 1), path(100, 3, 3), path(900, 4, 1), syscall(100, 5, 10),
             path(100, 5, 10, "g"),
             f"type=USER_LOGIN msg=audit({t + 4}.000:6): pid=1 uid=0 auid=1000 ses=1 "
             f"msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=h addr=1.2.3.4 "
             f"terminal=ssh res=success'",
             f"type=PROCTITLE msg=audit({t + 4}.000:6): proctitle=6C73"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("timeout", [[], ["--eoe-timeout", "1"], ["--eoe-timeout", "5"],
                                     ["--eoe-timeout", "60"]])
def test_end_of_event_timeout(tmp_path, timeout):
    log = tmp_path / "eoe.log"
    log.write_text(_eoe_log())
    for report in (["-e"], ["-f"], [], ["-l"], ["-k", "--summary"]):
        _compare(["-if", str(log), *report, *timeout])


def _script() -> str:
    import sysconfig
    path = os.path.join(sysconfig.get_path("scripts"), "aureport")
    if not os.access(path, os.X_OK):
        pytest.skip("audix aureport console script not installed")
    return path


@pytest.mark.parametrize("report", [["-x"], ["-t"], []])
def test_stdin_pipe(logs, report):
    ref_bin = require_reference("aureport")
    data = Path(logs["enriched-node"]).read_bytes()
    ref = subprocess.run([ref_bin, *report], input=data, capture_output=True, env=BASE_ENV)
    ours = subprocess.run([_script(), *report], input=data, capture_output=True,
                          env={**BASE_ENV, "PATH": os.path.dirname(sys.executable) + ":" + BASE_ENV["PATH"]})
    assert ours.returncode == ref.returncode
    assert ours.stdout == ref.stdout
    assert ours.stderr == ref.stderr


@pytest.mark.kernel
def test_fresh_log_from_the_reference_auditd(kernel, tmp_path):
    """Make a new log with the reference auditd (logins, account changes,
    anomalies...) and compare the main reports on it."""
    if not os.access("/usr/sbin/auditd", os.X_OK):
        pytest.skip("reference auditd not installed")
    if kernel.get_status().pid != 0:
        pytest.skip("an audit daemon is registered")
    p = subprocess.run([str(DATA / "make_logs.sh"), str(tmp_path / "gen"), "raw"],
                       capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    log = str(tmp_path / "gen" / "log" / "audit.log")
    for report in ([], ["-au"], ["-l"], ["-m"], ["-n"], ["-x", "--summary", "-i"], ["-e"],
                   ["-k"], ["-f", "--failed"]):
        _compare(["-if", log, *report])
