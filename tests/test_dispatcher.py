"""The plugin dispatcher with fake records (no kernel): formats, external
plugins on stdin, restarts, overflow, af_unix, SIGHUP reload."""

from __future__ import annotations

import os
import socket
import stat
import syslog
import time

import pytest

from audix.daemon.config import DaemonConfig, LogFormat, NameFormat, OverflowAction
from audix.daemon.plugins import binary_format as B
from audix.daemon.plugins.dispatcher import PluginDispatcher, dispatcher_for
from audix.daemon.plugins.plugin_event import make_event

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="plugin files must be owned by root (as the reference)")

CAPTURE = "#!/bin/sh\nexec cat >> \"$1\"\n"
ONE_LINE = "#!/bin/sh\nread line\necho \"$line\" >> \"$1\"\n"   # reads a line, exits
SLEEPER = "#!/bin/sh\nexec sleep 1000\n"                        # never reads


class FakeActions:
    def __init__(self):
        self.runlevels = []

    def change_runlevel(self, level):
        self.runlevels.append(level)


class Logs(list):
    def __call__(self, level, text):
        self.append((level, text))

    def texts(self):
        return [t for _, t in self]


def wait_for(pred, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def gone(pid):
    """Exited (a zombie counts: the daemon's SIGCHLD handler reaps those)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def record(serial, rtype=1300, body="arch=c000003e syscall=2 success=yes"):
    text = f"audit(1700000000.{serial % 1000:03d}:{serial}): {body}"
    name = {1300: "SYSCALL", 1320: "EOE", 1305: "CONFIG_CHANGE"}.get(rtype, "UNKNOWN")
    return (rtype, text, f"type={name} msg={text}")


class PluginDir:
    def __init__(self, tmp_path):
        self.root = tmp_path
        self.dir = tmp_path / "plugins.d"
        self.dir.mkdir()
        self.bin = tmp_path / "bin"
        self.bin.mkdir()

    def program(self, name, text):
        p = self.bin / name
        p.write_text(text)
        os.chmod(p, 0o750)
        return str(p)

    def plugin(self, name, path, args="", fmt="string", active="yes"):
        lines = [f"active = {active}", "direction = out", f"path = {path}",
                 f"type = {'builtin' if path.startswith('builtin') else 'always'}",
                 f"format = {fmt}"]
        if args:
            lines.append(f"args = {args}")
        conf = self.dir / f"{name}.conf"
        conf.write_text("\n".join(lines) + "\n")
        os.chmod(conf, 0o640)

    def capture(self, name, fmt="string"):
        out = self.root / f"{name}.out"
        self.plugin(name, self.program("capture.sh", CAPTURE), args=str(out), fmt=fmt)
        return out

    def config(self, **kw):
        kw.setdefault("log_format", LogFormat.RAW)
        return DaemonConfig(plugin_dir=str(self.dir), **kw)


@pytest.fixture
def pdir(tmp_path):
    return PluginDir(tmp_path)


@pytest.fixture
def running():
    made = []

    def make(cfg, logs=None, actions=None):
        d = PluginDispatcher(cfg, logs if logs is not None else Logs(), actions)
        made.append(d)
        return d
    yield make
    for d in made:
        d.stop()


# --- formats --------------------------------------------------------------------

def test_protocol_0_string_keeps_the_kernel_text_and_a_newline():
    text = "audit(1795615954.374:5235421): "
    ev = make_event(1320, text, "type=EOE msg=audit(1795615954.374:5235421):", formatted=False)
    # the reference does not trim: the EOE keeps the space after "):"
    assert ev.string() == b"type=EOE msg=audit(1795615954.374:5235421): \n"
    frame = ev.binary()
    assert len(frame) == 16 + 8970
    assert B.HEADER.unpack_from(frame) == (0, 16, 1320, len(text))
    assert frame[16:16 + len(text)] == text.encode()
    assert frame[16 + len(text):] == bytes(8970 - len(text))


def test_protocol_2_carries_the_formatted_line():
    line = 'node=vm type=SYSCALL msg=audit(1.002:3): arch=c000003e\x1dARCH=x86_64'
    ev = make_event(1300, "audit(1.002:3): arch=c000003e", line, formatted=True)
    assert ev.string() == line.encode("latin-1") + b"\n"
    frames, rest = B.decode_frames(ev.binary() * 2 + ev.binary()[:20])
    assert rest == ev.binary()[:20]
    assert [(f.ver, f.type, f.data) for f in frames] == [(1, 1300, line.encode())] * 2


def test_network_records_are_protocol_2_and_newlines_become_spaces():
    ev = make_event(1100, None, "node=a type=USER msg=audit(1.000:1): x", formatted=False)
    assert ev.ver == B.PROTOCOL_VER2
    ev = make_event(1005, "audit(1.000:1): a\nb", "unused", formatted=False)
    assert ev.string() == b"type=USER msg=audit(1.000:1): a b\n"
    assert make_event(1005, "audit(1.000:1): a\0b", "", False).string() == \
        b"type=USER msg=audit(1.000:1): a\n"


def test_record_cut_at_the_limit_announces_8970_bytes():
    ev = make_event(1300, None, "x" * 9000, formatted=True)
    ver, hlen, rtype, size = B.HEADER.unpack_from(ev.binary())
    assert size == 8970 and ev.data == b"x" * 8969


def test_bad_frame_is_refused():
    with pytest.raises(B.BinaryFormatError):
        B.decode_frames(B.HEADER.pack(1, 99, 1300, 5) + bytes(8970))


# --- external plugins ------------------------------------------------------------

def test_string_and_binary_plugins_get_every_record_in_order(pdir, running):
    s_out = pdir.capture("s")
    b_out = pdir.root / "b.out"
    pdir.plugin("b", str(pdir.bin / "capture.sh"), args=str(b_out), fmt="binary")
    logs = Logs()
    d = running(pdir.config(), logs)
    assert d.active and list(d.plugins) == ["b.conf", "s.conf"]
    assert (syslog.LOG_INFO, "audit dispatcher initialized with q_depth=2000 and 2 active "
                             "plugins") in logs
    items = [record(i) for i in range(1, 301)] + [record(301, 1320, "")]
    for k in range(0, len(items), 50):
        d.dispatch(items[k:k + 50])
    d.stop()
    assert s_out.read_bytes() == b"".join(f"type={'EOE' if t == 1320 else 'SYSCALL'} msg={x}\n"
                                          .encode() for t, x, _ in items)
    frames, rest = B.decode_frames(b_out.read_bytes())
    assert rest == b""
    assert [(f.ver, f.type, f.data.decode()) for f in frames] == [(0, t, x) for t, x, _ in items]


def test_raw_needs_no_log_line(pdir, running):
    out = pdir.capture("s")
    d = running(pdir.config())
    assert not d.needs_lines
    d.dispatch([(1300, "audit(1.000:1): a=1 ", None)])
    d.stop()
    assert out.read_bytes() == b"type=SYSCALL msg=audit(1.000:1): a=1 \n"


def test_formatted_lines_with_name_format(pdir, running):
    out = pdir.capture("s")
    d = running(pdir.config(name_format=NameFormat.USER, name="h"))
    assert d.needs_lines
    d.dispatch([(1300, "audit(1.000:1): a=1", "node=h type=SYSCALL msg=audit(1.000:1): a=1")])
    d.stop()
    assert out.read_bytes() == b"node=h type=SYSCALL msg=audit(1.000:1): a=1\n"


def test_plugin_runs_with_empty_environment_and_unblocked_signals(pdir, running):
    out = pdir.root / "env.out"
    prog = pdir.program("env.sh", "#!/bin/sh\n"
                                  "{ env; grep -E '^Sig(Blk|Ign)' /proc/self/status; } > \"$1\"\n"
                                  "exec cat > /dev/null\n")
    pdir.plugin("e", prog, args=str(out))
    import signal
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP, signal.SIGTERM})
    try:
        d = running(pdir.config())
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP, signal.SIGTERM})
    assert wait_for(lambda: out.exists() and "SigIgn" in out.read_text())
    lines = out.read_text().split("\n")
    assert not [x for x in lines if "=" in x and not x.startswith(("PWD=", "OLDPWD="))]
    assert "SigBlk:\t0000000000000000" in lines
    d.stop()


def test_crashed_plugin_is_restarted_up_to_max_restarts(pdir, running):
    out = pdir.root / "one.out"
    prog = pdir.program("one.sh", ONE_LINE)
    pdir.plugin("one", prog, args=str(out))
    logs = Logs()
    d = running(pdir.config(max_restarts=2), logs)
    plugin = d.plugins["one.conf"]
    for i in range(1, 8):
        d.dispatch([record(i)])
        wait_for(lambda: plugin.sent >= i or plugin.gave_up, 3)
        time.sleep(0.15)
    assert wait_for(lambda: plugin.gave_up)
    texts = logs.texts()
    assert texts.count(f"plugin {prog} terminated unexpectedly") == 3
    assert texts.count(f"plugin {prog} was restarted") == 2
    assert texts.count(f"plugin {prog} has exceeded max_restarts") == 1
    got = out.read_text().split("\n")
    assert got[0] == "type=SYSCALL msg=" + record(1)[1]
    assert len([x for x in got if x]) == 3   # first start + two restarts, one line each
    assert "exceeded max_restarts" in d.state_lines()[1]


def test_missing_program_is_skipped_and_logged(pdir, running):
    prog = pdir.program("gone.sh", CAPTURE)
    pdir.plugin("g", prog)
    os.unlink(prog)
    logs = Logs()
    d = running(pdir.config(), logs)
    assert not d.active
    assert "Skipping g.conf plugin due to errors" in logs.texts()
    assert (syslog.LOG_NOTICE, "No plugins found, not dispatching events") in logs
    d.dispatch([record(1)])  # nothing to do, nothing raised


def test_a_plugin_that_never_reads_does_not_block_the_writer(pdir, running):
    out = pdir.capture("good")
    pdir.plugin("slow", pdir.program("sleep.sh", SLEEPER))
    logs = Logs()
    d = running(pdir.config(q_depth=1000), logs)
    body = "x" * 400
    sent = 0
    t0 = time.monotonic()
    worst = 0.0
    for k in range(60):
        batch = [record(k * 50 + i, body=body) for i in range(50)]
        t = time.monotonic()
        d.dispatch(batch)
        worst = max(worst, time.monotonic() - t)
        sent += len(batch)
        time.sleep(0.01)
    assert worst < 0.5, f"dispatch took {worst:.3f}s"
    assert time.monotonic() - t0 < 10
    assert d.dropped > 0 and d.overflowed
    texts = logs.texts()
    assert texts.count("queue to plugins is full - dropping event") == 5
    assert texts.count("auditd queue full reporting limit reached - ending dropped event "
                       "notifications") == 1
    good = d.plugins["good.conf"]
    assert wait_for(lambda: good.sent == sent)
    d.stop()
    assert len(out.read_bytes().split(b"\n")) - 1 == sent


def test_overflow_suspend_then_resume_and_halt_through_actions(pdir, running):
    pdir.plugin("slow", pdir.program("sleep.sh", SLEEPER))
    out = pdir.capture("good")
    logs, actions = Logs(), FakeActions()
    d = running(pdir.config(q_depth=5, overflow_action=OverflowAction.SUSPEND), logs, actions)
    big = [record(i, body="y" * 8000) for i in range(200)]  # more than the socket buffer
    for k in range(0, 200, 5):
        d.dispatch(big[k:k + 5])
        if d.suspended:
            break
        time.sleep(0.02)
    assert d.suspended
    assert (syslog.LOG_ALERT, "Auditd is suspending event passing to plugins due to "
                              "overflowing its queue.") in logs
    good = d.plugins["good.conf"]
    assert wait_for(lambda: len(good.outbox) == 0)
    d.dispatch([record(999)])   # suspended: nothing passes
    d.resume()
    d.dispatch([record(1000)])
    assert wait_for(lambda: b":1000): " in out.read_bytes())
    assert b":999): " not in out.read_bytes()
    assert d.suspended  # slow is still full: suspended again
    # halt: the daemon's actions are asked, never executed here
    d.overflow_action = OverflowAction.HALT
    d.resume()
    d.plugins["slow.conf"].outbox.offer([b"z"] * 10)
    d.dispatch([record(1001)])
    assert actions.runlevels and set(actions.runlevels) == {"0"}
    assert out.exists()


def test_dispatcher_for_uses_the_actions_it_is_given(pdir):
    actions = FakeActions()
    d = dispatcher_for(pdir.config(), lambda level, text: None, actions=actions)
    assert d.actions is actions and not d.active
    d.stop()


def test_dispatcher_for_does_not_fish_actions_from_the_log_method(pdir):
    class Daemon:
        actions = FakeActions()

        def _log(self, level, text):
            pass
    d = dispatcher_for(pdir.config(), Daemon()._log)
    assert d.actions is None  # explicit only: the daemon passes its own
    d.stop()


# --- af_unix ----------------------------------------------------------------------

def connect(path):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    c.settimeout(5)
    return c


def read_exactly(c, n):
    buf = b""
    while len(buf) < n:
        chunk = c.recv(n - len(buf))
        assert chunk, "connection closed"
        buf += chunk
    return buf


@pytest.mark.parametrize("fmt", ["string", "binary"])
def test_af_unix_builtin_fans_out_and_drops_a_client_that_does_not_read(pdir, running, fmt):
    path = str(pdir.root / "events.sock")
    pdir.plugin("af_unix", "builtin_af_unix", args=f"0640 {path}", fmt=fmt)
    logs = Logs()
    d = running(pdir.config(q_depth=50), logs)
    assert "af_unix plugin initialized" in logs.texts()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640 and stat.S_ISSOCK(os.stat(path).st_mode)
    a, b, lazy = connect(path), connect(path), connect(path)
    plugin = d.plugins["af_unix.conf"]
    assert wait_for(lambda: len(plugin._clients) == 3)
    items = [record(i) for i in range(1, 4)]
    d.dispatch(items)
    if fmt == "string":
        want = b"".join(f"type=SYSCALL msg={x}\n".encode() for _, x, _ in items)
    else:
        want = b"".join(make_event(t, x, l, False).binary() for t, x, l in items)
    assert read_exactly(a, len(want)) == want
    assert read_exactly(b, len(want)) == want
    # lazy never reads: it is dropped, a keeps receiving
    total = 0
    for k in range(400):
        batch = [record(10 + k * 10 + i, body="q" * 2000) for i in range(10)]
        d.dispatch(batch)
        chunk = sum(len(make_event(t, x, l, False).string() if fmt == "string"
                        else make_event(t, x, l, False).binary()) for t, x, l in batch)
        read_exactly(a, chunk)
        read_exactly(b, chunk)
        total += chunk
        if plugin.clients_dropped:
            break
    assert plugin.clients_dropped == 1
    assert wait_for(lambda: len(plugin._clients) == 2)
    d.stop()
    assert not os.path.exists(path)
    assert "af_unix plugin terminated" in logs.texts()
    for c in (a, b, lazy):
        c.close()


def test_af_unix_bad_args_are_logged(pdir, running):
    pdir.plugin("af_unix", "builtin_af_unix", args="0640 nowhere")
    logs = Logs()
    d = running(pdir.config(), logs)
    assert not d.active and "Malformed path nowhere" in logs.texts()


# --- SIGHUP ---------------------------------------------------------------------------

def test_reconfigure_adds_removes_hups_and_restarts_changed_binaries(pdir, running):
    logs = Logs()
    d = running(pdir.config(), logs)       # nothing yet
    assert not d.active
    a_out = pdir.capture("a")
    hup_out = pdir.root / "hup.out"
    hup_prog = pdir.program("hup.sh", "#!/bin/sh\ntrap 'echo hup >> \"$1\"' HUP\n"
                                      "while read line; do :; done\n")
    pdir.plugin("h", hup_prog, args=str(hup_out))
    d.reconfigure(pdir.config())
    assert list(d.plugins) == ["a.conf", "h.conf"]
    d.dispatch([record(1)])
    assert wait_for(lambda: a_out.exists() and a_out.read_bytes().count(b"\n") == 1)
    old_a = d.plugins["a.conf"]
    a_pid = old_a.pid
    # remove a, keep h (HUP), replace h's binary later
    os.unlink(pdir.dir / "a.conf")
    b_out = pdir.capture("b")
    d.reconfigure(pdir.config())
    assert list(d.plugins) == ["b.conf", "h.conf"]
    assert f"Terminating {pdir.bin}/capture.sh because its now inactive" in logs.texts()
    assert wait_for(lambda: hup_out.exists() and hup_out.read_text() == "hup\n")
    assert wait_for(lambda: gone(a_pid))
    d.dispatch([record(2)])
    assert wait_for(lambda: b_out.exists() and b_out.read_bytes().count(b"\n") == 1)
    assert a_out.read_bytes().count(b"\n") == 1
    # a new binary (new inode) is restarted
    h = d.plugins["h.conf"]
    h_pid = h.pid
    new = pdir.bin / "hup.sh.new"
    new.write_text(open(hup_prog).read())
    os.chmod(new, 0o750)
    os.replace(new, hup_prog)
    d.reconfigure(pdir.config())
    assert f"Restarting {hup_prog} since binary changed" in logs.texts()
    assert wait_for(lambda: h.pid is not None and h.pid != h_pid)
    assert d.plugins["h.conf"] is h


def test_af_unix_changed_args_on_sighup_rebinds_and_keeps_the_socket(pdir, running):
    path = str(pdir.root / "events.sock")
    pdir.plugin("af_unix", "builtin_af_unix", args=f"0600 {path}")
    logs = Logs()
    d = running(pdir.config(), logs)
    old = d.plugins["af_unix.conf"]
    pdir.plugin("af_unix", "builtin_af_unix", args=f"{path} 0660")
    d.reconfigure(pdir.config())
    new = d.plugins["af_unix.conf"]
    assert new is not old
    assert wait_for(lambda: old._listener is None)   # the old one stopped...
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o660  # ...without removing the new socket
    c = connect(path)
    assert wait_for(lambda: len(new._clients) == 1)
    d.dispatch([record(5)])
    assert read_exactly(c, len(f"type=SYSCALL msg={record(5)[1]}\n")) == \
        f"type=SYSCALL msg={record(5)[1]}\n".encode()
    c.close()


def test_unknown_builtin_is_logged_and_skipped(pdir, running):
    prog = pdir.program("capture.sh", CAPTURE)
    conf = pdir.dir / "odd.conf"
    conf.write_text(f"active = yes\ndirection = out\npath = {prog}\ntype = builtin\n")
    os.chmod(conf, 0o640)
    logs = Logs()
    d = running(pdir.config(), logs)
    assert not d.active and f"Unknown builtin {prog}" in logs.texts()
