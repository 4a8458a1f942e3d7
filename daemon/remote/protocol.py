"""The remote logging wire format (audisp-remote <-> auditd ``tcp_listen_port``).

Every message is a 16-byte little-endian header followed by ``length`` body
bytes: magic ``0xff0000fe``, header version (u8, 0), message version (u8, 0),
type (u32), length (u16, at most 8970), sequence (u32).  A record travels
with its newline.  A connection whose
first bytes are not the magic is plain text: one record per ``\\n``-terminated
line, never acknowledged.

Pure code: :func:`encode` builds a message, :class:`StreamDecoder` cuts a
byte stream into :class:`Frame` / text lines and raises :class:`ProtocolError`
on hostile input (bad magic, length over the limit, unknown header version,
text line too long, data cut inside a header or body).
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

HEADER_SIZE = 16
MAGIC = 0xFF0000FE
MAGIC_BYTES = struct.pack("<I", MAGIC)
HEADER_VERSION = 0
MAX_MESSAGE_LENGTH = 8970  # MAX_AUDIT_MESSAGE_LENGTH

_HEADER = struct.Struct("<IBBIHI")

REPLY_MASK = 0x40000000
FATAL_MASK = 0x20000000
WARN_MASK = 0x10000000


class MessageType(enum.IntEnum):
    MESSAGE = 0x00000000
    HEARTBEAT = 0x00000001
    ACK = 0x40000000
    ENDING = 0x40000001
    DISKLOW = 0x50000001
    DISKFULL = 0x60000001
    DISKERROR = 0x60000002


class ProtocolError(Exception):
    """The peer sent something that is not the protocol; close it."""


@dataclass(frozen=True)
class Frame:
    type: int            # a MessageType value, or another number a peer sent
    sequence: int
    body: bytes
    message_version: int = 0

    @property
    def is_fatal(self) -> bool:
        return bool(self.type & FATAL_MASK)

    @property
    def is_warning(self) -> bool:
        return bool(self.type & WARN_MASK)

    def text(self) -> str:
        """The body as latin-1 text, cut at a NUL and without trailing newlines."""
        body = self.body.split(b"\0", 1)[0]
        return body.rstrip(b"\n").decode("latin-1")


def encode(type_: int, sequence: int, body: bytes = b"", message_version: int = 0) -> bytes:
    """One message: header + body.  ValueError if the body is too long."""
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ValueError(f"message body of {len(body)} bytes exceeds {MAX_MESSAGE_LENGTH}")
    return _HEADER.pack(MAGIC, HEADER_VERSION, message_version, type_ & 0xFFFFFFFF,
                        len(body), sequence & 0xFFFFFFFF) + body


def encode_record(sequence: int, line: str) -> bytes:
    """A MESSAGE carrying one record and its newline, as the reference sends it
    (cut to the maximum length)."""
    body = line.rstrip("\n").encode("latin-1")[:MAX_MESSAGE_LENGTH - 1] + b"\n"
    return encode(MessageType.MESSAGE, sequence, body)


def decode_header(header: bytes) -> tuple[int, int, int, int, int]:
    """(header_version, message_version, type, length, sequence); ProtocolError
    when the bytes are not a valid header."""
    if len(header) < HEADER_SIZE:
        raise ProtocolError(f"truncated header ({len(header)} of {HEADER_SIZE} bytes)")
    magic, hver, mver, type_, length, seq = _HEADER.unpack_from(header)
    if magic != MAGIC:
        raise ProtocolError(f"bad magic number 0x{magic:08x}")
    if hver != HEADER_VERSION:
        raise ProtocolError(f"unsupported header version {hver}")
    if length > MAX_MESSAGE_LENGTH:
        raise ProtocolError(f"message length {length} exceeds {MAX_MESSAGE_LENGTH}")
    return hver, mver, type_, length, seq


class StreamMode(enum.Enum):
    UNKNOWN = "unknown"   # not enough bytes yet to tell
    MANAGED = "managed"   # framed messages
    ASCII = "ascii"       # newline-terminated text


class StreamDecoder:
    """Incremental decoder for one connection.

    ``feed(data)`` returns the complete items found so far: :class:`Frame`
    objects in managed mode, ``str`` lines (latin-1, without ``\\n``) in text
    mode.  The mode is decided by the first bytes of the connection.
    ``finish()`` is called at end of stream: it returns a last unterminated
    text line, or raises ProtocolError when a frame was cut short.
    The buffer never holds more than one maximal message.
    """

    def __init__(self, max_length: int = MAX_MESSAGE_LENGTH) -> None:
        self.max_length = max_length
        self.mode = StreamMode.UNKNOWN
        self._buf = bytearray()
        self._scan = 0  # text mode: bytes already known to hold no newline

    def feed(self, data: bytes) -> list:
        self._buf += data
        if self.mode is StreamMode.UNKNOWN:
            self._decide()
        if self.mode is StreamMode.MANAGED:
            return self._frames()
        if self.mode is StreamMode.ASCII:
            return self._lines()
        return []

    def _decide(self) -> None:
        n = min(len(self._buf), 4)
        if bytes(self._buf[:n]) != MAGIC_BYTES[:n]:
            self.mode = StreamMode.ASCII
        elif n == 4:
            self.mode = StreamMode.MANAGED

    def _frames(self) -> list:
        out = []
        buf = self._buf
        pos = 0
        while len(buf) - pos >= 4:
            if buf[pos:pos + 4] != MAGIC_BYTES:
                del buf[:pos]
                raise ProtocolError("bad magic number 0x%08x"
                                    % struct.unpack_from("<I", buf, 0)[0])
            if len(buf) - pos < HEADER_SIZE:
                break
            _, mver, type_, length, seq = decode_header(bytes(buf[pos:pos + HEADER_SIZE]))
            if length > self.max_length:
                raise ProtocolError(f"message length {length} exceeds {self.max_length}")
            end = pos + HEADER_SIZE + length
            if len(buf) < end:
                break
            out.append(Frame(type_, seq, bytes(buf[pos + HEADER_SIZE:end]), mver))
            pos = end
        del buf[:pos]
        return out

    def _lines(self) -> list:
        out = []
        buf = self._buf
        start = 0
        search = self._scan
        while True:
            nl = buf.find(b"\n", search)
            if nl < 0:
                break
            if nl - start > self.max_length:
                raise ProtocolError(f"text line longer than {self.max_length} bytes")
            out.append(bytes(buf[start:nl]).split(b"\0", 1)[0].decode("latin-1"))
            start = search = nl + 1
        del buf[:start]
        if len(buf) > self.max_length:
            raise ProtocolError(f"text line longer than {self.max_length} bytes")
        self._scan = len(buf)
        return out

    @property
    def pending(self) -> int:
        """Bytes received but not yet part of a complete item."""
        return len(self._buf)

    def finish(self) -> list:
        """End of stream: the last unterminated text line, if any."""
        buf, self._buf = self._buf, bytearray()
        self._scan = 0
        if not buf:
            return []
        if self.mode is StreamMode.ASCII:
            line = bytes(buf).split(b"\0", 1)[0].decode("latin-1")
            return [line] if line else []
        if len(buf) < HEADER_SIZE:
            raise ProtocolError(f"truncated header ({len(buf)} of {HEADER_SIZE} bytes)")
        raise ProtocolError(f"truncated message ({len(buf) - HEADER_SIZE} body bytes)")
