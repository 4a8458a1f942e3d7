"""Interpretation API and robustness: bad values never raise, lookups are injectable."""
from __future__ import annotations

import itertools
import time

import pytest

from audix.analysis.interpret import (EscapeMode, FieldType, Interpreter, NameLookup, SockAddr,
                                      decode_sockaddr, errno_text, field_type, syscall_name)
from audix.analysis.interpret.cnum import ConversionError, strtol, strtoul
from audix.analysis.interpret.typetab import FIELD_TYPES
from audix.analysis.record import make_record, parse_record

NASTY = ["", "0", "-1", "zz", "0x", "-", "+", "((", "(null)", "(", ")", '"', '"unterminated',
         "'", "00", "0" * 300, "f" * 300, "9" * 40, "-" + "9" * 40, "4294967295", "4294967296",
         "18446744073709551615", "18446744073709551616", "\x00\x01\x1b", "\xe9\xff", " 12",
         "1e9", "0x7fffffff", "ffffffffffffffff", "=", "a=b", "x,y", "{ }"]
SYSCALL_LINE = ("type=SYSCALL msg=audit(1700000000.123:7): arch=c000003e syscall={nr} "
                "success=no exit=-2 a0={v} a1={v} a2={v} a3={v} items=0 ppid=1 pid=2 auid=0 uid=0 "
                'gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="x" '
                'exe="/x" key=(null)')


@pytest.fixture
def interp() -> Interpreter:
    return Interpreter(names=NameLookup({1000: "alice"}, {100: "users"}), localtime=time.gmtime)


def test_unknown_ids_print_unknown_with_the_number(interp):
    rec = parse_record("type=LOGIN msg=audit(1.002:3): pid=1 uid=1234 old-auid=4294967295 "
                       "auid=1000 ses=2 res=1")
    assert interp.interpret(rec, "uid", "1234") == "unknown(1234)"
    assert interp.interpret(rec, "uid", "4294967294") == "unknown(-2)"
    assert interp.interpret(rec, "auid", "1000") == "alice"
    assert interp.interpret(rec, "old-auid", "4294967295") == "unset"
    assert interp.interpret(rec, "uid", "0") == "root"
    assert interp.interpret(rec, "gid", "100") == "users"
    assert interp.interpret(rec, "uid", "99999999999999999999") == \
        "conversion error(99999999999999999999)"
    assert interp.interpret(rec, "ses", "4294967295") == "unset"


def test_name_lookup_caches_the_database():
    calls = []

    class Source(dict):
        def get(self, key, default=None):
            calls.append(key)
            return super().get(key, default)

    names = NameLookup(Source({5: "five"}), {})
    assert [names.user(5), names.user(5), names.user(6), names.user(6)] == \
        ["five", "five", "unknown(6)", "unknown(6)"]
    assert calls == [5, 6]


def test_local_databases_by_default():
    assert NameLookup().user(0) == "root"
    assert NameLookup().group(0xFFFFFFFF) == "unset"


def test_format_record_layout(interp):
    rec = parse_record(SYSCALL_LINE.format(nr=2, v="1"))
    line = interp.format_record(rec)
    assert line.startswith("type=SYSCALL msg=audit(11/14/23 22:13:20.123:7) : arch=x86_64 "
                           "syscall=open success=no exit=ENOENT(No such file or directory) ")
    assert line.endswith(" key=(null) ")


def test_record_from_netlink_and_node(interp):
    rec = make_record(1307, 'audit(1700000000.001:9): cwd="/root"', node="box")
    assert interp.format_record(rec) == \
        "node=box type=CWD msg=audit(11/14/23 22:13:20.001:9) : cwd=/root "


