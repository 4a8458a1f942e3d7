"""audix <-> reference interoperation, both ways, and audix with itself."""

from __future__ import annotations

import pytest

from audix.daemon.remote.listener import DAEMON_ACCEPT, DAEMON_CLOSE

from test_remote_support import (Collector, client_conf, free_port, make_records,
                                 reference_auditd, run_our_client, run_reference_client,
                                 wait_until)

pytestmark = pytest.mark.reference


def test_reference_client_to_audix_listener(tmp_path):
    lines = make_records(200, tag="ref2audix", with_eoe=True)
    with Collector() as c:
        conf = client_conf(tmp_path, c.port)
        proc = run_reference_client(conf, lines)
        assert proc.returncode == 0, proc.stderr
        expected = [x for x in lines if not x.startswith("type=EOE")]
        assert c.wait_for(lambda: len(c.lines) >= len(expected))
        assert c.lines == expected            # every record, in order, byte for byte
        assert c.wait_for(lambda: [t for t, _ in c.events] == [DAEMON_ACCEPT, DAEMON_CLOSE])


def test_reference_client_heartbeat_and_node_names(tmp_path):
    lines = [f"node=host{i % 3} " + x for i, x in enumerate(make_records(30, tag="nodes"))]
    with Collector() as c:
        conf = client_conf(tmp_path, c.port, "heartbeat_timeout = 1\n")
        proc = run_reference_client(conf, lines)
        assert proc.returncode == 0
        assert c.wait_for(lambda: len(c.lines) == 30)
        assert c.lines == lines


def test_audix_client_to_reference_auditd(tmp_path):
    port = free_port()
    lines = make_records(200, tag="audix2ref", with_eoe=True)
    expected = [x for x in lines if not x.startswith("type=EOE")]
    with reference_auditd(tmp_path, port) as log:
        conf = client_conf(tmp_path, port)
        proc = run_our_client(conf, lines)
        assert proc.returncode == 0, proc.stderr.decode()
        assert b"Connected to 127.0.0.1" in proc.stderr

        def written():
            return [x for x in log.read_text("latin-1").split("\n") if "tag=audix2ref" in x]
        assert wait_until(lambda: len(written()) >= len(expected))
    assert written() == expected
    text = log.read_text("latin-1")
    assert "type=DAEMON_ACCEPT" in text and "type=DAEMON_CLOSE" in text


def test_audix_client_ascii_format_to_audix_listener(tmp_path):
    lines = make_records(50, tag="ascii")
    with Collector() as c:
        conf = client_conf(tmp_path, c.port, "format = ascii\n")
        proc = run_our_client(conf, lines)
        assert proc.returncode == 0, proc.stderr.decode()
        assert c.wait_for(lambda: len(c.lines) == 50)
        assert c.lines == lines


def test_audix_client_to_audix_listener_keeps_node_names(tmp_path):
    lines = [f"node=web{i % 4} " + x for i, x in enumerate(make_records(100, tag="chain"))]
    with Collector() as c:
        proc = run_our_client(client_conf(tmp_path, c.port), lines)
        assert proc.returncode == 0, proc.stderr.decode()
        assert c.wait_for(lambda: len(c.lines) == 100)
        assert c.lines == lines


def test_audix_client_as_plugin_of_reference_dispatcher(tmp_path):
    """reference audisp-remote -> reference auditd (aggregator, distribute_network)
    -> its dispatcher -> audix audisp-remote as a plugin -> audix listener."""
    import os
    import sys

    lines = [f"node=edge{i % 2} " + x for i, x in enumerate(make_records(40, tag="relay"))]
    with Collector() as sink:
        plug_conf = client_conf(tmp_path, sink.port, name="plugin-remote.conf")
        wrapper = tmp_path / "bin" / "audix-remote"
        wrapper.parent.mkdir()
        wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -m audix.daemon.cli.audisp_remote "
                           '"$@"\n')
        os.chmod(wrapper, 0o750)
        aggregator_port = free_port()
        plugin = (f"active = yes\ndirection = out\npath = {wrapper}\ntype = always\n"
                  f"args = --config {plug_conf}\nformat = string\n")
        with reference_auditd(tmp_path, aggregator_port, "distribute_network = yes\n",
                              plugins={"au-remote.conf": plugin}):
            sender_conf = client_conf(tmp_path, aggregator_port, name="sender.conf")
            proc = run_reference_client(sender_conf, lines)
            assert proc.returncode == 0
            assert sink.wait_for(lambda: set(lines) <= set(sink.lines), timeout=20)
        relayed = [x for x in sink.lines if "tag=relay" in x]
        assert relayed == lines
        assert any("type=DAEMON_ACCEPT" in x for x in sink.lines)
