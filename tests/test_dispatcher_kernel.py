"""The dispatcher inside our auditd on the real kernel, against the reference.

The reference auditd and ours run the same workload with the same two
plugins (a tiny script writing its stdin to a file, ``format = string`` and
``format = binary``); what each daemon sent is checked against its own log
with the same rules (the reference's observable format), and the events of
the workload must have the same records under both.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from audix.daemon.plugins.binary_format import FRAME_SIZE, decode_frames
from auditd_helpers import (REF_AUDITCTL, REF_AUDITD, lines_of, make_conf, program, start_daemon,
                            wait_for, watching)
from auditd_helpers import audit_on  # noqa: F401  (a fixture)

CAPTURE = "#!/bin/sh\nexec cat >> \"$1\"\n"
SLEEPER = "#!/bin/sh\nexec sleep 1000\n"
STAMP = re.compile(r"msg=audit\((\d+\.\d+):(\d+)\)")

pytestmark = [pytest.mark.kernel,
              pytest.mark.skipif(not os.path.exists(REF_AUDITCTL),
                                 reason="reference auditctl not installed")]


def plugin(conf_dir, name, path, args, fmt="string"):
    f = conf_dir / "plugins.d" / f"{name}.conf"
    f.write_text(f"active = yes\ndirection = out\npath = {path}\ntype = always\n"
                 f"args = {args}\nformat = {fmt}\n")
    os.chmod(f, 0o640)


def workload(target, key, opens=3):
    with watching(target, key, "rwa"):
        for _ in range(opens):
            subprocess.run(["/bin/cat", str(target)], check=True, stdout=subprocess.DEVNULL)


def run_capture(cmd, tmp_path, tag, nl, **conf_keys):
    """The h9disp workload under ``cmd`` (None: our auditd) with the two capture plugins
    (``conf_keys`` may hold auditd.conf's own ``name``)."""
    name = tag
    conf, log = make_conf(tmp_path, name, **conf_keys)
    cap = program(tmp_path, f"{name}-cap.sh", CAPTURE)
    s_out, b_out = tmp_path / f"{name}.string", tmp_path / f"{name}.binary"
    plugin(conf, "s", cap, s_out)
    plugin(conf, "b", cap, b_out, "binary")
    target = tmp_path / f"{name}-watched"
    target.write_text("x")
    d = start_daemon(tmp_path, conf, nl, name, cmd=cmd)
    try:
        workload(target, "h9disp")
        time.sleep(0.5)
    finally:
        assert d.stop() == 0, d.stderr()
    time.sleep(0.3)
    return lines_of(log), lines_of(s_out), b_out.read_bytes()


def check_stream(log, strings, binary, formatted):
    """The reference's rules, checked on one daemon's output."""
    assert strings[0].split(" type=")[-1].startswith("DAEMON_START") or \
        strings[0].startswith("type=DAEMON_START")
    assert "type=DAEMON_END " in strings[-1]
    eoe = [s for s in strings if " type=EOE " in f" {s}"]
    assert eoe, "no EOE sent to the plugins"
    if not formatted:
        # protocol 0: the kernel's text, untrimmed (EOE keeps the space after "):")
        assert all(s.endswith("): ") for s in eoe)
    not_eoe = [s for s in strings if s not in eoe]
    trimmed = [s[:-1] if (not formatted and s.endswith(" ")) else s for s in not_eoe]
    assert trimmed == log  # every logged record, in order, and nothing else
    assert len(binary) == FRAME_SIZE * len(strings)
    frames, rest = decode_frames(binary)
    assert rest == b""
    for f, s in zip(frames, strings):
        assert f.ver == (1 if formatted else 0)
        text = f.data.decode("latin-1")
        if formatted:
            assert text == s
        else:
            assert s == f"{s.split(' msg=', 1)[0]} msg={text}"


def running_with_arg(arg):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if arg.encode() in f.read().split(b"\0"):
                    found.append(pid)
        except OSError:
            pass
    return found


def workload_events(strings):
    """Per event of the workload: its record types, in order."""
    by_serial = {}
    for s in strings:
        m = STAMP.search(s)
        if m:
            by_serial.setdefault(m.group(2), []).append(s)
    out = []
    for recs in by_serial.values():
        if any('key="h9disp"' in r for r in recs) and not any("CONFIG_CHANGE" in r for r in recs):
            out.append([re.search(r"type=(\S+)", r).group(1) for r in recs])
    return out


@pytest.mark.reference
@pytest.mark.skipif(not os.path.exists(REF_AUDITD), reason="reference auditd not installed")
@pytest.mark.parametrize("keys", [dict(log_format="RAW"),
                                  dict(log_format="ENRICHED", name_format="USER", name="h9")],
                         ids=["raw", "enriched-node"])
def test_plugins_get_what_the_reference_sends(audit_on, tmp_path, keys):
    formatted = keys["log_format"] == "ENRICHED"
    ref = run_capture([REF_AUDITD], tmp_path, "ref", audit_on, **keys)
    ours = run_capture(None, tmp_path, "ours", audit_on, **keys)
    check_stream(*ref, formatted)
    check_stream(*ours, formatted)
    ref_events, our_events = workload_events(ref[1]), workload_events(ours[1])
    assert len(ref_events) == 3 and our_events == ref_events
    if formatted:
        assert all(s.startswith("node=h9 type=") for s in ref[1] + ours[1])


def test_slow_and_crashing_plugins_never_hold_the_log(audit_on, tmp_path):
    conf, log = make_conf(tmp_path, "slow", q_depth="5000", max_restarts="2")
    good = tmp_path / "good.out"
    plugin(conf, "good", program(tmp_path, "cap.sh", CAPTURE), good)
    plugin(conf, "slow", program(tmp_path, "sleep.sh", SLEEPER), "x")
    crash = program(tmp_path, "crash.sh", "#!/bin/sh\nread line\nexit 3\n")
    plugin(conf, "crash", crash, "x")
    target = tmp_path / "watched"
    target.write_text("x")
    d = start_daemon(tmp_path, conf, audit_on, "slow")
    try:
        n = 2500
        with watching(target, "h9slow"):
            subprocess.run([sys.executable, "-c",
                            f"import os\nfor i in range({n}):\n"
                            f"    os.close(os.open({str(target)!r}, os.O_RDONLY))\n"],
                           check=True)

        def logged():
            return sum(1 for x in lines_of(log) if 'key="h9slow"' in x and "SYSCALL" in x)
        wait_for(lambda: logged() >= n, 20)
        assert logged() == n
    finally:
        assert d.stop() == 0
    err = d.stderr()
    assert "queue to plugins is full - dropping event" in err
    assert err.count(f"plugin {crash} terminated unexpectedly") == 3
    # (the NOTICE "was restarted" lines go to syslog only): 1 start + 2 restarts died
    assert f"plugin {crash} has exceeded max_restarts" in err
    got = lines_of(good)
    assert sum(1 for x in got if 'key="h9slow"' in x and "SYSCALL" in x) == n
    assert [x[:-1] if x.endswith(" ") else x for x in got if " type=EOE " not in f" {x}"] \
        == lines_of(log)


def test_sighup_adds_and_removes_plugins(audit_on, tmp_path):
    conf, log = make_conf(tmp_path, "hup")
    # tee keeps the output file in its command line: we can see which one runs
    cap = program(tmp_path, "cap.sh", "#!/bin/sh\nexec tee -a \"$1\" > /dev/null\n")
    first, second = tmp_path / "first.out", tmp_path / "second.out"
    plugin(conf, "first", cap, first)
    target = tmp_path / "watched"
    target.write_text("x")
    d = start_daemon(tmp_path, conf, audit_on, "hup")
    try:
        workload(target, "h9hup1", opens=1)
        # the HUP must come after the daemon read h9hup1's last record (its rule removal)
        assert wait_for(lambda: 'op=remove_rule key="h9hup1"' in log.read_text("latin-1")), \
            "h9hup1's rule removal was not logged"
        os.unlink(conf / "plugins.d" / "first.conf")
        plugin(conf, "second", cap, second)
        d.proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "type=DAEMON_CONFIG" in log.read_text("latin-1")), "no DAEMON_CONFIG"
        workload(target, "h9hup2", opens=1)
        time.sleep(0.5)
        assert not running_with_arg(str(first)), "the removed plugin still runs"
        assert running_with_arg(str(second))
        state = tmp_path / "hup.state"
        d.proc.send_signal(signal.SIGCONT)
        assert wait_for(lambda: state.exists() and "Number of active plugins" in state.read_text()), \
            "no state report"
        report = state.read_text()
        assert "Number of active plugins = 1\n" in report
        assert f"plugin second.conf ({cap}) running pid=" in report
    finally:
        assert d.stop() == 0
    a, b = first.read_text("latin-1"), second.read_text("latin-1")
    assert 'key="h9hup1"' in a and 'key="h9hup2"' not in a
    assert 'key="h9hup2"' in b and 'key="h9hup1"' not in b
    assert "type=DAEMON_END" in b
