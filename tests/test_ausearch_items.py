"""What the reference's per-record scan extracts for matching (items.py)."""
from __future__ import annotations

from audix.analysis.search.items import ItemExtractor, unescape
from audix.analysis.search.options import parse_args


def items(args, lines):
    o = parse_args(args).options
    types = [1300 if " type=SYSCALL " in f" {l} " or l.startswith("type=SYSCALL") else
             {"CWD": 1307, "PATH": 1302, "SOCKADDR": 1306, "USER_LOGIN": 1112,
              "CONFIG_CHANGE": 1305}[l.split("type=")[1].split(" ")[0]] for l in lines]
    return ItemExtractor(o).extract(lines, types)


SC = ("type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=42 success=no exit=-115 "
      "a0=3 a1=7ff a2=10 a3=0 items=0 ppid=1 pid=4100 auid=1000 uid=0 gid=0 euid=0 suid=0 "
      "fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"curl\" exe=\"/usr/bin/curl\" "
      "key=6E657401736563")


def test_unescape_hex_and_null():
    assert unescape("x=414243 y", 2) == "ABC"
    assert unescape("(null)", 0) == "(null)"
    assert unescape("41004243", 0) == "A"          # cut at a NUL like a C string
    assert unescape("zz", 0) is None


def test_syscall_fields_and_hex_keys():
    s = items(["-k", "x", "-p", "1", "-sv", "yes", "-e", "1"], [SC])
    assert (s.pid, s.success, s.exit, s.exit_set) == (4100, 0, -115, True)
    assert s.keys == ["net", "sec"]


def test_relative_paths_are_made_absolute_with_cwd():
    lines = [SC, 'type=CWD msg=audit(1.000:1): cwd="/home/u"',
             'type=PATH msg=audit(1.000:1): item=0 name="./f" inode=1 nametype=NORMAL']
    s = items(["-f", "x"], lines)
    assert s.cwd == "/home/u" and s.filenames == ["/home/u/./f"]


def test_sockaddr_hosts_and_unix_paths():
    inet = "0200" + "01BB" + "5DB8D822" + "00" * 8
    s = items(["-hn", "x"], [SC, f"type=SOCKADDR msg=audit(1.000:1): saddr={inet}"])
    assert s.hostname == "93.184.216.34"
    unix = "0100" + b"/run/sock".hex().upper() + "00"
    s = items(["-f", "x"], [SC, f"type=SOCKADDR msg=audit(1.000:1): saddr={unix}"])
    assert s.filenames == ["/run/sock"]


def test_missing_required_field_makes_the_event_malformed():
    msgs = []
    o = parse_args(["-p", "1", "--debug"]).options
    s = ItemExtractor(o, msgs.append).extract(
        ["type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=2"], [1300])
    assert s is None and msgs == ["Malformed event skipped, rc=5. "
                                  "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=2\n"]


def test_user_login_uid_hostname_fallback_terminal_result():
    line = ("type=USER_LOGIN msg=audit(1.000:1): pid=5001 uid=0 auid=1001 ses=4 "
            "msg='op=login id=1001 exe=\"/usr/sbin/sshd\" hostname=? addr=192.168.1.9 "
            "terminal=ssh res=failed'")
    s = items(["-ui", "5", "-hn", "x", "-sv", "no", "-tm", "t"], [line])
    assert s.uid == 0 and s.hostname == "192.168.1.9" and s.terminal == "ssh"
    assert s.success == 0


def test_syscall_fast_path_is_used_only_when_it_matches_the_scan():
    from audix.analysis.search.scan import SearchItems
    tricky = [SC, SC.replace('comm="curl"', 'comm="res=1"'), SC.replace("tty=pts0", "tty=ses=9"),
              "node=h " + SC, SC.replace('exe="', 'exe="key=', 1), SC.replace("key=6E", "key=\"k\" x=6E")]
    for args in (["-k", "net"], ["-x", "curl", "-ui", "0"], ["-p", "4100", "--session", "3"],
                 ["-tm", "pts0", "-c", "curl", "-sv", "no"], ["-i", "-ul", "1000"]):
        ex = ItemExtractor(parse_args(args).options)
        assert ex.syscall_fast
        took = 0
        for line in tricky:
            fast, slow = SearchItems(), SearchItems()
            if not ex._syscall_fast(line, fast):
                continue
            took += 1
            ex.parse_syscall_scan(line, slow)
            for name in SearchItems.FIELDS:
                assert getattr(fast, name) == getattr(slow, name), (args, name, line)
        assert took == 1, args          # only the plain line takes the fast path
    assert not ItemExtractor(parse_args(["-gi", "0"]).options).syscall_fast


def test_field_steps_return_the_references_codes():
    import pytest
    from audix.analysis.search.fieldscan import end_at, num_to_end, opt_num, quoted_or_legacy
    from audix.analysis.search.scan import Malformed
    assert opt_num("a pid=12 b", "pid=", 0, 3) == (12, 8)
    assert opt_num("a pid=12z b", "pid=", 0, 3) == (12, 9)        # strtoul stops at the z
    assert opt_num("a pid=12 b", "pid=", 4, 3) is None          # searched from `start`
    for text, rc in (("pid=12", 3), ("pid=99999999999999999999 b", 4)):    # no space / ERANGE
        with pytest.raises(Malformed) as exc:
            opt_num(text, "pid=", 0, 3)
        assert exc.value.rc == rc
    # the reference reads " uid=" of TTY/INTEGRITY records from its "=": always 0
    assert opt_num("x uid=7 y", " uid=", 0, 3, skip=4) == (0, 7)
    assert num_to_end("res=4294967297", 4, 9) == (4294967297, -1)
    assert end_at("hostname=a b,c", 9, ", ", 17) == 12             # "," first even if later
    assert quoted_or_legacy("cwd=/tmp/x y", 4, 20) == ("/tmp/x", 10)   # legacy: not hex
    assert quoted_or_legacy("cwd=2F746D70 y", 4, 20) == ("/tmp", 12)


def rc_of(args, line, t):
    msgs = []
    s = ItemExtractor(parse_args(args + ["--debug"]).options, msgs.append).extract([line], [t])
    return (s, None) if s is not None else (None, int(msgs[0].split("rc=")[1].split(".")[0]))


def test_numbers_wrap_like_c_and_missing_fields_keep_their_codes():
    mac = "type=MAC_STATUS msg=audit(1.000:1): auid=4294967296 ses=1 res=4294967297"
    s, _ = rc_of(["-ul", "0", "-sv", "yes"], mac, 1404)
    assert (s.loginuid, s.success) == (0, 1)
    assert rc_of(["-ul", "0"], mac.replace("auid", "xuid"), 1404) == (None, 1)
    tty = 'type=TTY msg=audit(1.000:1): tty pid=7 uid=3 auid=1 ses=2 major=136 data=6C73'
    s, _ = rc_of(["-ui", "5", "-p", "7"], tty, 1319)
    assert (s.pid, s.uid) == (7, 0)                     # " uid=" read from its "="
    assert rc_of(["-ul", "1"], tty.replace("auid", "xid"), 1319) == (None, 5)
    login = "type=LOGIN msg=audit(1.000:1): pid=9 uid=0 old-auid=4294967295 auid=1000 ses=3 res=1"
    s, _ = rc_of(["-ul", "1000", "--session", "3"], login, 1006)
    assert (s.loginuid, s.session) == (1000, 3)
    assert rc_of(["--session", "3"], login.replace(" ses=3", ""), 1006) == (None, 14)
