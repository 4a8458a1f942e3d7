"""Byte for byte against the reference: the same records, received from the
network by the reference auditd and by ours (``local_events = no``, no
kernel involved), reach a capture plugin identically in both formats; with
``distribute_network = no`` they reach no plugin in either."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from audix.daemon.plugins.binary_format import FRAME_SIZE, HEADER, HEADER_SIZE
from test_remote_support import (client_conf, free_port, make_records, reference_auditd,
                                 run_our_client, wait_until, write_conf)

pytestmark = pytest.mark.reference

LAUNCH = (
    "import sys\n"
    "from audix.daemon.cli.auditd import main, Environment\n"
    "sys.exit(main(sys.argv[3:], Environment(pid_file=sys.argv[1], state_file=sys.argv[2],"
    " use_syslog=False)))\n"
)
CAPTURE = "#!/bin/sh\nexec cat >> \"$1\"\n"


def capture_plugins(tmp_path, name):
    cap = tmp_path / "bin" / "capture.sh"
    cap.parent.mkdir(exist_ok=True)
    cap.write_text(CAPTURE)
    os.chmod(cap, 0o750)
    out = {fmt: tmp_path / f"{name}.{fmt}" for fmt in ("string", "binary")}
    plugins = {f"{fmt}.conf": (f"active = yes\ndirection = out\npath = {cap}\ntype = always\n"
                               f"args = {out[fmt]}\nformat = {fmt}\n") for fmt in out}
    return plugins, out


def our_auditd(tmp_path, port, extra, plugins):
    d = tmp_path / "ourd"
    (d / "plugins.d").mkdir(parents=True)
    (d / "log").mkdir()
    for name, text in plugins.items():
        write_conf(d / "plugins.d" / name, text)
    write_conf(d / "auditd.conf", f"""local_events = no
log_file = {d}/log/audit.log
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 1
space_left = 2
admin_space_left = 1
tcp_listen_port = {port}
tcp_max_per_addr = 4
use_libwrap = no
plugin_dir = {d}/plugins.d
{extra}""")
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH, str(tmp_path / "our.pid"),
                             str(tmp_path / "our.state"), "-n", "-c", str(d)],
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while True:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "our auditd did not listen"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()


def network_part(out, tag):
    """The captured records of the network (string lines, binary frames cut
    to header + record text: the rest of the reference's data area is
    whatever its buffer held)."""
    lines = [x for x in out["string"].read_bytes().split(b"\n") if tag in x]
    data = out["binary"].read_bytes()
    assert len(data) % FRAME_SIZE == 0
    frames = []
    for off in range(0, len(data), FRAME_SIZE):
        size = HEADER.unpack_from(data, off)[3]
        frame = data[off:off + HEADER_SIZE + size]
        if tag in frame:
            frames.append(frame)
    return lines, frames


def closed(out):
    return out["string"].exists() and b"type=DAEMON_CLOSE " in out["string"].read_bytes()


def run(daemon, tmp_path, name, distribute):
    port = free_port()
    (tmp_path / name).mkdir()
    plugins, out = capture_plugins(tmp_path / name, name)
    lines = make_records(30, tag="h9same", with_eoe=True)
    lines.append("node=far type=USER msg=audit(1700000001.000:99): msg='tag=h9same line\x1dX=y'")
    extra = f"distribute_network = {'yes' if distribute else 'no'}\n"
    conf = client_conf(tmp_path / name, port)
    if daemon == "ref":
        with reference_auditd(tmp_path / name, port, extra, plugins=plugins):
            assert run_our_client(conf, lines).returncode == 0
            # DAEMON_CLOSE (a local record, always dispatched) comes after them all
            assert wait_until(lambda: closed(out), 15)
    else:
        proc = our_auditd(tmp_path / name, port, extra, plugins)
        try:
            assert run_our_client(conf, lines).returncode == 0
            # DAEMON_CLOSE (a local record, always dispatched) comes after them all
            assert wait_until(lambda: closed(out), 15)
        finally:
            stop(proc)
    return network_part(out, b"h9same")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (plugin files, mount namespace)")
def test_network_records_reach_plugins_as_the_reference_sends_them(tmp_path):
    ref_lines, ref_frames = run("ref", tmp_path, "ref", True)
    our_lines, our_frames = run("ours", tmp_path, "ours", True)
    assert len(ref_lines) == 31       # EOE lines are not forwarded by the client
    assert our_lines == ref_lines
    assert our_frames == ref_frames
    assert all(HEADER.unpack_from(f)[:2] == (1, 16) for f in our_frames)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (plugin files, mount namespace)")
def test_without_distribute_network_no_network_record_is_dispatched(tmp_path):
    assert run("ref", tmp_path, "ref", False) == ([], [])
    assert run("ours", tmp_path, "ours", False) == ([], [])
