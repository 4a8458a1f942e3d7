"""autrace end to end on the real kernel (serialised by the ``kernel`` fixture).

Every test also checks that autrace left the kernel as it found it: the
same rules, the daemon slot free (or still the reference auditd's).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from audix.daemon.rules import Action, syscall_rule
from audix.tracer.process_rules import AUDIT_ARCH

pytestmark = pytest.mark.kernel

AUTRACE = [sys.executable, "-m", "audix.tracer.cli"]
DETACHED_DELETION_SECONDS = 20     # 300 exited processes x ~12 ms per kernel rule deletion


def run_autrace(args, timeout=60, **kw):
    return subprocess.run(AUTRACE + list(args), capture_output=True, timeout=timeout, **kw)


def text(b: bytes) -> str:
    return b.decode("latin-1")


def our_rules(kernel):
    from audix.daemon.rules import Rule
    return [r for r in (Rule.from_bytes(d) for d in kernel.list_rules())
            if any(k.startswith("autrace-") for k in r.keys)]


@pytest.fixture
def clean_kernel(kernel):
    """The rule list and daemon slot this test found must be what it leaves."""
    rules = kernel.list_rules()
    pid = kernel.get_status().pid
    yield kernel
    after = kernel.list_rules()
    deadline = time.monotonic() + DETACHED_DELETION_SECONDS
    while after != rules and time.monotonic() < deadline:
        time.sleep(0.1)      # many exited processes: a detached process deletes their rules
        after = kernel.list_rules()
    status = kernel.get_status()
    if after != rules:
        for data in after:
            if data not in rules:
                kernel.delete_rule(data)
        pytest.fail("autrace left rules behind")
    assert status.pid == pid, "autrace did not release the audit daemon slot"


def script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    path.chmod(0o755)
    return str(path)


def lines_of(err: str):
    return [l for l in err.split("\n") if l]


def root_pid(err: str) -> int:
    """The traced program's pid: the one of the first execve line."""
    return int(next(l for l in err.split("\n") if " execve(" in l).split()[0])


# -- descendants, threads, exec ---------------------------------------------------------
@pytest.mark.parametrize("worker", ["1", "0"], ids=["render-worker", "inline-render"])
def test_double_fork_grandchildren_and_exit_status(clean_kernel, tmp_path, worker):
    prog = script(tmp_path, "tree.sh", """\
        #!/bin/sh
        ( ( /bin/echo grandchild-marker >/dev/null ) & )
        sleep 0.2
        cat /nonexistent-autrace-test 2>/dev/null
        exit 3
        """)
    res = run_autrace([prog], env={**os.environ, "AUDIX_AUTRACE_WORKER": worker})
    err = text(res.stderr)
    assert res.returncode == 3, err
    assert '["/bin/echo", "grandchild-marker"]' in err, err[-3000:]
    assert 'openat(AT_FDCWD, "/nonexistent-autrace-test", O_RDONLY) = -1 ENOENT (No such file or directory)' in err, \
        err[-3000:]
    root = root_pid(err)
    assert f"{root:<5} +++ exited with 3 +++" in err
    last = lines_of(err)[-1]
    assert last.startswith("autrace: 5 processes, ") and last.endswith(" 0 records lost"), last


def test_threads_are_covered(clean_kernel, tmp_path):
    prog = script(tmp_path, "threads.py", """\
        import os, threading
        def work():
            try:
                os.stat("/nonexistent-thread-marker")
            except OSError:
                pass
        t = threading.Thread(target=work)
        t.start(); t.join()
        """)
    res = run_autrace([sys.executable, "-S", prog])
    err = text(res.stderr)
    assert res.returncode == 0, err
    marker = [l for l in err.split("\n") if "/nonexistent-thread-marker" in l]
    assert marker and "ENOENT" in marker[0]
    root = root_pid(err)
    assert int(marker[0].split()[0]) == root            # audit's pid is the tgid
    assert any("+++ thread " in l and " started +++" in l for l in err.split("\n"))


def test_reexec_and_vfork(clean_kernel, tmp_path):
    prog = script(tmp_path, "reexec.sh", """\
        #!/bin/sh
        if [ "$1" != again ]; then exec "$0" again; fi
        /bin/true
        exit 5
        """)
    res = run_autrace([prog])
    err = text(res.stderr)
    assert res.returncode == 5, err
    root = root_pid(err)
    execs = [l for l in err.split("\n") if l.startswith(f"{root:<5} execve(")]
    assert len(execs) == 2 and '"again"]' in execs[1], err[:3000]
    assert any(" vfork() = " in l for l in err.split("\n"))      # dash runs /bin/true with vfork
    assert any('execve("/bin/true"' in l for l in err.split("\n"))


