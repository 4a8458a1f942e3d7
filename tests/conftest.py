"""Shared pytest fixtures.

Kernel tests
------------
Tests that touch the real kernel audit subsystem carry ``@pytest.mark.kernel``
and request the ``kernel`` fixture.  It

* skips (with the reason) when not root, when the kernel has no audit
  (``/proc/self/loginuid`` absent) or the audit netlink socket refuses;
* takes an exclusive ``flock`` on ``/run/lock/audix-kernel.lock`` for the
  whole pytest session (the lock every helper's kernel work shares; do not
  wrap commands run from tests in ``flock`` again: that would deadlock);
* snapshots the status (enabled, failure, rate_limit, backlog_limit,
  backlog_wait_time) and the rule list, and restores both at session end;
* refuses (skips) when it finds ``enabled=2`` (immutable).

It yields an open :class:`audix.daemon.netlink.AuditNetlink`.  The
function-scoped ``clean_rules`` and ``clean_status`` fixtures restore the
rule list / status a single test found, so tests can leave no trace.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass

import pytest

KERNEL_LOCK = "/run/lock/audix-kernel.lock"
LOCK_WAIT_SECONDS = 900
STATUS_FIELDS = ("enabled", "failure", "rate_limit", "backlog_limit", "backlog_wait_time")


@dataclass
class KernelSnapshot:
    status: dict
    rules: list


def take_snapshot(nl) -> KernelSnapshot:
    st = nl.get_status()
    return KernelSnapshot({f: getattr(st, f) for f in STATUS_FIELDS}, nl.list_rules())


def restore_rules(nl, rules: list) -> None:
    """Make the kernel's rule list equal ``rules`` (bytes, in order)."""
    current = nl.list_rules()
    if current == rules:
        return
    if current[: len(rules)] == rules:
        for data in current[len(rules):]:
            nl.delete_rule(data)
        return
    for data in current:
        nl.delete_rule(data)
    for data in rules:
        nl.add_rule(data)


def restore_status(nl, status: dict) -> None:
    current = nl.get_status()
    changes = {f: v for f, v in status.items() if getattr(current, f) != v}
    # never restore into the irreversible states
    if changes.get("enabled") == 2:
        changes.pop("enabled")
    if changes.get("failure") == 2:
        changes.pop("failure")
    if changes:
        nl.set_status(**changes)


def _audit_skip_reason() -> str | None:
    if not os.path.exists("/proc/self/loginuid"):
        return "kernel has no audit support (/proc/self/loginuid absent)"
    if os.geteuid() != 0:
        return "kernel audit tests need root"
    return None


def _acquire_lock():
    fd = os.open(KERNEL_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                return None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def kernel():
    reason = _audit_skip_reason()
    if reason:
        pytest.skip(reason)
    from audix.daemon.errors import AuditError
    from audix.daemon.netlink import AuditNetlink

    lock_fd = _acquire_lock()
    if lock_fd is None:
        pytest.skip(f"could not take {KERNEL_LOCK} within {LOCK_WAIT_SECONDS}s")
    try:
        try:
            nl = AuditNetlink()
            snapshot = take_snapshot(nl)
        except AuditError as exc:
            pytest.skip(f"audit netlink socket refuses: {exc}")
        if snapshot.status["enabled"] == 2:
            nl.close()
            pytest.skip("kernel audit configuration is immutable (enabled=2): refusing to run")
        try:
            yield nl
        finally:
            try:
                st = nl.get_status()
                if st.pid == os.getpid():
                    nl.set_status(pid=0)
                restore_rules(nl, snapshot.rules)
                restore_status(nl, snapshot.status)
            finally:
                nl.close()
    finally:
        os.close(lock_fd)


@pytest.fixture
def clean_rules(kernel):
    """Restore the rule list this test found (deletes rules it added)."""
    before = kernel.list_rules()
    yield kernel
    restore_rules(kernel, before)


@pytest.fixture
def clean_status(kernel):
    """Restore the status fields this test found."""
    before = take_snapshot(kernel).status
    yield kernel
    restore_status(kernel, before)


@pytest.fixture
def fake_kernel():
    """An in-memory kernel (audix.daemon.netlink_fake.FakeAuditNetlink): status,
    rules and features without root; the place to test enabled=2 / failure=2."""
    from audix.daemon.netlink_fake import FakeAuditNetlink

    return FakeAuditNetlink()


@pytest.fixture(scope="session", autouse=True)
def search_index_dir(tmp_path_factory):
    """ausearch keeps its sidecar index here, not beside the test logs
    (which live in the repository and the shared corpus)."""
    d = tmp_path_factory.mktemp("audix-index")
    os.chmod(d, 0o700)
    was = os.environ.get("AUDIX_INDEX_DIR")
    os.environ["AUDIX_INDEX_DIR"] = str(d)
    yield str(d)
    if was is None:
        os.environ.pop("AUDIX_INDEX_DIR", None)
    else:
        os.environ["AUDIX_INDEX_DIR"] = was
