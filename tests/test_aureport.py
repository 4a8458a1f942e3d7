"""aureport's pieces on their own: options, scanning, look-ups, bad input.

The byte-for-byte comparison with the reference is tests/test_aureport_diff.py.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from audix.analysis.cli.aureport import main
from audix.analysis.search.items import ItemExtractor
from audix.analysis.search.options import Format, Success
from audix.analysis.search.scan import LOGINUID_UNSET, AvcResult, Malformed, SearchItems, unescape
from audix.analysis.report.lookup import EscapeMode, Escaper, Lookups, tty_data
from audix.analysis.report.options import (Detail, EarlyExit, OptionError, Report,
                                           Unimplemented, Wanted, parse_args)

DATA = Path(__file__).resolve().parent / "data" / "aureport"


def run(args, stdin_bytes=b""):
    out, err = io.BytesIO(), io.BytesIO()
    old = {k: os.environ.get(k) for k in ("TZ", "LC_ALL")}
    os.environ.update(TZ="UTC", LC_ALL="C")
    import time
    time.tzset()
    try:
        status = main(args, stdin=io.BytesIO(stdin_bytes), stdout=out, stderr=err)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        time.tzset()
    return status, out.getvalue().decode("latin-1"), err.getvalue().decode("latin-1")


# --- options ------------------------------------------------------------------
def test_default_is_the_summary_report():
    o = parse_args([])
    assert o.report is Report.SUMMARY and o.detail is Detail.SUMMARY
    assert o.wanted.filename and o.wanted.key and not o.wanted.uid


def test_summary_flag_turns_a_report_into_totals_in_any_order():
    assert parse_args(["--summary", "-x"]).detail is Detail.SUMMARY
    assert parse_args(["-x", "--summary"]).detail is Detail.SUMMARY
    assert parse_args(["-x"]).detail is Detail.DETAILED


def test_report_selects_the_items_to_scan():
    w = parse_args(["-au"]).wanted
    assert (w.exe, w.hostname, w.terminal, w.uid, w.auid) == (True, True, True, True, False)
    assert parse_args(["--tty"]).wanted.session


def test_wanted_items_become_the_shared_scanner_options():
    o = parse_args(["-au", "-i"]).wanted.search_options(interpret=True)
    assert (o.exe, o.hostname, o.terminal, o.comm, o.filename) == ("dummy", "dummy", "dummy", None, None)
    assert (o.uid, o.loginuid, o.tauid, o.pid, o.success) == (1, LOGINUID_UNSET, None, 0, Success.SUCCESS)
    assert o.format is Format.INTERP
    o = parse_args(["-x"]).wanted.search_options()
    assert (o.uid, o.loginuid, o.tauid, o.exe) == (0xFFFFFFFF, 1, "dummy", "dummy")
    plain = Wanted().search_options()
    assert plain.loginuid == LOGINUID_UNSET and plain.tauid is None and plain.format is Format.DEFAULT


@pytest.mark.parametrize("args,message", [
    (["-x", "-f"], "Error - only one report can be specified"),
    (["-bogus"], "-bogus is an unsupported option"),
    (["-if"], "Argument is required for -if"),
    (["-i", "x"], "Argument is NOT required for -i"),
    (["--escape", "html"], "Unknown option (html)"),
    (["--eoe-timeout", "x"], "End of Event Timeout must be a numeric value, was x"),
    (["--eoe-timeout", "0"], "Illegal value for End of Event Timeout, was 0"),
    (["-ts"], "-ts requires either date and/or time"),
])
def test_option_errors(args, message):
    with pytest.raises(OptionError) as exc:
        parse_args(args)
    assert str(exc.value) == message


def test_report_with_an_argument_is_unimplemented():
    with pytest.raises(Unimplemented):
        parse_args(["-x", "/bin/ls"])


def test_version_and_help_exit_early():
    with pytest.raises(EarlyExit) as exc:
        parse_args(["-v"])
    assert exc.value.text == "aureport version 3.0.9\n"
    status, out, err = run(["--help"])
    assert status == 0 and out.startswith("usage: aureport [options]\n")


def test_bad_option_prints_usage_and_exits_1():
    status, out, err = run(["-x", "-u"])
    assert status == 1
    assert err == "Error - only one report can be specified"
    assert out.startswith("usage: aureport")


# --- the C-like helpers -------------------------------------------------------
def test_overflowing_syscall_argument_drops_the_event():
    ok = SYSCALL.replace("a1=55 ", "a1=0x0000000000000055 ")
    assert scan([ok], [1300]) is not None
    for arg in ("a0=ffffff9c", "a1=55"):
        assert scan([SYSCALL.replace(arg, arg[:3] + "1" * 17)], [1300]) is None


def test_unescape_hex_parens_and_nul():
    assert unescape("2F746D70 x", 0) == "/tmp"
    assert unescape("(null) x", 0) == "(null)"
    assert unescape("41004243", 0) == "A"
    assert unescape("zz", 0) is None


# --- scanning -------------------------------------------------------------------
SYSCALL = ('type=SYSCALL msg=audit(1.001:7): arch=c000003e syscall=257 success=no exit=-2 '
           'a0=ffffff9c a1=55 a2=0 a3=0 items=1 ppid=1 pid=42 auid=1000 uid=0 gid=0 euid=0 '
           'suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=3 comm="cat" exe="/usr/bin/cat" '
           'key=6B31016B32')


def extractor(wanted: Wanted, interpret: bool = False) -> ItemExtractor:
    return ItemExtractor(wanted.search_options(interpret))


def scan(lines, types, **wanted):
    """The items, or None for an event the reference drops as malformed."""
    return extractor(Wanted(**wanted)).extract(lines, types)


def test_syscall_items_fast_and_scanned_paths_agree():
    w = Wanted(auid=True, exe=True, comm=True, terminal=True, key=True, uid=True)
    a, b = SearchItems(), SearchItems()
    sc = extractor(w)
    assert sc._syscall_fast(SYSCALL, a)
    sc.parse_syscall_scan(SYSCALL, b)
    for name in SearchItems.FIELDS:
        assert getattr(a, name) == getattr(b, name), name
    assert (a.pid, a.loginuid, a.success, a.syscall) == (42, 1000, Success.FAILED, 257)
    assert (a.comm, a.exe, a.terminal, a.keys) == ("cat", "/usr/bin/cat", "pts1", ["k1", "k2"])


def test_exe_inside_comm_falls_back_to_the_scan():
    line = SYSCALL.replace('comm="cat"', 'comm="exe=x"')
    s = scan([line], [1300], exe=True)
    assert s.exe is None          # the reference's strstr finds exe= in the comm first


def test_relative_path_is_joined_to_cwd():
    cwd = 'type=CWD msg=audit(1.001:7): cwd="/home/u"'
    path = 'type=PATH msg=audit(1.001:7): item=0 name="./f" inode=1 nametype=NORMAL'
    s = scan([SYSCALL, cwd, path], [1300, 1307, 1302], filename=True)
    assert s.filenames == ["/home/u/./f"] and s.parent_names is None
    parent = path.replace("NORMAL", "PARENT")
    s = scan([SYSCALL, cwd, parent, path.replace("./f", "/x")], [1300, 1307, 1302, 1302], filename=True)
    assert s.filenames == ["/home/u/./f", "/x"] and s.parent_names == [0]


def test_user_login_failed_with_account():
    line = ("type=USER_LOGIN msg=audit(1.002:8): pid=5 uid=0 auid=4294967295 ses=4294967295 "
            "msg='op=login acct=\"eve\" exe=\"/usr/sbin/sshd\" hostname=? addr=10.0.0.9 "
            "terminal=ssh res=failed'")
    s = scan([line], [1112], auid=True, exe=True, hostname=True, terminal=True)
    assert (s.acct, s.hostname, s.terminal, s.success) == ("eve", "10.0.0.9", "ssh", Success.FAILED)
    assert s.loginuid == 4294967295


def test_missing_pid_in_a_user_message_drops_the_event():
    assert scan(["type=USER_AUTH msg=audit(1.002:8): uid=0 msg='res=success'"], [1100]) is None


def test_unset_items_stay_unset():
    s = scan(['type=PROCTITLE msg=audit(1.001:7): proctitle=6C73'], [1327], auid=True)
    assert s.loginuid == LOGINUID_UNSET and s.success not in (Success.SUCCESS, Success.FAILED)


# --- look-ups and escaping ---------------------------------------------------------
def test_escape_modes():
    assert Escaper(EscapeMode.TTY)("a\tb") == "a\\011b"
    assert Escaper(EscapeMode.RAW)("a\tb") == "a\tb"
    assert Escaper(EscapeMode.SHELL)("a b$") == "a\\ b\\$"
    assert Escaper(EscapeMode.SHELL_QUOTE)("x;y") == "x\\;y"
    assert Escaper()(None) == "(null)"


def test_tty_data_names_keys():
    assert tty_data("6C730D") == '"ls",<ret>'
    assert tty_data("1B5B41") == "<up>"
    assert tty_data("zz") == "zz"


def test_uid_lookup_numeric_and_interpreted():
    assert Lookups(False).uid(4294967295) == "-1"
    assert Lookups(True).uid(4294967295) == "unset"
    assert Lookups(True).uid(0) == "root"


# --- whole runs, bad input -------------------------------------------------------------
def test_malformed_log_gives_no_traceback():
    status, out, err = run(["-if", str(DATA / "malformed.log"), "-e"])
    assert status == 0
    assert "Traceback" not in err
    assert out.startswith("\nEvent Report\n")


def test_missing_input_file(tmp_path):
    status, out, err = run(["-if", str(tmp_path / "nope")])
    assert status == 1
    assert err == "stat: No such file or directory\n"


def test_unreadable_input_is_reported(tmp_path):
    d = tmp_path / "dir"
    d.mkdir()
    (d / "audit.log").mkdir()       # a directory where the log should be
    status, out, err = run(["-if", str(d)])
    assert status == 1
    assert err.startswith(f"NOTE - using logs in {d}/audit.log\n")
    assert "Error opening" in err


def test_no_events_of_interest(tmp_path):
    log = tmp_path / "empty.log"
    log.write_bytes(b"garbage\n\x00\xff\n")
    status, out, err = run(["-if", str(log), "-au"])
    assert status == 1
    assert out.endswith("<no events of interest were found>\n\n")
    status, out, err = run(["-if", str(log), "-au", "--summary"])
    assert status == 0


def test_failed_and_success_filters_partition_the_events():
    log = str(DATA / "malformed.log")
    counts = []
    for flag in ([], ["--failed"], ["--success"]):
        status, out, err = run(["-if", log, "-e", *flag])
        counts.append(sum(1 for line in out.split("\n") if line[:1].isdigit()))
    assert counts[1] + counts[2] <= counts[0] and counts[1] > 0 and counts[2] > 0


def _syscall_lines():
    import gzip
    texts = [gzip.decompress((DATA / n).read_bytes()).decode("latin-1")
             for n in ("raw.log.gz", "enriched-node.log.gz")]
    texts += [(DATA / n).read_bytes().decode("latin-1") for n in ("malformed.log", "kernel-types.log")]
    lines = [ln.split("\x1d")[0] for t in texts for ln in t.split("\n") if "type=SYSCALL" in ln]
    tricky = []
    for ln in lines[:40]:
        tricky += [ln.replace('comm="', 'comm="key=res=exe=', 1), ln.replace("tty=", "tty=key=", 1),
                   ln.replace('exe="', 'exe="key=', 1), ln.replace('exe="', 'exe="res=', 1)]
    return lines + tricky


@pytest.mark.parametrize("report", ["", "-x", "-f", "-u", "-k", "-au", "--tty", "--comm"])
@pytest.mark.parametrize("interpret", [False, True])
def test_syscall_fast_path_equals_the_scan_everywhere(report, interpret):
    sc = extractor(parse_args(report.split()).wanted, interpret)
    used = 0
    for line in _syscall_lines():
        fast, slow = SearchItems(), SearchItems()
        try:
            took = sc._syscall_fast(line, fast)
        except Malformed:
            took = "error"
        if not took:
            continue
        used += 1
        try:
            sc.parse_syscall_scan(line, slow)
        except Malformed:
            slow = "error"
        assert took != "error" and slow != "error", line
        for name in SearchItems.FIELDS:
            assert getattr(fast, name) == getattr(slow, name), (name, line)
    assert used > 100


def test_avc_items_carry_result_permission_and_class():
    avc = ('type=AVC msg=audit(1.003:9): avc:  denied  { read write } for  pid=7 comm="cat" '
           'name="f" scontext=u:r:a:s0 tcontext=u:o:b:s0 tclass=file permissive=0')
    s = scan([avc], [1400], object=True)
    (a,) = s.avc
    assert (a.result, a.perm, a.cls, a.tcontext) == (AvcResult.DENIED, "read write", "file", "u:o:b:s0")
    assert s.success == Success.FAILED and s.pid == 7
    user = ("type=USER_AVC msg=audit(1.004:9): pid=8 uid=0 auid=1 ses=2 msg='avc:  granted  { start } "
            "for auid=1 uid=0 gid=0 scontext=u:r:a:s0 tcontext=u:o:c:s0 tclass=service exe=/x'")
    (a,) = scan([user], [1107], object=True).avc
    assert (a.result, a.perm, a.cls, a.tcontext) == (AvcResult.GRANTED, "start", "service", "u:o:c:s0")
