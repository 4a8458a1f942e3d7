"""The record value: parse a line, give the identical line back."""
from pathlib import Path

import pytest

from audix.analysis.record import (
    EventID, ParseError, ParseErrorKind, decode_untrusted, make_record,
    parse_record, split_fields, type_name, type_number,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")     # a clone elsewhere (CI): the lab's copy


def corpus_lines(name):
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{path} not present (shared corpus missing)")
    return path.read_bytes().decode("latin-1").split("\n")[:-1]


@pytest.mark.parametrize("name", ["sample-raw.log", "sample-enriched.log"])
def test_corpus_round_trips(name):
    lines = corpus_lines(name)
    assert lines
    for line in lines:
        rec = parse_record(line)
        assert rec.line == line == str(rec)


def test_header_fields():
    rec = parse_record('node=web1 type=SYSCALL msg=audit(1795611224.064:796230): '
                       'arch=c000003e syscall=44 comm="auditctl" key=(null)')
    assert rec.node == "web1"
    assert rec.type == 1300 and rec.type_name == "SYSCALL"
    assert (rec.sec, rec.msec, rec.serial) == (1795611224, 64, 796230)
    assert rec.event_id == EventID(1795611224, 64, 796230, "web1")
    assert str(rec.event_id) == "1795611224.064:796230"
    assert rec.fields[0] == ("arch", "c000003e")
    assert rec.get("comm") == '"auditctl"'
    assert rec.get("missing") is None
    assert rec.enriched is None


def test_enriched_part_is_separate():
    line = ('type=SYSCALL msg=audit(1.002:3): arch=c000003e uid=0\x1d'
            'ARCH=x86_64 UID="root"')
    rec = parse_record(line)
    assert rec.body == "arch=c000003e uid=0"
    assert rec.raw_text == "type=SYSCALL msg=audit(1.002:3): arch=c000003e uid=0"
    assert rec.enriched == 'ARCH=x86_64 UID="root"'
    assert rec.get_enriched("UID") == '"root"'
    assert rec.line == line


def test_user_message_fields_are_opened():
    rec = parse_record("type=USER msg=audit(1.120:7): pid=1 uid=0 msg='text=a b "
                       "exe=\"/usr/sbin/auditctl\" res=success'")
    assert dict(rec.fields)["exe"] == '"/usr/sbin/auditctl"'
    assert dict(rec.fields)["res"] == "success"
    assert dict(rec.fields)["text"] == "a"


def test_unknown_type_number():
    rec = parse_record("type=UNKNOWN[1999] msg=audit(1.000:1): x=1")
    assert rec.type == 1999
    assert type_name(1999) == "UNKNOWN[1999]"
    assert type_number("EOE") == 1320


@pytest.mark.parametrize("line,kind", [
    ("", ParseErrorKind.EMPTY),
    ("garbage", ParseErrorKind.NO_HEADER),
    ("type=SYSCALL msg=audit(1.2", ParseErrorKind.NO_HEADER),
    ("type=NOSUCHTYPE msg=audit(1.000:1): x=1", ParseErrorKind.UNKNOWN_TYPE),
    ("type=SYSCALL msg=audit(1.0001:1): x=1", ParseErrorKind.BAD_TIMESTAMP),
])
def test_parse_errors_are_typed(line, kind):
    with pytest.raises(ParseError) as exc:
        parse_record(line)
    assert exc.value.kind is kind


def test_record_is_immutable():
    rec = parse_record("type=EOE msg=audit(1.000:1): ")
    with pytest.raises(AttributeError):
        rec.serial = 5


def test_make_record_from_netlink_text():
    rec = make_record(1300, "audit(1.500:9): arch=c000003e", node="h")
    assert rec.line == "node=h type=SYSCALL msg=audit(1.500:9): arch=c000003e"


def test_decode_untrusted():
    assert decode_untrusted('"ls"') == "ls"
    assert decode_untrusted("6C73002D6C") == "ls\0-l"
    assert decode_untrusted("(null)") == "(null)"
    assert decode_untrusted("xyz") == "xyz"


def test_split_fields_skips_free_text():
    assert split_fields("avc:  denied  { read } for pid=3") == (("pid", "3"),)