def test_death_by_signal(clean_kernel):
    res = run_autrace(["sh", "-c", "kill -SEGV $$"])
    err = text(res.stderr)
    assert res.returncode == 128 + signal.SIGSEGV, err
    assert "+++ killed by SIGSEGV" in err


def test_exec_failures(clean_kernel, tmp_path):
    res = run_autrace(["-q", "/nonexistent-program"])
    assert res.returncode == 127
    assert "autrace: cannot execute /nonexistent-program: No such file or directory" in text(res.stderr)
    plain = tmp_path / "plain"
    plain.write_text("x")
    res = run_autrace([str(plain)])
    assert res.returncode == 126
    assert f"autrace: cannot execute {plain}: Permission denied" in text(res.stderr)
    res = run_autrace(["no-such-command-anywhere"])
    assert res.returncode == 127


# -- rules of other admins and other daemons -------------------------------------------------
def test_pre_existing_never_rule_does_not_hide_us(clean_kernel):
    never = syscall_rule(arch=AUDIT_ARCH["x86_64"], fields=[], action=Action.NEVER, prepend=False)
    clean_kernel.add_rule(never.to_bytes())
    try:
        res = run_autrace(["/bin/true"])
        err = text(res.stderr)
        assert res.returncode == 0
        assert 'execve("/bin/true"' in err and "exit_group(0)" in err
        from audix.daemon.rules import Rule
        left = [Rule.from_bytes(d) for d in clean_kernel.list_rules()]
        assert [r.action for r in left if not r.keys] == [Action.NEVER]      # not ours: untouched
    finally:
        clean_kernel.delete_rule(never.to_bytes())
        assert our_rules(clean_kernel) == []


