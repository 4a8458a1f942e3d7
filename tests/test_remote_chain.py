"""The seed document's chain, in audix alone (kernel).

A host's audix auditd (``name_format = user``) runs audix's audisp-remote as
its plugin, which relays to a second audix auditd that listens on loopback
with ``local_events = no`` (a pure aggregator).  Every record the host logs
reaches the aggregator's log, byte for byte, ``node=`` name included.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from auditd_helpers import OURS, lines_of, make_conf, program, start_daemon, wait_for, watching
from auditd_helpers import audit_on  # noqa: F401  (a fixture)
from test_remote_support import client_conf, free_port

pytestmark = [pytest.mark.kernel, pytest.mark.reference]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, "aggregator exited early"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "aggregator never listened"
            time.sleep(0.05)


def test_host_relays_to_aggregator_keeping_node_names(audit_on, tmp_path):
    port = free_port()
    agg_conf, agg_log = make_conf(tmp_path, "agg", local_events="no",
                                  tcp_listen_port=str(port), tcp_max_per_addr="4")
    agg_err = open(tmp_path / "agg.stderr", "wb")
    agg = subprocess.Popen(OURS + [str(tmp_path / "agg.pid"), str(tmp_path / "agg.state"),
                                   "-n", "-c", str(agg_conf)], stderr=agg_err)
    try:
        wait_listening(port, agg)
        host_conf, host_log = make_conf(tmp_path, "host", name_format="user", name="hostA")
        relay_conf = client_conf(tmp_path, port, name="relay.conf")
        relay = program(tmp_path, "relay.sh",
                        f"#!/bin/sh\nexec {sys.executable} -m audix.daemon.cli.audisp_remote "
                        f"--config {relay_conf}\n")
        f = host_conf / "plugins.d" / "au-remote.conf"
        f.write_text(f"active = yes\ndirection = out\npath = {relay}\ntype = always\n"
                     "format = string\n")
        os.chmod(f, 0o640)
        target = tmp_path / "watched"
        target.write_text("x")
        host = start_daemon(tmp_path, host_conf, audit_on, "host")
        try:
            with watching(target, "chainkey"):
                for _ in range(5):
                    os.close(os.open(target, os.O_RDONLY))

            def relayed():
                if not agg_log.exists() or not agg_log.read_bytes():
                    return []
                return [x for x in lines_of(agg_log) if 'key="chainkey"' in x]
            wait_for(lambda: len(relayed()) >= 7, 30)
        finally:
            assert host.stop() == 0, host.stderr()
    finally:
        agg.terminate()
        agg.wait(30)
        agg_err.close()
    ours = [x for x in lines_of(host_log) if 'key="chainkey"' in x]
    assert len(ours) == 7  # 2 CONFIG_CHANGE + 5 SYSCALL
    assert all(x.startswith("node=hostA type=") for x in ours)
    assert relayed() == ours
