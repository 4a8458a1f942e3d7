"""Errors raised by the kernel side of audix, translated once at the edge."""

from __future__ import annotations

import errno as _errno
import os


def _readable(code: int) -> str:
    name = _errno.errorcode.get(code, f"errno {code}")
    return f"{os.strerror(code)} ({name})"


class AuditError(OSError):
    """The kernel refused an audit request (a netlink ack carrying -errno),
    or the audit netlink socket could not be used at all.

    ``err.errno`` is the positive errno; ``str(err)`` is readable text that
    names the request and the error.
    """

    def __init__(self, code: int, request: str = "") -> None:
        super().__init__(code, _readable(code))
        self.request = request

    def __str__(self) -> str:
        text = _readable(self.errno)
        return f"{self.request}: {text}" if self.request else text


class RuleError(ValueError):
    """A rule (or auditctl command line) that cannot be parsed or encoded.

    ``str(err)`` is the one-line message auditctl prints.
    """
