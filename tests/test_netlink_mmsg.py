"""recvmmsg batches: the same datagrams as the one-recvfrom reader.

Kernel-sent datagrams without touching audit: NETLINK_ROUTE link dumps
(read-only, sender port id 0), so no kernel lock is needed."""
from __future__ import annotations

import os
import socket
import struct

import pytest

from audix.daemon.netlink import DatagramReader
from audix.daemon.netlink_mmsg import BatchDatagramReader, batch_reader

RTM_GETLINK = 18
RTM_GETADDR = 22
NLM_F_REQUEST = 1
NLM_F_DUMP = 0x300


def _route_socket() -> socket.socket:
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    except OSError as exc:      # pragma: no cover - netlink always exists on Linux
        pytest.skip(f"no NETLINK_ROUTE socket: {exc}")
    sock.bind((0, 0))
    return sock


def _dump(sock: socket.socket, kind: int, seq: int) -> None:
    body = struct.pack("=Bxxx", socket.AF_UNSPEC) + bytes(12)
    sock.sendto(struct.pack("=IHHII", 16 + len(body), kind, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body,
                (0, 0))


def _wait(sock: socket.socket) -> None:
    import select
    select.select([sock], [], [], 2.0)


def _read_all(reader, sock) -> list[bytes]:
    out: list[bytes] = []
    for _ in range(50):
        _wait(sock)
        got = reader.read_datagrams()
        if not got:
            break
        out.extend(got)
        if any(struct.unpack_from("=H", d, 4)[0] == 3 for d in got):    # NLMSG_DONE
            break
    return out


def _shape(datagrams: list[bytes]) -> tuple[list, dict]:
    """The netlink messages' (length, type) chain (each datagram's must end
    exactly at its end) and the interface names, over all datagrams.  (Two
    dumps differ in counters and timestamps, and in how the kernel packs
    messages into datagrams, not in this.)"""
    chain, names = [], {b"lo\0": 0, b"eth0\0": 0}
    for d in datagrams:
        offset = 0
        while offset < len(d):
            length, mtype = struct.unpack_from("=IH", d, offset)
            chain.append((length, mtype))
            offset += (length + 3) & ~3
        assert offset == len(d)
        for name in names:
            names[name] += d.count(name)
    return chain, names


@pytest.mark.parametrize("kind", [RTM_GETLINK, RTM_GETADDR])
def test_batches_hold_the_datagrams_one_recvfrom_each_gets(kind):
    sock = _route_socket()
    try:
        for attempt in range(3):        # (an interface that comes or goes between the dumps: again)
            _dump(sock, kind, 1 + 2 * attempt)
            plain = _read_all(DatagramReader(sock), sock)
            batch = BatchDatagramReader(sock, batch=2)          # several calls per dump
            _dump(sock, kind, 2 + 2 * attempt)
            batched = _read_all(batch, sock)
            batch.close()
            if _shape(batched) == _shape(plain):
                break
    finally:
        sock.close()
    assert plain and _shape(batched) == _shape(plain)
    assert all(struct.unpack_from("=I", d, 8)[0] == 2 + 2 * attempt for d in batched)


def test_max_count_and_empty_socket():
    sock = _route_socket()
    try:
        reader = batch_reader(sock)
        assert isinstance(reader, BatchDatagramReader)
        assert reader.read_datagrams() == []
        _dump(sock, RTM_GETLINK, 5)
        _wait(sock)
        first = reader.read_datagrams(1)
        assert len(first) == 1
        rest = _read_all(reader, sock)
        assert struct.unpack_from("=H", (first + rest)[-1], 4)[0] == 3
    finally:
        sock.close()


def test_truncated_datagrams_are_dropped_and_counted():
    sock = _route_socket()
    try:
        reader = BatchDatagramReader(sock, slot=32)      # every link message is longer
        _dump(sock, RTM_GETLINK, 9)
        _wait(sock)
        got = []
        for _ in range(20):
            got += reader.read_datagrams()
            if reader.truncated and not got and not reader.read_datagrams():
                break
        assert reader.truncated >= 1
        assert all(len(d) <= 32 for d in got)            # only whole short ones (NLMSG_DONE)
    finally:
        sock.close()


def test_datagrams_from_other_processes_are_dropped():
    sock = _route_socket()
    other = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    try:
        other.bind((0, 0))
        try:
            other.sendto(struct.pack("=IHHII", 20, 0x10, 0, 1, other.getsockname()[0]) + bytes(4),
                         (sock.getsockname()[0], 0))
        except PermissionError:     # pragma: no cover - root only
            pytest.skip("sending to another netlink port needs privileges")
        _wait(sock)
        reader = BatchDatagramReader(sock)
        assert reader.read_datagrams() == []
    finally:
        other.close()
        sock.close()


def test_without_recvmmsg_the_plain_reader_is_used(monkeypatch):
    import audix.daemon.netlink_mmsg as mod
    monkeypatch.setattr(mod, "_recvmmsg", lambda: None)
    a, b = socket.socketpair()
    try:
        assert isinstance(mod.batch_reader(a), DatagramReader)
    finally:
        a.close()
        b.close()
    assert os.path.exists("/proc/self")
