"""The reference's own plugins under our auditd's dispatcher (kernel).

``/sbin/audisp-remote`` (it reads only /etc/audit/audisp-remote.conf: it runs
in a private mount namespace with our file bound there) relays to a
listener on loopback; ``/sbin/audisp-syslog`` (a private /dev whose ``log``
is our datagram socket) sends the records to syslog.  With
``distribute_network = yes`` records our auditd receives from a remote
client reach the plugins too.
"""

from __future__ import annotations

import os
import shutil
import socket
import time

import pytest

from auditd_helpers import lines_of, make_conf, program, start_daemon, watching
from auditd_helpers import audit_on  # noqa: F401  (a fixture)
from test_remote_support import (Collector, client_conf, free_port, make_records,
                                 run_our_client)

REF_REMOTE = "/sbin/audisp-remote"
REF_SYSLOG = "/sbin/audisp-syslog"

pytestmark = [pytest.mark.kernel, pytest.mark.reference]


def need(path):
    if not os.path.exists(path):
        pytest.skip(f"reference {path} not installed")
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("unshare(1)/mount(8) needed for the reference plugins' fixed paths")


def add_plugin(conf, name, path, args=""):
    f = conf / "plugins.d" / f"{name}.conf"
    f.write_text(f"active = yes\ndirection = out\npath = {path}\ntype = always\n"
                 + (f"args = {args}\n" if args else "") + "format = string\n")
    os.chmod(f, 0o640)


def test_reference_audisp_remote_and_syslog_run_under_our_auditd(audit_on, tmp_path):
    need(REF_REMOTE)
    syslog_ok = os.path.exists(REF_SYSLOG)
    unshare, mount = shutil.which("unshare"), shutil.which("mount")
    port = free_port()
    conf, log = make_conf(tmp_path, "refplug", tcp_listen_port=str(port), tcp_max_per_addr="4",
                      distribute_network="yes", use_libwrap="no")
    with Collector() as sink:
        remote_conf = client_conf(tmp_path, sink.port, name="relay.conf")
        remote = program(tmp_path, "remote.sh",
                         f"#!/bin/sh\nexec {unshare} -m --propagation private /bin/sh -c "
                         f"'{mount} --bind {remote_conf} /etc/audit/audisp-remote.conf && "
                         f"exec {REF_REMOTE}'\n")
        add_plugin(conf, "au-remote", remote)
        sock_path = str(tmp_path / "log.sock")
        logsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        logsock.bind(sock_path)
        logsock.settimeout(0.2)
        if syslog_ok:
            wrapper = program(tmp_path, "syslog.sh",
                              f"#!/bin/sh\nexec {unshare} -m --propagation private /bin/sh -c "
                              f"'{mount} -t tmpfs none /dev && ln -s {sock_path} /dev/log && "
                              f"exec {REF_SYSLOG} \"$@\"' sh \"$@\"\n")
            add_plugin(conf, "syslog", wrapper, "LOG_LOCAL3")
        target = tmp_path / "watched"
        target.write_text("x")
        d = start_daemon(tmp_path, conf, audit_on, "refplug")
        try:
            with watching(target, "h9relay"):
                for _ in range(5):
                    os.close(os.open(target, os.O_RDONLY))
            # records from the network, distributed to the plugins too
            net = make_records(20, tag="h9net")
            proc = run_our_client(client_conf(tmp_path, port, name="sender.conf"), net)
            assert proc.returncode == 0, proc.stderr.decode()

            def relayed(tag):
                return [x for x in sink.lines if tag in x]
            assert sink.wait_for(lambda: len(relayed('key="h9relay"')) >= 7
                                 and len(relayed("tag=h9net")) >= 20, timeout=20), \
                sink.lines[-5:]
            datagrams = []
            if syslog_ok:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and \
                        sum('key="h9relay"' in x for x in datagrams) < 7:
                    try:
                        datagrams.append(logsock.recv(65536).decode("latin-1"))
                    except socket.timeout:
                        pass
        finally:
            assert d.stop() == 0, d.stderr()
            logsock.close()
    ours = [x for x in lines_of(log) if 'key="h9relay"' in x]
    assert len(ours) == 7  # 2 CONFIG_CHANGE + 5 SYSCALL
    # byte for byte what our log holds, in order, through the reference client
    assert relayed('key="h9relay"') == ours
    assert relayed("tag=h9net") == net
    if syslog_ok:
        got = [x for x in datagrams if 'key="h9relay"' in x]
        assert len(got) == len(ours)
        # LOG_LOCAL3 | LOG_INFO = 19 * 8 + 6 = 158; the record's text follows
        for g, line in zip(got, ours):
            assert g.startswith("<158>") and g.endswith(f" audispd: {line}\n")