def test_interpret_single_fields(interp):
    rec = parse_record(SYSCALL_LINE.format(nr=41, v="2"))
    assert interp.interpret(rec, "a0", "2") == "inet"
    assert interp.interpret(rec, "a1", "80802") == "SOCK_DGRAM"
    assert interp.interpret(rec, "syscall", "41") == "socket"
    assert interp.interpret(rec, "arch", "c000003e") == "x86_64"
    path = parse_record('type=PATH msg=audit(1.2:3): item=0 name="/x" mode=0100644 '
                        "cap_fp=3000 flags=101")
    assert interp.interpret(path, "mode", "0100644") == "file,644"
    assert interp.interpret(path, "cap_fp", "3000") == "net_admin,net_raw"
    assert interp.interpret(path, "flags", "101") == "follow,open"
    assert interp.interpret(path, "name", "2F61") == "/a"
    title = parse_record("type=PROCTITLE msg=audit(1.2:3): proctitle=6C73002D6C")
    assert interp.interpret(title, "proctitle", "6C73002D6C") == "ls -l"


def test_enriched_values_win_for_ids(interp):
    rec = parse_record('type=USER msg=audit(1.2:3): pid=1 uid=0 auid=5 ses=1 msg=\'op=x '
                       'res=success\'\x1dUID="daemon" AUID="someone"')
    assert interp.interpret(rec, "uid", "0") == "daemon"
    assert interp.interpret(rec, "auid", "5") == "someone"
    assert interp.format_record(rec).startswith(
        "type=USER msg=audit(01/01/70 00:00:01.002:3) : pid=1 uid=daemon auid=someone ses=1 "
        "msg='op=x res=success' ")


@pytest.mark.parametrize("mode", list(EscapeMode))
def test_bad_values_never_raise(mode):
    interp = Interpreter(mode, names=NameLookup({}, {}), localtime=time.gmtime)
    rec = parse_record(SYSCALL_LINE.format(nr=2, v="0"))
    names = sorted(FIELD_TYPES) + ["a0", "a1", "a2", "a3", "saddr", "flags", "mode", "msg"]
    for name, value in itertools.product(names, NASTY):
        assert isinstance(interp.interpret(rec, name, value), str)
    for nr, value in itertools.product(range(0, 460, 3), NASTY[:12]):
        line = interp.format_record(parse_record(SYSCALL_LINE.format(nr=nr, v=value or "0")))
        assert line.startswith("type=SYSCALL msg=audit(")


@pytest.mark.parametrize("body", [
    "", " ", "=", "==", "a=", "=b", "a='", 'a="', "a=,", ",,,", "msg=", "msg='", "msg='x=",
    "proctitle=zz", "proctitle=414", "saddr=zz", "saddr=02", "saddr=0A00", "saddr=" + "1" * 99,
    "data=zz", "data=", "key=" + "01" * 5, "arch=zz syscall=zz", "exit=-99999999999999999999",
    "acct=: res=x", "acct=", "per=-1 sig=-5 list=-1 cap_pi=-1", "\x1d", "a=1\x1dA=2 =3 B",
])
def test_odd_bodies_never_raise(interp, body):
    for record_type in ("SYSCALL", "SECCOMP", "EXECVE", "PATH", "TTY", "SOCKADDR", "AVC",
                        "USER_TTY", "TRUSTED_APP", "NETFILTER_PKT", "UNKNOWN[1999]"):
        rec = parse_record(f"type={record_type} msg=audit(1.2:3): {body}")
        assert isinstance(interp.format_record(rec), str)


def test_huge_and_negative_times_do_not_raise():
    interp = Interpreter(names=NameLookup({}, {}))
    for sec in (0, 2**31, 2**40, 2**63 - 1, 10**30):
        rec = parse_record(f'type=CWD msg=audit({sec}.001:1): cwd="/"')
        assert interp.format_record(rec).endswith(":1) : cwd=/ ")


