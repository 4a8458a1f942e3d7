"""A small struct codec for the audit control messages autrace sends.

autrace talks to the kernel with five kinds of request: get status, set
status (enable, register/unregister as the daemon), add rule, delete rule and
list rules.  Encoding those and decoding their replies is a few lines of
:mod:`struct`; doing it here keeps pyroute2 (tens of milliseconds to import)
off autrace's start path.  The bytes are the ones
:func:`audix.daemon.netlink_marshal.encode_request` (pyroute2) produces, and
the decoded values those of :class:`~audix.daemon.netlink_marshal.MarshalAudit`
(``tests/test_netlink_codec.py`` checks both).  Other requests (features,
signal info, tty...) still go through pyroute2.

Layout (``linux/netlink.h``, ``linux/audit.h``): a 16-byte ``nlmsghdr``
(length, type, flags, sequence, port id) then the payload; a datagram may
carry several messages, each starting at a 4-byte boundary.
"""
from __future__ import annotations

import struct
from typing import Iterator, NamedTuple

NLMSG_ERROR = 2
NLMSG_DONE = 3
AUDIT_GET = 1000
AUDIT_SET = 1001
AUDIT_ADD_RULE = 1011
AUDIT_DEL_RULE = 1012
AUDIT_LIST_RULES = 1013

HEADER = struct.Struct("=IHHII")       # nlmsghdr
STATUS = struct.Struct("=11I")         # struct audit_status
STATUS_FIELDS = ("mask", "enabled", "failure", "pid", "rate_limit", "backlog_limit", "lost",
                 "backlog", "feature_bitmap", "backlog_wait_time", "backlog_wait_time_actual")
RULE_FIXED = 3 * 4 + 4 * 64 * 4 + 4    # audit_rule_data without its string buffer
_BUFLEN = struct.Struct("=I")
_ERROR = struct.Struct("=i")

STATUS_REQUESTS = frozenset((AUDIT_GET, AUDIT_SET))
BLOB_REQUESTS = frozenset((AUDIT_ADD_RULE, AUDIT_DEL_RULE, AUDIT_LIST_RULES))
ENCODED_HERE = STATUS_REQUESTS | BLOB_REQUESTS   # the rest: pyroute2 (netlink_marshal)
DECODED_HERE = frozenset((NLMSG_ERROR, NLMSG_DONE, AUDIT_GET, AUDIT_SET, AUDIT_LIST_RULES))


class Message(NamedTuple):
    """One netlink message of a reply datagram."""

    type: int
    flags: int
    seq: int
    port: int
    payload: bytes          # the payload the header declares
    raw: bytes              # the whole message, header included (for other decoders)


def encode_status_request(mtype: int, flags: int, seq: int, status: dict) -> bytes:
    """A request carrying a whole ``audit_status`` (AUDIT_SET)."""
    values = [status.get(name, 0) & 0xFFFFFFFF for name in STATUS_FIELDS]
    return HEADER.pack(HEADER.size + STATUS.size, mtype, flags, seq, 0) + STATUS.pack(*values)


def encode_blob_request(mtype: int, flags: int, seq: int, payload: bytes = b"") -> bytes:
    """A request whose payload is given as bytes (a rule; none for AUDIT_GET), unpadded."""
    return HEADER.pack(HEADER.size + len(payload), mtype, flags, seq, 0) + bytes(payload)


def encode_request(mtype: int, flags: int, seq: int, *, status: dict | None = None,
                   payload: bytes | None = None) -> bytes:
    """The datagram of a request this module encodes (see :data:`ENCODED_HERE`)."""
    if mtype not in ENCODED_HERE:
        raise ValueError(f"netlink_codec does not encode message type {mtype}")
    if status is not None:
        return encode_status_request(mtype, flags, seq, status)
    return encode_blob_request(mtype, flags, seq, payload or b"")


def messages(data: bytes) -> Iterator[Message]:
    """The messages of a datagram (a truncated one, longer than what arrived, is dropped)."""
    offset = 0
    end = len(data)
    while offset + HEADER.size <= end:
        length, mtype, flags, seq, port = HEADER.unpack_from(data, offset)
        stop = offset + length
        if length < HEADER.size or stop > end:
            return
        yield Message(mtype, flags, seq, port, bytes(data[offset + HEADER.size:stop]),
                      bytes(data[offset:stop]))
        offset += (length + 3) & ~3


def error_value(msg: Message) -> int:
    """The ``error`` of an NLMSG_ERROR (0: an ack; negative: -errno)."""
    if len(msg.payload) < _ERROR.size:
        return 0
    return _ERROR.unpack_from(msg.payload)[0]


def status_values(msg: Message) -> tuple[tuple[int, ...], int]:
    """The 11 ``audit_status`` fields of an AUDIT_GET reply (zeros past what an
    older kernel sends) and the payload length it sent."""
    have = min(len(msg.payload), STATUS.size)
    return STATUS.unpack(msg.payload[:have].ljust(STATUS.size, b"\0")), have


def rule_payload(msg: Message) -> bytes:
    """An AUDIT_LIST_RULES reply's rule as ``audit_rule_data`` bytes (no padding)."""
    if len(msg.payload) < RULE_FIXED:
        return bytes(msg.payload)
    buflen = _BUFLEN.unpack_from(msg.payload, RULE_FIXED - 4)[0]
    return bytes(msg.payload[:RULE_FIXED + buflen])
