"""The rule model and parser, pure (no kernel)."""

from __future__ import annotations

import struct

import pytest

from audix.daemon.errors import RuleError
from audix.daemon.getopt_gnu import GnuGetopt, LongOption
from audix.daemon.rules import (
    ALL,
    Action,
    F,
    Filter,
    Operator,
    Rule,
    RuleField,
    mask_from_syscalls,
    parse_rule_args,
    syscall_rule,
    syscalls_from_mask,
)
from audix.daemon.rules_lookup import determine_machine, strtol, strtoul
from audix.daemon.rules_parse import Executor, LineState, ParseEnv, rule_from_args
from audix.daemon.rules_text import render_listing

ENV = ParseEnv(features=lambda: 0x7F, machine=lambda: "x86_64")


def parse(*args: str, env: ParseEnv = ENV):
    return parse_rule_args(list(args), env=env)


# -- model and wire format -----------------------------------------------------------

def test_rule_bytes_layout():
    rule = Rule(Filter.EXIT, Action.ALWAYS, prepend=True, syscalls={0, 33, 2047},
                fields=[RuleField(F.UID, Operator.GREATER_THAN_OR_EQUAL, 1000),
                        RuleField(F.FILTERKEY, Operator.EQUAL, "ab")])
    data = rule.to_bytes()
    assert len(data) == 1040 + 2
    flags, action, count = struct.unpack_from("=3I", data)
    assert (flags, action, count) == (0x14, 2, 2)
    mask = struct.unpack_from("=64I", data, 12)
    assert mask[0] == 1 and mask[1] == 2 and mask[63] == 0x80000000
    assert struct.unpack_from("=2I", data, 12 + 256) == (1, 210)
    assert struct.unpack_from("=2I", data, 12 + 512) == (1000, 2)
    assert struct.unpack_from("=2I", data, 12 + 768) == (0x60000000, 0x40000000)
    assert data[-6:] == struct.pack("=I", 2) + b"ab"
    assert Rule.from_bytes(data) == rule
    assert rule.keys == ["ab"]


def test_all_syscalls_and_mask_helpers():
    assert mask_from_syscalls(ALL) == (0xFFFFFFFF,) * 64
    assert syscalls_from_mask(mask_from_syscalls(ALL)) is ALL
    assert syscalls_from_mask(mask_from_syscalls({5, 64})) == frozenset({5, 64})
    with pytest.raises(ValueError):
        mask_from_syscalls({2048})


def test_several_keys_share_one_field():
    cmd = parse("-a", "always,exit", "-S", "all", "-k", "a", "-F", "key=b", "-k", "c")
    rule = cmd.final_rule()
    assert rule.keys == ["a", "b", "c"]
    assert [f.value for f in rule.fields if f.field == F.FILTERKEY] == ["a\x01b\x01c"]
    assert render_listing([rule]) == ["-a always,exit -S all -F key=a -F key=b -F key=c"]


def test_from_bytes_rejects_garbage():
    with pytest.raises(ValueError):
        Rule.from_bytes(b"\0" * 100)
    bad = bytearray(Rule(syscalls=ALL, fields=[RuleField(F.UID, Operator.EQUAL, 0)]).to_bytes())
    struct.pack_into("=I", bad, 12 + 768, 0x01234567)  # no such operator
    with pytest.raises(ValueError):
        Rule.from_bytes(bytes(bad))


def test_to_command_line_uses_given_arch_for_names():
    rule = Rule(syscalls={2}, fields=[])
    assert rule.to_command_line("x86_64") == "-a always,exit -S open"
    assert rule.to_command_line("i386") == "-a always,exit -S fork"


# -- builder for autrace ---------------------------------------------------------------

def test_syscall_rule_builder_matches_auditctl():
    built = syscall_rule(arch="b64", fields=[RuleField(F.PID, Operator.EQUAL, 1234)], key="autrace")
    parsed = parse("-A", "exit,always", "-F", "arch=b64", "-S", "all", "-F", "pid=1234", "-k", "autrace")
    assert built.to_bytes() == parsed.final_rule().to_bytes()
    named = syscall_rule(arch="x86_64", fields=[], key="k", syscalls=["openat", "close", 59])
    assert named.syscalls == frozenset({257, 3, 59})
    assert named.prepend and named.arch == 0xC000003E
    with pytest.raises(ValueError):
        syscall_rule(arch="x86_64", fields=[], syscalls=["nosuchcall"])
    with pytest.raises(ValueError):
        syscall_rule(arch="vax", fields=[])


def test_rule_from_args_raises_reference_message():
    with pytest.raises(RuleError, match="^Syscall name unknown: nope$"):
        rule_from_args(["-a", "always,exit", "-S", "nope"], env=ENV)
    rule = rule_from_args(["-w", "/etc/passwd", "-p", "wa"], env=ENV)
    assert render_listing([rule]) == ["-w /etc/passwd -p wa"]


# -- parser details --------------------------------------------------------------------

