"""The reference's binary plugin format (``format = binary``).

Each record is a ``struct audit_dispatcher_header`` (four native-endian
``uint32``: ``ver``, ``hlen`` = 16, ``type``, ``size``) followed by a fixed
``MAX_AUDIT_MESSAGE_LENGTH`` (8970) byte data area whose first ``size`` bytes
are the record; the reference sends the whole area (the rest is whatever its
buffer held; we send zeros).

``ver`` is :data:`PROTOCOL_VER` (0) when the data is the kernel's text
(``audit(...): body``), :data:`PROTOCOL_VER2` (1) when it is the formatted
line (``[node=N ]type=T msg=...``, ENRICHED part included).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PROTOCOL_VER = 0
PROTOCOL_VER2 = 1
MAX_AUDIT_MESSAGE_LENGTH = 8970
HEADER = struct.Struct("=IIII")
HEADER_SIZE = HEADER.size  # 16
FRAME_SIZE = HEADER_SIZE + MAX_AUDIT_MESSAGE_LENGTH


class BinaryFormatError(ValueError):
    """A frame that is not a dispatcher header + data area."""


@dataclass(frozen=True)
class BinaryFrame:
    ver: int
    type: int
    data: bytes  # the first ``size`` bytes of the data area

    @property
    def size(self) -> int:
        return len(self.data)


def encode_frame(ver: int, rtype: int, data: bytes, size: int | None = None) -> bytes:
    """Header + the 8970-byte data area (``data`` zero-padded or cut).
    ``size`` overrides the header's size field (the reference's quirk for
    records cut at the limit: 8969 bytes of data announced as 8970)."""
    data = data[:MAX_AUDIT_MESSAGE_LENGTH]
    if size is None:
        size = len(data)
    return (HEADER.pack(ver, HEADER_SIZE, rtype, size)
            + data + bytes(MAX_AUDIT_MESSAGE_LENGTH - len(data)))


def decode_frames(buf: bytes) -> tuple[list[BinaryFrame], bytes]:
    """Complete frames of ``buf`` and the unconsumed tail."""
    frames = []
    off = 0
    while len(buf) - off >= HEADER_SIZE:
        ver, hlen, rtype, size = HEADER.unpack_from(buf, off)
        if hlen != HEADER_SIZE or size > MAX_AUDIT_MESSAGE_LENGTH:
            raise BinaryFormatError(f"bad dispatcher header at offset {off} "
                                    f"(hlen={hlen} size={size})")
        if len(buf) - off < FRAME_SIZE:
            break
        start = off + HEADER_SIZE
        frames.append(BinaryFrame(ver, rtype, bytes(buf[start:start + size])))
        off += FRAME_SIZE
    return frames, bytes(buf[off:])
