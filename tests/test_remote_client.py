"""The audisp-remote engine: forward queue across restarts, retries, actions,
heartbeats, signals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from audix.daemon.remote.client import RemoteClient
from audix.daemon.remote.client_config import parse_config
from audix.daemon.remote.protocol import MessageType, StreamDecoder, encode

from test_remote_support import (Collector, client_conf, free_port, make_records,
                                 our_client_cmd, run_our_client, wait_until)


class RawServer:
    """Accepts connections and answers each frame with ``reply(frame)`` (None: silence)."""

    def __init__(self, reply):
        self.reply = reply
        self.frames = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.conns = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        dec = StreamDecoder()
        conn.settimeout(0.2)
        with conn:
            while not self.stop:
                try:
                    data = conn.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not data:
                    return
                for f in dec.feed(data):
                    self.frames.append(f)
                    out = self.reply(f)
                    if out is not None:
                        conn.sendall(out)

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def ack(f):
    return encode(MessageType.ACK, f.sequence)


def engine(text: str, lines: list[str], **kw):
    """An in-process client fed ``lines`` through a pipe that is then closed."""
    r, w = os.pipe()
    logs = []
    client = RemoteClient(parse_config(text), input_fd=r,
                          log=lambda p, m: logs.append(m), **kw)
    os.write(w, "".join(x + "\n" for x in lines).encode())
    os.close(w)
    try:
        rc = client.run(install_signals=False)
    finally:
        os.close(r)
    return rc, logs, client


def test_forward_queue_delivered_after_restart(tmp_path):
    port = free_port()
    conf = client_conf(tmp_path, port, "mode = forward\nnetwork_retry_time = 1\n")
    first = make_records(40, tag="early")
    proc = run_our_client(conf, first)
    assert proc.returncode == 1                   # records left in the queue
    assert b"queue_size: 40" in proc.stderr
    assert os.path.getsize(tmp_path / "queue") > 40 * 40
    later = make_records(10, tag="late")
    with Collector(port=port) as c:
        proc = run_our_client(conf, later)
        assert proc.returncode == 0, proc.stderr.decode()
        assert b"Audisp-remote started with queue_size: 40" in proc.stderr
        assert c.wait_for(lambda: len(c.lines) == 50)
        assert c.lines == first + later           # nothing lost, order kept


def test_forward_queue_delivered_with_no_new_input(tmp_path):
    port = free_port()
    conf = client_conf(tmp_path, port, "mode = forward\n")
    assert run_our_client(conf, make_records(5)).returncode == 1
    with Collector(port=port) as c:
        proc = run_our_client(conf, [])
        assert proc.returncode == 0, proc.stderr.decode()
        assert c.wait_for(lambda: len(c.lines) == 5)


def test_immediate_mode_server_down_keeps_nothing(tmp_path):
    conf = client_conf(tmp_path, free_port())
    proc = run_our_client(conf, make_records(3))
    assert proc.returncode == 1
    assert b"startup network failure, First attempt at connecting to server unsuccessful" \
        in proc.stderr
    assert not (tmp_path / "queue").exists()


def test_overflow_action(tmp_path):
    conf = client_conf(tmp_path, free_port(), "mode = forward\nqueue_depth = 5\n")
    proc = run_our_client(conf, make_records(8))
    assert proc.returncode == 1
    assert proc.stderr.count(b"queue is full - dropping event") == 3
    assert b"queue_size: 5" in proc.stderr


@pytest.mark.parametrize("mode,kept", [("immediate", 0), ("forward", 1)])
def test_missing_ack_retried_then_network_failure_action(tmp_path, mode, kept):
    srv = RawServer(lambda f: None)           # reads, never answers
    try:
        t0 = time.monotonic()
        rc, logs, client = engine(
            f"remote_server = 127.0.0.1\nport = {srv.port}\nmax_tries_per_record = 2\n"
            "max_time_per_record = 1\nnetwork_retry_time = 1\n"
            f"network_failure_action = syslog\nmode = {mode}\nqueue_file = {tmp_path}/q\n",
            make_records(1))
        # immediate: the reference gives the record up after a "syslog" failure;
        # forward (audix): the record stays queued
        assert rc == kept
        assert any(m.startswith("network failure, max retr") for m in logs), logs
        assert any("timed out" in m for m in logs)
        assert len(srv.frames) >= 2                       # the record was resent
        assert srv.frames[0].sequence == srv.frames[1].sequence  # with the same sequence
        assert time.monotonic() - t0 < 30
    finally:
        srv.close()


def test_network_failure_stop_exits():
    srv = RawServer(lambda f: None)
    try:
        rc, logs, client = engine(
            f"remote_server = 127.0.0.1\nport = {srv.port}\nmax_tries_per_record = 1\n"
            "max_time_per_record = 1\n", make_records(3))
        assert rc == 1 and client.stop
        assert any(m.startswith("remote logging stopping due to network failure") for m in logs)
    finally:
        srv.close()


@pytest.mark.parametrize("reply,action_key,desc", [
    (MessageType.DISKFULL, "disk_full_action", "remote server's disk is full"),
    (MessageType.DISKERROR, "disk_error_action", "remote server has a disk error"),
    (MessageType.DISKLOW, "disk_low_action", "remote server is low on disk space"),
    (0x60000077, "generic_error_action", "unrecognized remote error"),
    (0x50000077, "generic_warning_action", "unrecognized remote warning"),
])
def test_reply_actions(tmp_path, reply, action_key, desc):
    srv = RawServer(lambda f: encode(reply, f.sequence, b"why"))
    script = tmp_path / "act.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    os.chmod(script, 0o750)
    ran = []
    try:
        rc, logs, _ = engine(f"remote_server = 127.0.0.1\nport = {srv.port}\n"
                             f"{action_key} = exec {script}\n", make_records(1),
                             run_program=ran.append)
        assert ran and ran[0] == [str(script), "why"]
        rc, logs, _ = engine(f"remote_server = 127.0.0.1\nport = {srv.port}\n"
                             f"{action_key} = syslog\n", make_records(1))
        assert f"{desc}, why" in logs
        assert rc == 0   # syslog carries on: the record counts as sent
    finally:
        srv.close()


def test_warn_once_keeps_record_and_logs_once():
    srv = RawServer(lambda f: encode(MessageType.DISKFULL, f.sequence, b"disk full"))
    try:
        rc, logs, client = engine(f"remote_server = 127.0.0.1\nport = {srv.port}\n",
                                  make_records(2))
        assert rc == 1
        assert logs.count("remote server's disk is full, disk full") == 1
    finally:
        srv.close()


def test_heartbeats_sent_when_idle(tmp_path):
    srv = RawServer(ack)
    conf = client_conf(tmp_path, srv.port, "heartbeat_timeout = 1\n")
    proc = subprocess.Popen(our_client_cmd(conf), stdin=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        proc.stdin.write((make_records(1)[0] + "\n").encode())
        proc.stdin.flush()
        assert wait_until(lambda: sum(f.type == MessageType.HEARTBEAT for f in srv.frames) >= 2,
                          timeout=8)
        proc.stdin.close()
        assert proc.wait(10) == 0
        hb = [f for f in srv.frames if f.type == MessageType.HEARTBEAT]
        assert all(f.body == b"" for f in hb)
        seqs = [f.sequence for f in srv.frames]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
        srv.close()


def test_signals_state_reload_and_term(tmp_path):
    with Collector() as a, Collector() as b:
        conf = client_conf(tmp_path, a.port)
        proc = subprocess.Popen(our_client_cmd(conf), stdin=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        errs = []
        reader = threading.Thread(target=lambda: errs.extend(proc.stderr.read().split(b"\n")),
                                  daemon=True)
        reader.start()
        try:
            recs = make_records(4)
            proc.stdin.write((recs[0] + "\n").encode())
            proc.stdin.flush()
            assert a.wait_for(lambda: len(a.lines) == 1)
            proc.send_signal(signal.SIGUSR1)
            client_conf(tmp_path, b.port)                # new server in the same file
            time.sleep(0.3)
            proc.send_signal(signal.SIGHUP)
            time.sleep(0.3)
            proc.stdin.write((recs[1] + "\n").encode())
            proc.stdin.flush()
            assert b.wait_for(lambda: len(b.lines) == 1)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
            reader.join(5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert b"suspend=no, remote_ended=no, transport_ok=yes, queued_items=0, " \
               b"queue_depth=2048" in errs
        assert any(e.startswith(b"audisp-remote is exiting on stop request") for e in errs)
        assert a.lines == recs[:1] and b.lines == recs[1:2]


def test_remote_ending_then_reconnect(tmp_path):
    port = free_port()
    recs = make_records(2)
    r, w = os.pipe()
    logs = []
    client = RemoteClient(parse_config(f"remote_server = 127.0.0.1\nport = {port}\n"),
                          input_fd=r, log=lambda p, m: logs.append(m))
    result = []
    t = threading.Thread(target=lambda: result.append(client.run(install_signals=False)))
    try:
        with Collector(port=port) as first:
            t.start()
            os.write(w, (recs[0] + "\n").encode())
            assert first.wait_for(lambda: len(first.lines) == 1)
        # the listener stopped: ENDING
        assert wait_until(lambda: any("going down" in m for m in logs))
        assert ("remote logging disconnected due to remote server is going down, will attempt "
                "reconnection") in logs
        with Collector(port=port) as second:
            os.write(w, (recs[1] + "\n").encode())
            assert second.wait_for(lambda: len(second.lines) == 1)
            os.close(w)
            w = -1
            t.join(10)
        assert result == [0]
    finally:
        if w >= 0:
            os.close(w)
        client.stop = True
        t.join(5)
        os.close(r)


def test_suspend_then_sigusr2_resumes(tmp_path):
    answering = []
    srv = RawServer(lambda f: ack(f) if answering else None)
    conf = client_conf(tmp_path, srv.port, "network_failure_action = suspend\n"
                       "max_tries_per_record = 1\nmax_time_per_record = 1\n")
    proc = subprocess.Popen(our_client_cmd(conf), stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    errs = []
    reader = threading.Thread(target=lambda: errs.extend(x.rstrip(b"\n") for x in proc.stderr),
                              daemon=True)
    reader.start()
    recs = make_records(3, tag="susp")
    try:
        proc.stdin.write((recs[0] + "\n").encode())
        proc.stdin.flush()
        assert wait_until(lambda: any(b"suspending remote logging due to network failure" in e
                                      for e in errs), timeout=15)
        proc.stdin.write("".join(x + "\n" for x in recs[1:]).encode())
        proc.stdin.flush()
        time.sleep(0.5)
        proc.send_signal(signal.SIGUSR1)
        assert wait_until(lambda: any(e.startswith(b"suspend=yes") and b"queued_items=3" in e
                                      for e in errs), timeout=10)
        answering.append(True)
        proc.send_signal(signal.SIGUSR2)
        assert wait_until(lambda: {f.text() for f in srv.frames} >= set(recs), timeout=15)
        proc.stdin.close()
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        srv.close()


@pytest.mark.parametrize("action,argv", [("single", ["/sbin/init", "1"]),
                                         ("halt", ["/sbin/init", "0"])])
def test_runlevel_actions_call_init(action, argv):
    ran = []
    client = RemoteClient(parse_config(f"network_failure_action = {action}\n"
                                       f"overflow_action = {action}\n"),
                          log=lambda p, m: None, run_program=ran.append)
    assert client.network_failure("x") == -1
    client._overflow()
    assert ran == [argv, argv]


def test_refused_record_is_not_resent_in_a_tight_loop():
    srv = RawServer(lambda f: encode(MessageType.DISKLOW, f.sequence))
    r, w = os.pipe()
    logs = []
    client = RemoteClient(parse_config(f"remote_server = 127.0.0.1\nport = {srv.port}\n"
                                       "disk_low_action = warn_once\n"),
                          input_fd=r, log=lambda p, m: logs.append(m))
    result = []
    t = threading.Thread(target=lambda: result.append(client.run(install_signals=False)))
    t.start()
    try:
        os.write(w, (make_records(1)[0] + "\n").encode())
        time.sleep(2.5)
        sent = len(srv.frames)
        assert 1 <= sent <= 5                 # about one try per network_retry_time
        assert logs.count("remote server is low on disk space, ") == 1
    finally:
        os.close(w)
        t.join(15)
        os.close(r)
        srv.close()
    assert result == [1]


def test_cli_usage_and_config_errors(tmp_path):
    import io
    from audix.daemon.cli import audisp_remote

    class Err(io.StringIO):
        pass
    err = Err()
    env = audisp_remote.Environment(stderr=err, use_syslog=False)
    assert audisp_remote.main(["--bogus"], env) == 2
    assert "unknown argument --bogus" in err.getvalue() and "Usage:" in err.getvalue()
    bad = client_conf(tmp_path, 1, "mode = sideways\n")
    err2 = Err()
    assert audisp_remote.main(["--config", bad], audisp_remote.Environment(
        stderr=err2, use_syslog=False)) == 6
    assert "Option sideways not found - line 4" in err2.getvalue()


def test_queue_error_action(tmp_path):
    import errno as errno_mod

    class BrokenQueue:
        def __len__(self):
            return 0

        def append(self, line):
            raise OSError(errno_mod.EIO, "Input/output error")

        def close(self):
            pass
    logs = []
    client = RemoteClient(parse_config(f"remote_server = 127.0.0.1\nport = {free_port()}\n"
                                       "queue_error_action = stop\n"),
                          log=lambda p, m: logs.append(m))
    client.queue = BrokenQueue()
    client.take_line(make_records(1)[0])
    assert client.stop
    assert "remote logging stopping due to queue error, Input/output error" in logs


def test_unusable_queue_file_exits_1(tmp_path):
    (tmp_path / "queue").write_bytes(b"not a queue file at all, longer than a header....")
    conf = client_conf(tmp_path, free_port(), "mode = forward\n")
    proc = run_our_client(conf, make_records(1))
    assert proc.returncode == 1
    assert b"Error initializing audit record queue" in proc.stderr


@pytest.mark.reference
def test_same_frames_as_reference_client(tmp_path):
    from test_remote_support import run_reference_client
    lines = make_records(30, tag="frames", with_eoe=True) + [
        "node=h1 type=USER msg=audit(1700000001.000:99): msg='x=\xe9 y'"]
    captured = {}
    for who in ("ours", "reference"):
        srv = RawServer(ack)
        try:
            conf = client_conf(tmp_path, srv.port, name=f"{who}.conf")
            run = run_our_client if who == "ours" else run_reference_client
            assert run(conf, lines).returncode == 0
            assert wait_until(lambda: len(srv.frames) == 31)
            captured[who] = [(f.type, f.sequence, f.body, f.message_version) for f in srv.frames]
        finally:
            srv.close()
    assert captured["ours"] == captured["reference"]


@pytest.mark.reference
def test_queue_left_by_reference_is_delivered(tmp_path):
    from test_remote_support import run_reference_client
    port = free_port()
    conf = client_conf(tmp_path, port, "mode = forward\nqueue_depth = 50\n")
    recs = make_records(7, tag="refq")
    assert run_reference_client(conf, recs).returncode == 1      # server down: kept
    assert (tmp_path / "queue").read_bytes().startswith(b"\0audisp-remote")
    with Collector(port=port) as c:
        proc = run_our_client(conf, [])
        assert proc.returncode == 0, proc.stderr.decode()
        assert b"7 records kept" in proc.stderr
        assert c.wait_for(lambda: len(c.lines) == 7)
        assert c.lines == recs


def test_local_port_meets_tcp_client_ports(tmp_path):
    local = free_port()
    with Collector(client_min_port=local, client_max_port=local) as c:
        rc, logs, _ = engine(f"remote_server = 127.0.0.1\nport = {c.port}\nlocal_port = {local}\n",
                             make_records(3))
        assert rc == 0, logs
        assert c.wait_for(lambda: len(c.lines) == 3)
        accepted = [x for t, x in c.events if x.endswith("res=success")]
        assert f"port={local} " in accepted[0]


def test_ipv6_server_address():
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        socket.socket(socket.AF_INET6).bind(("::1", 0))
    except OSError:
        pytest.skip("no ::1")
    with Collector() as c:
        rc, logs, _ = engine(f"remote_server = ::1\nport = {c.port}\n", make_records(2))
        assert rc == 0, logs
        assert c.wait_for(lambda: len(c.lines) == 2)
        assert any("addr=::1 " in x for _, x in c.events)
