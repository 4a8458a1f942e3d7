"""The remote framing: encode/decode round trip and hostile input."""

from __future__ import annotations

import struct

import pytest

from audix.daemon.remote.protocol import (HEADER_SIZE, MAX_MESSAGE_LENGTH, Frame, MessageType,
                                          ProtocolError, StreamDecoder, StreamMode,
                                          decode_header, encode, encode_record)


def test_header_layout_is_the_references():
    data = encode(MessageType.MESSAGE, 0x01020304, b"abc")
    assert data[:4] == b"\xfe\x00\x00\xff"          # magic 0xff0000fe, little endian
    assert data[4] == 0 and data[5] == 0             # header / message version
    assert struct.unpack_from("<I", data, 6)[0] == 0
    assert struct.unpack_from("<H", data, 10)[0] == 3
    assert struct.unpack_from("<I", data, 12)[0] == 0x01020304
    assert data[HEADER_SIZE:] == b"abc" and len(data) == 19


@pytest.mark.parametrize("mtype", list(MessageType))
def test_round_trip_every_type(mtype):
    body = b"" if mtype == MessageType.HEARTBEAT else b"disk full"
    frames = StreamDecoder().feed(encode(mtype, 77, body))
    assert frames == [Frame(int(mtype), 77, body)]


def test_record_body_has_its_newline_and_text_strips_it():
    data = encode_record(5, "type=USER msg=audit(1.000:1): x=1")
    assert data.endswith(b"x=1\n") and encode_record(5, "a\n") == encode_record(5, "a")
    assert len(encode_record(1, "x" * 9000)) == HEADER_SIZE + MAX_MESSAGE_LENGTH
    (frame,) = StreamDecoder().feed(data + encode(0, 6, b"type=A msg=audit(1.0:2): y\n"))[:1]
    assert frame.text() == "type=USER msg=audit(1.000:1): x=1"
    assert StreamDecoder().feed(encode(0, 6, b"a\nb\n\n"))[0].text() == "a\nb"


def test_byte_at_a_time_gives_the_same_frames():
    msgs = [encode_record(i, f"type=USER msg=audit(1.{i:03d}:{i}): n={i}" + "x" * i * 37)
            for i in range(40)] + [encode(MessageType.HEARTBEAT, 99)]
    stream = b"".join(msgs)
    whole = StreamDecoder().feed(stream)
    dec = StreamDecoder()
    pieces = []
    for i in range(len(stream)):
        pieces += dec.feed(stream[i:i + 1])
    assert pieces == whole and len(whole) == 41
    assert dec.pending == 0 and dec.finish() == []


def test_maximum_length_is_accepted_and_one_more_refused():
    body = b"a" * MAX_MESSAGE_LENGTH
    assert StreamDecoder().feed(encode(0, 1, body))[0].body == body
    with pytest.raises(ValueError):
        encode(0, 1, body + b"a")
    header = struct.pack("<IBBIHI", 0xFF0000FE, 0, 0, 0, MAX_MESSAGE_LENGTH + 1, 1)
    with pytest.raises(ProtocolError, match="exceeds"):
        StreamDecoder().feed(header)
    with pytest.raises(ProtocolError, match="exceeds"):
        decode_header(header)


def test_bad_magic_after_a_good_frame():
    dec = StreamDecoder()
    good = encode_record(1, "type=USER msg=audit(1.0:1): a")
    assert len(dec.feed(good)) == 1
    with pytest.raises(ProtocolError, match="bad magic"):
        dec.feed(b"\xfe\x00\x00\xfe" + bytes(12))


def test_bad_header_version_refused():
    header = struct.pack("<IBBIHI", 0xFF0000FE, 1, 0, 0, 0, 1)
    with pytest.raises(ProtocolError, match="header version"):
        StreamDecoder().feed(header)


@pytest.mark.parametrize("cut", [1, 3, 4, 10, 15])
def test_truncated_header_reported_at_end(cut):
    dec = StreamDecoder()
    assert dec.feed(encode_record(1, "type=USER msg=audit(1.0:1): a")[:cut]) == []
    with pytest.raises(ProtocolError, match="truncated header"):
        dec.finish()


def test_truncated_body_reported_at_end():
    dec = StreamDecoder()
    assert dec.feed(encode_record(1, "type=USER msg=audit(1.0:1): abc")[:-2]) == []
    with pytest.raises(ProtocolError, match="truncated message"):
        dec.finish()


def test_text_stream():
    dec = StreamDecoder()
    assert dec.feed(b"type=USER msg=audit(1.0:1): a\ntype=US") == ["type=USER msg=audit(1.0:1): a"]
    assert dec.mode is StreamMode.ASCII
    assert dec.feed(b"ER msg=audit(1.0:2): b\n\n") == ["type=USER msg=audit(1.0:2): b", ""]
    assert dec.feed(b"last") == []
    assert dec.finish() == ["last"]


def test_text_stream_decided_on_first_byte_and_bounded():
    dec = StreamDecoder()
    assert dec.feed(b"\xfe\x00") == [] and dec.mode is StreamMode.UNKNOWN
    assert dec.feed(b"\x00x") == [] and dec.mode is StreamMode.ASCII
    with pytest.raises(ProtocolError, match="longer than"):
        StreamDecoder().feed(b"a" * (MAX_MESSAGE_LENGTH + 1))
    with pytest.raises(ProtocolError, match="longer than"):
        dec2 = StreamDecoder()
        for _ in range(10):
            dec2.feed(b"b" * 1000)


def test_text_line_cut_at_nul():
    assert StreamDecoder().feed(b"abc\0def\n") == ["abc"]
    assert encode(MessageType.ACK, 1).endswith(b"\x01\x00\x00\x00")


def test_reply_masks():
    assert Frame(MessageType.DISKFULL, 1, b"").is_fatal
    assert Frame(MessageType.DISKLOW, 1, b"").is_warning
    assert not Frame(MessageType.ACK, 1, b"").is_fatal