def test_list_and_action_in_either_order():
    a = parse("-a", "always,exit", "-S", "open").final_rule()
    b = parse("-a", "exit,always", "-S", "open").final_rule()
    assert a.to_bytes() == b.to_bytes()


def test_syscall_numbers_names_and_lists():
    rule = parse("-a", "always,exit", "-F", "arch=b64", "-S", "open,3", "-S", "OPENAT").final_rule()
    assert rule.syscalls == frozenset({2, 3, 257})


def test_arch_b32_selects_i386_table():
    rule = parse("-a", "always,exit", "-F", "arch=b32", "-S", "open").final_rule()
    assert rule.syscalls == frozenset({5}) and rule.arch == 0x40000003


def test_watch_on_directory_is_dir_field(tmp_path):
    env = ParseEnv(features=lambda: 0x7F, machine=lambda: "x86_64", is_dir=lambda p: p == "/data")
    rule = parse("-w", "/data/", "-k", "d", env=env).final_rule()
    assert [f.field for f in rule.fields] == [F.DIR, F.PERM, F.FILTERKEY]
    assert rule.fields[0].value == "/data"


def test_user_lookup_is_injectable():
    env = ParseEnv(features=lambda: 0x7F, machine=lambda: "x86_64",
                   lookup_user=lambda n: 4242 if n == "alice" else None)
    assert parse("-a", "always,exit", "-S", "all", "-F", "uid=alice", env=env).final_rule().fields[0].value == 4242
    cmd = parse("-a", "always,exit", "-S", "all", "-F", "uid=bob", env=env)
    assert cmd.retval == -1 and cmd.messages == ["Unknown user: bob"]


def test_exclude_without_extended_feature_takes_msgtype_only():
    env = ParseEnv(features=lambda: 0, machine=lambda: "x86_64")
    cmd = parse("-a", "never,exclude", "-F", "uid=0", env=env)
    assert cmd.messages == ["Field option not supported by kernel: uid"]
    assert parse("-a", "never,exclude", "-F", "msgtype=CWD", env=env).retval == 1


def test_negative_and_hex_values():
    rule = parse("-a", "always,exit", "-S", "all", "-F", "a0=-1", "-F", "a1=0x10", "-F",
                 "exit=-EACCES").final_rule()
    assert [f.value for f in rule.fields] == [0xFFFFFFFF, 16, (-13) & 0xFFFFFFFF]


def test_comparisons_are_symmetric():
    a = parse("-a", "always,exit", "-S", "all", "-C", "auid!=euid").final_rule()
    b = parse("-a", "always,exit", "-S", "all", "-C", "euid!=auid").final_rule()
    assert a.fields == b.fields == [RuleField(F.FIELD_COMPARE, Operator.NOT_EQUAL, 16)]


def test_control_options_go_to_executor():
    ex = Executor()
    cmd = parse_rule_args(["-e", "1", "-b", "320", "-r", "0"], env=ENV, executor=ex)
    assert cmd.retval == 0
    assert ex.calls == [("set_enabled", 1), ("request_status",), ("set_backlog_limit", 320),
                        ("request_status",), ("set_rate_limit", 0), ("request_status",)]


def test_ignore_and_continue_flags_persist_between_lines():
    state = LineState()
    parse_rule_args(["-c"], env=ENV, state=state)
    assert state.ignore and state.continue_error
    assert parse_rule_args(["-a", "always,exit", "-S", "all"], env=ENV, state=state).continue_error


def test_option_parsing_permutes_like_gnu():
    go = GnuGetopt(["prog", "x", "-ab", "v", "--long=3", "y"], "ab:", [LongOption("long", True, 9)])
    got = []
    while (c := go.next()) is not None:
        got.append((c, go.optarg))
    assert got == [("a", None), ("b", "v"), (9, "3")]
    assert go.argv[go.optind:] == ["x", "y"]


def test_getopt_long_abbreviations_and_errors():
    longs = [LongOption("reset-lost", False, 3), LongOption("reset_backlog", False, 4),
             LongOption("signal", True, 5)]
    go = GnuGetopt(["p", "--sig", "HUP", "--reset", "--reset-l", "-z", "-q"], "q:", longs)
    out = []
    while (c := go.next()) is not None:
        out.append((c, go.optarg))
    assert out == [(5, "HUP"), ("?", None), (3, None), ("?", None), ("?", None)]


@pytest.mark.parametrize("text,signed,unsigned", [
    ("10", 10, 10), ("0x1f", 31, 31), ("010", 8, 8), ("-1", 0xFFFFFFFF, 0xFFFFFFFF),
    ("12abc", 12, 12), ("99999999999999999999999", 0xFFFFFFFF, 0xFFFFFFFF),
])
def test_c_number_parsing(text, signed, unsigned):
    assert strtol(text) == signed and strtoul(text) == unsigned


def test_determine_machine_spellings():
    assert determine_machine("b64") == "x86_64"
    assert determine_machine("b32") == "i386"
    assert determine_machine("I686") == "i386"
    assert determine_machine("c000003e") == "x86_64"
    assert determine_machine("nonsense") is None
