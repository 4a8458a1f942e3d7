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