def test_escape_modes():
    cwd, comm = b"/a b$(x)".hex(), b"x\x01y".hex()
    rec = parse_record(f"type=CWD msg=audit(1.2:3): cwd={cwd} comm={comm}")
    out = {mode: Interpreter(mode, localtime=time.gmtime).format_record(rec) for mode in EscapeMode}
    assert out[EscapeMode.RAW].endswith("cwd=/a b$(x) comm=x\x01y ")
    assert out[EscapeMode.TTY].endswith("cwd=/a b$(x) comm=x\\001y ")
    assert out[EscapeMode.SHELL].endswith("cwd=/a\\ b\\$\\(x\\) comm=x\\001y ")
    assert EscapeMode.parse("shell_quote") is EscapeMode.SHELL_QUOTE
    with pytest.raises(ValueError):
        EscapeMode.parse("html")


def test_multiple_keys(interp):
    key = "one\x01two".encode().hex()
    rec = parse_record(f"type=CONFIG_CHANGE msg=audit(1.2:3): op=add_rule key={key} list=4 res=1")
    assert "op=add_rule key=one key=two list=exit res=yes " in interp.format_record(rec)
    assert interp.interpret(rec, "key", key) == "one\x01two"


def test_decode_sockaddr_api():
    inet = decode_sockaddr("0200005009010203" + "00" * 8)
    assert isinstance(inet, SockAddr)
    assert (inet.family, inet.family_name, inet.address, inet.port) == (2, "inet", "9.1.2.3", 80)
    assert str(inet) == "{ saddr_fam=inet laddr=9.1.2.3 lport=80 }"
    local = decode_sockaddr("01002F72756E2F7800")
    assert (local.family_name, local.path, str(local)) == \
        ("local", "/run/x", "{ saddr_fam=local path=/run/x }")
    inet6 = decode_sockaddr("0A0001BB00000000" + "00" * 15 + "01" + "00000000")
    assert (inet6.address, inet6.port, str(inet6)) == \
        ("::1", 443, "{ saddr_fam=inet6 laddr=::1 lport=443 }")
    netlink = decode_sockaddr("1000000039300000" + "00000000")
    assert netlink.netlink_pid == 12345
    assert str(decode_sockaddr("C800")) == "unknown-family(200)"
    assert str(decode_sockaddr("zz")) == "malformed-host(zz)"
    assert decode_sockaddr("zz").family is None


def test_syscall_names_and_errnos():
    assert syscall_name(0xC000003E, 2) == "open"
    assert syscall_name(0x40000003, 102) == "socketcall"
    assert syscall_name(0xC00000B7, 56) == "openat"
    assert syscall_name(0xC000003E, 99999) is None
    assert syscall_name(0xDEADBEEF, 1) is None
    assert errno_text(-2) == ("ENOENT", "No such file or directory")
    assert errno_text(-13) == ("EACCES", "Permission denied")
    assert errno_text(-9999) == (None, "Unknown error 9999")


def test_field_types_follow_record_type():
    assert field_type(1309, "a1", "41") is FieldType.ESCAPED          # EXECVE argument
    assert field_type(1300, "a1", "41") is FieldType.A1
    assert field_type(1302, "flags", "1") is FieldType.FLAGS          # PATH lookup flags
    assert field_type(1323, "flags", "1") is FieldType.MMAP
    assert field_type(1400, "saddr", "1.2.3.4") is FieldType.UNCLASSIFIED
    assert field_type(1116, "id", "5") is FieldType.GID               # ADD_GROUP
    assert field_type(1100, "acct", "(unknown)") is FieldType.UNCLASSIFIED


def test_c_number_parsing():
    assert strtoul("12abc") == 12
    assert strtoul("abc") == 0
    assert strtoul("  -1") == 2**64 - 1
    assert strtoul("0x1f", 16) == 31
    assert strtoul("0xg", 16) == 0
    assert strtol("-5") == -5
    with pytest.raises(ConversionError):
        strtoul("18446744073709551616")
    with pytest.raises(ConversionError):
        strtol("9223372036854775808")