def test_beside_the_reference_auditd(clean_kernel, tmp_path):
    if not os.path.exists("/usr/sbin/auditd"):
        pytest.skip("reference auditd not installed")
    conf = tmp_path / "conf"
    (conf / "plugins.d").mkdir(parents=True)
    log = tmp_path / "audit.log"
    (conf / "auditd.conf").write_text(textwrap.dedent(f"""\
        log_file = {log}
        log_format = RAW
        flush = INCREMENTAL_ASYNC
        freq = 50
        space_left = 75
        space_left_action = IGNORE
        admin_space_left = 50
        admin_space_left_action = IGNORE
        disk_full_action = IGNORE
        disk_error_action = IGNORE
        plugin_dir = {conf / 'plugins.d'}
        """))
    daemon = subprocess.Popen(["/usr/sbin/auditd", "-n", "-c", str(conf), "-s", "nochange"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if clean_kernel.get_status().pid == daemon.pid:
                break
            time.sleep(0.05)
        else:
            pytest.skip("reference auditd did not register")
        res = run_autrace(["sh", "-c", "/bin/true; exit 4"])
        err = text(res.stderr)
        assert res.returncode == 4, err
        assert 'execve("/bin/true"' in err and " 0 records lost" in err
        assert clean_kernel.get_status().pid == daemon.pid          # still the reference's
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=10)
    # the reference auditd logged our records too (unicast), with our key
    assert "autrace-" in log.read_text(encoding="latin-1")


# -- cleanup -------------------------------------------------------------------------------
def _start_sleeping_trace(kernel):
    proc = subprocess.Popen(AUTRACE + ["sleep", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(200):
        if our_rules(kernel):
            return proc
        time.sleep(0.05)
    proc.kill()
    pytest.fail("autrace never installed its rule")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_cleanup_after_signal(clean_kernel, sig):
    proc = _start_sleeping_trace(clean_kernel)
    time.sleep(0.3)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig, text(err)              # forwarded: sleep died of it
    assert our_rules(clean_kernel) == []
    assert f"+++ killed by {signal.Signals(sig).name} +++" in text(err)


def test_second_signal_kills_a_tracee_that_ignores_the_first(clean_kernel):
    proc = subprocess.Popen(AUTRACE + ["sh", "-c", "trap '' TERM; sleep 30"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(200):
        if our_rules(clean_kernel):
            break
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)          # forwarded to sh, which ignores it
    time.sleep(0.5)
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)          # the second one kills the tree
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGKILL, text(err)
    assert "+++ killed by SIGKILL +++" in text(err)
    assert our_rules(clean_kernel) == []


def test_cleanup_after_sigkill_by_next_run_and_cleanup_option(clean_kernel):
    proc = _start_sleeping_trace(clean_kernel)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    time.sleep(0.2)
    assert our_rules(clean_kernel)                               # left behind (tracee died: EXITKILL)
    res = run_autrace(["--cleanup"])
    assert res.returncode == 0
    assert "autrace: removed 1 stale rules" in text(res.stderr)     # one arch-less rule (all syscalls)
    assert our_rules(clean_kernel) == []
    # and a plain run also sweeps them
    proc = _start_sleeping_trace(clean_kernel)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    res = run_autrace(["/bin/true"])
    assert "rules left by an autrace that no longer runs" in text(res.stderr)
    assert our_rules(clean_kernel) == []


# -- errors --------------------------------------------------------------------------------
def test_audit_disabled_is_enabled_for_the_run_and_restored(clean_kernel, clean_status):
    clean_kernel.set_status(enabled=0)
    res = run_autrace(["/bin/true"])
    assert res.returncode == 0
    err = text(res.stderr)
    assert "audit was disabled; enabled for this run" in err and 'execve("/bin/true"' in err
    assert clean_kernel.get_status().enabled == 0


# -- output options ------------------------------------------------------------------------
def test_json_log_and_reference_ausearch(clean_kernel, tmp_path):
    log = tmp_path / "trace.log"
    out = tmp_path / "trace.jsonl"
    res = run_autrace(["--json", "-o", str(out), "--log", str(log), "sh", "-c", "cat /nonexistent-j; exit 2"])
    assert res.returncode == 2
    objs = [json.loads(l) for l in out.read_text(encoding="latin-1").split("\n") if l]
    calls = [o for o in objs if o["type"] == "syscall"]
    failed = [o for o in calls if o["syscall"] == "openat" and o["paths"]
              and o["paths"][0]["name"] == "/nonexistent-j"]
    assert failed and failed[0]["errno"] == "ENOENT" and failed[0]["success"] is False
    assert {o["event"] for o in objs if o["type"] == "process"} >= {"start", "exec", "exit"}
    assert sum(1 for o in calls for r in o["records"] if r.startswith("type=SYSCALL")) == len(calls)
    logged = [l for l in log.read_text(encoding="latin-1").split("\n") if l.startswith("type=SYSCALL")]
    assert len(logged) == len(calls)
    # forensic mode on our own log rebuilds the same calls
    root = calls[0]["pid"]
    res = run_autrace(["--pid", str(root), "-if", str(log), "--json", "-q"])
    again = [json.loads(l) for l in text(res.stdout).split("\n") if l]
    assert res.returncode == 0
    assert [(o["serial"], o["syscall"], o["args"]) for o in again if o["type"] == "syscall"] == \
           [(o["serial"], o["syscall"], o["args"]) for o in calls]
    if os.path.exists("/usr/sbin/ausearch"):
        key = calls[0]["key"]
        r = subprocess.run(["/usr/sbin/ausearch", "-if", str(log), "-k", key, "--raw"],
                           capture_output=True, env={**os.environ, "TZ": "UTC", "LC_ALL": "C"})
        assert r.returncode == 0
        assert text(r.stdout).count("type=SYSCALL") == len(calls)


def test_summary_filter_and_no_follow(clean_kernel):
    res = run_autrace(["-c", "-q", "sh", "-c", "/bin/true; /bin/true"])
    err = text(res.stderr)
    assert res.returncode == 0
    assert " execve\n" in err and err.count("\n  ") >= 3          # per-process rows
    assert "autrace:" not in err                                  # -q
    res = run_autrace(["-e", "trace=%process", "sh", "-c", "/bin/true"])   # per-arch rules (b64+b32)
    err = text(res.stderr)
    calls = [l for l in err.split("\n") if "(" in l and "+++" not in l and not l.startswith("autrace")]
    assert calls and all(l.split()[1].split("(")[0] in
                         {"execve", "vfork", "clone", "clone3", "wait4", "exit_group", "fork"} for l in calls), calls
    res = run_autrace(["-r", "sh", "-c", "cat /etc/hostname >/dev/null"])
    err = text(res.stderr)
    names = {l.split()[1].split("(")[0] for l in err.split("\n") if "(" in l and "+++" not in l}
    assert {"execve", "openat"} <= names and not names & {"mmap", "read", "close", "brk"}, names
    res = run_autrace(["--no-follow", "sh", "-c", "/bin/true; exit 0"])
    err = text(res.stderr)
    assert 'execve("/bin/true"' not in err and " vfork() = " in err and "autrace: 1 processes" in err


def test_fork_heavy_loop_loses_nothing(clean_kernel):
    res = run_autrace(["-e", "trace=execve", "sh", "-c", "for i in $(seq 300); do /bin/true; done"],
                      timeout=120)
    err = text(res.stderr)
    assert res.returncode == 0
    assert err.count('execve("/bin/true"') == 300
    assert err.rstrip().endswith(" 0 records lost")
    # autrace returned before its ~300 leftover rules were deleted (a detached
    # process does it); none may stay within reach of a new pid for long
    deadline = time.monotonic() + DETACHED_DELETION_SECONDS
    while our_rules(clean_kernel) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert our_rules(clean_kernel) == []
