"""The normalizer's tables (audix.analysis.normalize.maps) and their
generator, gen_maps, which probes the installed libauparse.so.0.

The checked-in maps.py must be what the generator makes on this machine, and
our normalizer must agree with the library on every probe event the tables
come from (every record type, syscalls of several architectures).
"""
from __future__ import annotations

import pytest

from audix.analysis.interpret import Interpreter
from audix.analysis.normalize import gen_maps, maps
from audix.analysis.normalize.probe import (NORM_OPT_NO_ATTRS, LibAuparse, Normalization,
                                            ProbeUnavailable, single_record_event, syscall_event)
from audix.analysis.normalize.view import EventView
from audix.analysis.tables.arches import AUDIT_ARCH_NAMES
from audix.analysis.tables.msgtypes import MSG_TYPE_NAMES
from audix.analysis.tables.syscalls import SYSCALL_NUMBERS


@pytest.fixture(scope="module")
def lib() -> LibAuparse:
    try:
        return LibAuparse()
    except ProbeUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def interp() -> Interpreter:
    return Interpreter()


def _generated(lib: LibAuparse) -> str:
    try:
        return gen_maps.generate(lib)
    except gen_maps.GenError as exc:
        pytest.skip(f"cannot regenerate here: {exc}")


def test_maps_are_what_the_generator_makes(lib):
    with open(maps.__file__) as f:
        assert f.read() == _generated(lib)
    assert maps.SYSCALL_KINDS["openat"] == "FILE"
    assert maps.SYSCALL_KINDS["stat64"] == "FILE_STAT"        # an i386-only name
    assert "seteuid" not in maps.SYSCALL_KINDS                 # no architecture has it
    assert maps.RECORD_ACTIONS[1200] == "started-audit"
    assert maps.AUDIT_TYPES["AUDIT_SYSCALL"] == 1300
    assert maps.AUDIT_TYPES["AUDIT_FIRST_DAEMON"] == 1200     # a libaudit.h range macro


def test_audit_types_hold_every_header_macro_with_its_value():
    """maps.py writes out only what tables.audit_h and tables.msgtypes lack;
    the AUDIT_TYPES it composes must still give every header macro."""
    try:
        numbers = gen_maps.audit_types()
    except gen_maps.GenError as exc:
        pytest.skip(str(exc))
    assert {k: maps.AUDIT_TYPES.get(k) for k in numbers} == numbers
    assert set(maps.LIBAUDIT_H_TYPES) < set(numbers)
    assert "AUDIT_SYSCALL" not in maps.LIBAUDIT_H_TYPES        # given by tables.audit_h


def test_check_mode_reports_a_difference_and_writes_nothing(lib, tmp_path, monkeypatch, capsys):
    _generated(lib)
    assert gen_maps.main(["--check"]) == 0
    stale = tmp_path / "maps.py"
    stale.write_text("RECORD_ACTIONS = {}\n")
    monkeypatch.setattr(gen_maps, "MAPS", stale)
    assert gen_maps.main(["--check"]) == 1
    assert stale.read_text() == "RECORD_ACTIONS = {}\n"
    assert "differs" in capsys.readouterr().err
    assert gen_maps.main([]) == 0
    assert stale.read_text() == _generated(lib)


class _OddLibrary:
    """A libauparse that names an action the generator does not know."""
    name = "odd"

    def normalize(self, lines, opt=0):
        return Normalization("teleported", "file", "audit-rule", None, None)


def test_an_unknown_library_text_is_an_error_not_a_guess():
    with pytest.raises(gen_maps.GenError, match="teleported"):
        gen_maps.generate(_OddLibrary())


def _ours(lines: list[str], interp: Interpreter) -> tuple:
    n = EventView(lines, interp).n
    return n.action, n.obj_kind, n.evkind


def _theirs(lib: LibAuparse, lines: list[str]) -> tuple:
    got = lib.normalize(lines, NORM_OPT_NO_ATTRS)
    assert got is not None
    return got.action, got.object_kind, got.event_kind


def test_every_record_type_normalizes_like_libauparse(lib, interp):
    checked = 0
    for number in sorted(set(MSG_TYPE_NAMES) | set(range(1000, 3000))):
        name = MSG_TYPE_NAMES.get(number, f"UNKNOWN[{number}]")
        if name == "EOE":               # the library makes no event of a lone EOE
            continue
        lines = single_record_event(name, serial=number)
        assert _ours(lines, interp) == _theirs(lib, lines), name
        checked += 1
    assert checked > 1900


@pytest.mark.parametrize("arch", ["i386", "aarch64", "s390x"])
def test_syscall_kinds_hold_on_other_architectures(lib, interp, arch):
    audit_arch = {v: k for k, v in AUDIT_ARCH_NAMES.items()}[arch]
    checked = 0
    for name, number in sorted(SYSCALL_NUMBERS[arch].items()):
        lines = syscall_event(audit_arch, number, serial=number + 1)
        assert _ours(lines, interp) == _theirs(lib, lines), (arch, name)
        checked += name in maps.SYSCALL_KINDS
    assert checked > 30


@pytest.mark.parametrize("mode", gen_maps.PATH_MODES)
def test_object_kind_follows_the_created_file_mode_like_libauparse(lib, interp, mode):
    for name in ("mknod", "open", "unlink", "mount"):
        lines = syscall_event(0xC000003E, SYSCALL_NUMBERS["x86_64"][name], mode=mode)
        assert f"mode={mode} " in lines[4]
        assert _ours(lines, interp) == _theirs(lib, lines), (name, mode)


def test_a_missing_header_is_exit_2_with_one_line(lib, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(gen_maps, "HEADERS", (tmp_path / "absent.h",))
    monkeypatch.setattr(gen_maps, "MAPS", tmp_path / "maps.py")
    assert gen_maps.main(["--check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gen_maps: cannot read") and err.count("\n") == 1
    assert not (tmp_path / "maps.py").exists()
