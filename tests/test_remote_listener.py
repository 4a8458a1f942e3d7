"""The auditd network listener: replies, connection policy, hostile peers."""

from __future__ import annotations

import errno
import socket
import struct
import time

import pytest

from audix.daemon.remote.listener import (DAEMON_ACCEPT, DAEMON_CLOSE, DiskState, Listener,
                                          ListenerSettings)
from audix.daemon.remote.protocol import (HEADER_SIZE, MessageType, StreamDecoder, encode,
                                          encode_record)

from test_remote_support import Collector, make_records


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return s


def read_frame(s: socket.socket):
    dec = StreamDecoder()
    while True:
        data = s.recv(4096)
        if not data:
            return None
        frames = dec.feed(data)
        if frames:
            return frames[0]


def send_records(port: int, lines: list[str], start_seq: int = 10) -> list:
    """A well-behaved managed client: one record, wait for its reply, next."""
    replies = []
    with connect(port) as s:
        for i, line in enumerate(lines):
            s.sendall(encode_record(start_seq + i, line))
            replies.append(read_frame(s))
    return replies


def closed_by_peer(s: socket.socket, timeout: float = 5.0) -> bool:
    s.settimeout(timeout)
    try:
        while True:
            data = s.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_records_written_then_acked_with_their_sequence():
    lines = make_records(30)
    with Collector() as c:
        replies = send_records(c.port, lines)
        assert [r.type for r in replies] == [MessageType.ACK] * 30
        assert [r.sequence for r in replies] == list(range(10, 40))
        assert c.lines == lines
        assert c.wait_for(lambda: any(t == DAEMON_CLOSE for t, _ in c.events))
    accept = [x for t, x in c.events if t == DAEMON_ACCEPT]
    assert len(accept) == 1 and accept[0].endswith("res=success")
    assert accept[0].startswith("addr=") and " port=" in accept[0]


def test_heartbeat_acked_and_not_written():
    with Collector() as c:
        with connect(c.port) as s:
            s.sendall(encode(MessageType.HEARTBEAT, 4242))
            r = read_frame(s)
        assert (r.type, r.sequence) == (MessageType.ACK, 4242)
        assert c.lines == []


def test_ack_only_after_write_returns():
    order = []

    def slow_write(line):
        time.sleep(0.3)
        order.append(("written", time.monotonic()))

    lst = Listener(ListenerSettings(port=0), write=slow_write, log=lambda p, m: None)
    lst.start()
    try:
        with connect(lst.port) as s:
            s.sendall(encode_record(1, "type=USER msg=audit(1.0:1): a"))
            r = read_frame(s)
            got = time.monotonic()
        assert r.type == MessageType.ACK and order and order[0][1] <= got
    finally:
        lst.stop()


@pytest.mark.parametrize("state,reply,text,written", [
    (DiskState.LOW, MessageType.DISKLOW, b"", True),
    (DiskState.FULL, MessageType.DISKFULL, b"disk full", False),
    (DiskState.ERROR, MessageType.DISKERROR, b"disk write error", False),
])
def test_disk_state_replies(state, reply, text, written):
    got = []
    lst = Listener(ListenerSettings(port=0), write=got.append, disk_state=lambda: state,
                   log=lambda p, m: None)
    lst.start()
    try:
        (r,) = send_records(lst.port, ["type=USER msg=audit(1.0:1): a"], start_seq=7)
        assert (r.type, r.sequence, r.body) == (reply, 7, text)
        assert bool(got) == written
    finally:
        lst.stop()


@pytest.mark.parametrize("err,reply", [(errno.ENOSPC, MessageType.DISKFULL),
                                       (errno.EIO, MessageType.DISKERROR)])
def test_write_errors_become_replies(err, reply):
    def failing(line):
        raise OSError(err, "boom")

    lst = Listener(ListenerSettings(port=0), write=failing, log=lambda p, m: None)
    lst.start()
    try:
        (r,) = send_records(lst.port, ["type=USER msg=audit(1.0:1): a"])
        assert r.type == reply
    finally:
        lst.stop()


def test_text_stream_written_not_acked():
    lines = make_records(5)
    with Collector() as c:
        with connect(c.port) as s:
            s.sendall("".join(x + "\n" for x in lines).encode())
            s.sendall(b"no newline at end")
            s.shutdown(socket.SHUT_WR)
            assert closed_by_peer(s)
        assert c.wait_for(lambda: len(c.lines) == 6)
        assert c.lines == lines + ["no newline at end"]


def test_ending_sent_to_clients_at_stop():
    c = Collector()
    c.listener.start()
    s = connect(c.port)
    try:
        assert c.wait_for(lambda: c.listener.client_count == 1)
        c.listener.stop()
        r = read_frame(s)
        assert r is not None and r.type == MessageType.ENDING
        assert [t for t, _ in c.events] == [DAEMON_ACCEPT, DAEMON_CLOSE]
    finally:
        s.close()


def test_max_per_addr_refuses_with_op_dup():
    with Collector(max_per_addr=2) as c:
        a, b = connect(c.port), connect(c.port)
        assert c.wait_for(lambda: c.listener.client_count == 2)
        third = connect(c.port)
        assert closed_by_peer(third)
        assert c.wait_for(lambda: any("op=dup" in x for _, x in c.events))
        dup = [x for t, x in c.events if "op=dup" in x]
        assert dup[0].endswith("res=no") and dup[0].startswith("op=dup addr=")
        # the two accepted ones still work
        a.sendall(encode_record(1, "type=USER msg=audit(1.0:1): a"))
        assert read_frame(a).type == MessageType.ACK
        for s in (a, b, third):
            s.close()


