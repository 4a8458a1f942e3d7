"""The hot read path: drain an audit netlink socket into (type, text) pairs.

:mod:`audix.daemon.netlink` readers return the same data; this loop does
only what a run that must keep up with ~100k records/s needs (one
``recvfrom`` per record, kernel senders only, control replies skipped), and
gives the socket a very large receive buffer: when a unicast audit socket
overflows, the kernel drops records (silently unless booted with
``audit=1``), so the buffer, not backpressure, is what prevents loss.
"""
from __future__ import annotations

import errno
import socket

SO_RCVBUFFORCE = 33
RECEIVE_BUFFER = 1 << 30          # charged only while records wait in it
_RECV_SIZE = 65536
_FIRST_RECORD_TYPE = 1100
_AUDIT_USER = 1005


def enlarge_receive_buffer(sock: socket.socket, size: int = RECEIVE_BUFFER) -> None:
    for opt in (SO_RCVBUFFORCE, socket.SO_RCVBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, opt, size)
            return
        except OSError:
            continue


class SocketDrain:
    """Non-blocking reads of every record waiting on ``sock``; ``overruns`` counts ENOBUFS."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.overruns = 0

    def read(self, limit: int = 8192) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        append = out.append
        recvfrom = self.sock.recvfrom
        flags = socket.MSG_DONTWAIT
        from_bytes = int.from_bytes
        for _ in range(limit):
            try:
                data, addr = recvfrom(_RECV_SIZE, flags)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno == errno.ENOBUFS:
                    self.overruns += 1
                    continue
                raise
            if addr[0] != 0 or len(data) < 16:
                continue
            rtype = from_bytes(data[4:6], "little")
            if rtype < _FIRST_RECORD_TYPE and rtype != _AUDIT_USER:
                continue
            append((rtype, data[16:].rstrip(b"\0\n").decode("latin-1")))
        return out
