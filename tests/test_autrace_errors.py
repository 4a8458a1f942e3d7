"""autrace's one-line errors (exit 1) for machines where it cannot run; no kernel needed."""
from __future__ import annotations

import io

from audix.daemon.netlink import AuditStatus
from audix.tracer import cli, session


def run(argv):
    out, err = io.BytesIO(), io.BytesIO()
    rc = cli.main(argv, cli.Env(out, err))
    return rc, err.getvalue().decode("latin-1")


def test_not_root(monkeypatch):
    monkeypatch.setattr(session.os, "geteuid", lambda: 1000)
    rc, err = run(["/bin/true"])
    assert rc == 1
    assert err == "autrace: must be run as root (needs CAP_AUDIT_CONTROL and CAP_AUDIT_READ)\n"


def test_no_audit_in_kernel(monkeypatch):
    monkeypatch.setattr(session, "AUDIT_PROBE", "/nonexistent/loginuid")
    rc, err = run(["/bin/true"])
    assert (rc, err) == (1, "autrace: the kernel has no audit support\n")


class ImmutableKernel:
    """A fake control socket: audit is locked (enabled=2); any change would be a bug."""

    def __init__(self, *a, **kw):
        self.closed = False

    def get_status(self):
        return AuditStatus(enabled=2)

    def list_rules(self):
        return []

    def set_status(self, **kw):
        raise AssertionError(f"set_status{kw} on an immutable kernel")

    def add_rule(self, data):
        raise AssertionError("add_rule on an immutable kernel")

    def close(self):
        self.closed = True


def test_immutable_audit(monkeypatch):
    monkeypatch.setattr(session.os, "geteuid", lambda: 0)
    monkeypatch.setattr(session, "AuditNetlink", ImmutableKernel)
    rc, err = run(["/bin/true"])
    assert rc == 1
    assert err == ("autrace: the audit configuration is immutable (enabled=2); "
                   "rules cannot be added until reboot\n")


def test_usage_errors():
    rc, err = run([])
    assert rc == 1 and err.startswith("autrace: no program given")
    rc, err = run(["-e", "trace=nosuchcall", "/bin/true"])
    assert (rc, err) == (1, "autrace: invalid system call 'nosuchcall'\n")
    rc, err = run(["--pid", "notanumber"])
    assert rc == 1 and err.startswith("autrace: argument --pid")