def test_client_port_range_refuses_with_op_port():
    with Collector(client_min_port=1, client_max_port=1023) as c:
        s = connect(c.port)
        assert closed_by_peer(s)
        s.close()
        assert c.wait_for(lambda: any(x.startswith("op=port") for _, x in c.events))
        assert c.lines == []


def test_idle_client_closed():
    with Collector(client_max_idle=1) as c:
        s = connect(c.port)
        assert closed_by_peer(s, timeout=5)
        s.close()
        assert c.wait_for(lambda: any(t == DAEMON_CLOSE for t, _ in c.events))
        assert any("idle too long" in m for _, m in c.logs)


def hostile_payloads():
    good = encode_record(1, "type=USER msg=audit(1.0:1): fine")
    return {
        "bad magic": good + b"\xde\xad\xbe\xef" + bytes(12),
        "too long": struct.pack("<IBBIHI", 0xFF0000FE, 0, 0, 0, 9000, 1) + b"x" * 100,
        "bad version": struct.pack("<IBBIHI", 0xFF0000FE, 7, 0, 0, 1, 1) + b"x",
        "unknown type": encode(0x12345, 3, b"x"),
        "text line too long": b"t" * 20000,
    }


@pytest.mark.parametrize("name", list(hostile_payloads()))
def test_hostile_stream_closes_only_that_client(name):
    good_lines = make_records(20, tag="good")
    with Collector() as c:
        bad = connect(c.port)
        bad.sendall(hostile_payloads()[name])
        assert closed_by_peer(bad)
        bad.close()
        assert any("closing" in m for _, m in c.logs)
        replies = send_records(c.port, good_lines)
        assert all(r.type == MessageType.ACK for r in replies)
        assert [x for x in c.lines if "tag=good" in x] == good_lines
        assert not any("tx" in x or "tttt" in x for x in c.lines)


@pytest.mark.parametrize("cut", [2, 9, HEADER_SIZE + 3])
def test_truncated_then_closed(cut):
    with Collector() as c:
        s = connect(c.port)
        s.sendall(encode_record(1, "type=USER msg=audit(1.0:1): partial")[:cut])
        s.close()
        assert c.wait_for(lambda: any("truncated" in m for _, m in c.logs))
        assert c.lines == []
        assert send_records(c.port, ["type=USER msg=audit(1.0:2): ok"])[0].type == MessageType.ACK


def test_client_that_never_reads_does_not_block_others():
    with Collector(send_timeout=1.0) as c:
        hog = socket.socket()
        hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        hog.connect(("127.0.0.1", c.port))
        burst = b"".join(encode_record(i, f"type=USER msg=audit(1.0:{i}): hog")
                         for i in range(3000))
        hog.settimeout(5)
        try:
            hog.sendall(burst)
        except OSError:
            pass
        good = make_records(25, tag="good")
        replies = send_records(c.port, good)
        assert all(r.type == MessageType.ACK for r in replies)
        assert [x for x in c.lines if "tag=good" in x] == good
        hog.close()


def test_many_connections():
    with Collector(max_per_addr=200, listen_queue=128) as c:
        socks = [connect(c.port) for _ in range(120)]
        try:
            assert c.wait_for(lambda: c.listener.client_count == 120, timeout=15)
            # every one of them can send a record
            for i, s in enumerate(socks):
                s.sendall(encode_record(i, f"type=USER msg=audit(1.0:{i}): conn={i}"))
            for s in socks:
                assert read_frame(s).type == MessageType.ACK
            assert sorted(c.lines) == sorted(f"type=USER msg=audit(1.0:{i}): conn={i}"
                                             for i in range(120))
            state = c.listener.connection_state()
            assert state[0] == "listening for network connections = yes"
            assert state[2] == "total connections = 120"
        finally:
            for s in socks:
                s.close()
        assert c.wait_for(lambda: c.listener.client_count == 0, timeout=15)


def test_port_in_use_is_a_clear_error():
    from audix.daemon.remote.listener import ListenerError
    with Collector() as c:
        lst = Listener(ListenerSettings(port=c.port), write=lambda line: None,
                       log=lambda p, m: None)
        with pytest.raises(ListenerError, match="Cannot bind"):
            lst.start()


def test_newline_inside_a_message_cannot_split_the_log_line():
    with Collector() as c:
        (r,) = send_records(c.port, ["type=USER msg=audit(1.0:1): a\ntype=FAKE msg=audit(1.0:2): b"])
        assert r.type == MessageType.ACK
        assert c.lines == ["type=USER msg=audit(1.0:1): a type=FAKE msg=audit(1.0:2): b"]


def test_listener_for_daemon_config():
    from audix.daemon.config import DaemonConfig
    from audix.daemon.remote.listener import listener_for
    assert listener_for(DaemonConfig(), write=lambda line: None) is None
    cfg = DaemonConfig(tcp_listen_port=61000, tcp_listen_queue=9, tcp_max_per_addr=3,
                       tcp_client_min_port=10, tcp_client_max_port=20000, tcp_client_max_idle=7)
    lst = listener_for(cfg, write=lambda line: None)
    s = lst.settings
    assert (s.port, s.listen_queue, s.max_per_addr, s.client_min_port, s.client_max_port,
            s.client_max_idle, s.tls) == (61000, 9, 3, 10, 20000, 7, None)
