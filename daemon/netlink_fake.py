"""An in-memory stand-in for :class:`audix.daemon.netlink.AuditNetlink`.

It keeps a status and a rule list the way the kernel does (duplicate rules
give EEXIST, deleting a missing rule ENOENT, an immutable configuration
EPERM), so tools can be tested without touching the real kernel, and with
the irreversible settings (``enabled=2``, ``failure=2``) that must never be
sent to it.
"""

from __future__ import annotations

import errno
from dataclasses import replace

from .errors import AuditError
from .netlink import AuditFeatures, AuditStatus, SignalInfo

_STATUS_FIELDS = ("enabled", "failure", "pid", "rate_limit", "backlog_limit", "backlog_wait_time")


def _rule_identity(data: bytes) -> bytes:
    """What makes two rules equal for the kernel: everything but the prepend flag."""
    flags = int.from_bytes(data[:4], "little") & ~0x10
    return flags.to_bytes(4, "little") + bytes(data[4:])


class FakeAuditNetlink:
    """Same methods as AuditNetlink for control requests; no record stream."""

    def __init__(self, status: AuditStatus | None = None, rules: list[bytes] | None = None,
                 features: AuditFeatures | None = None) -> None:
        self.status = status or AuditStatus(enabled=1, failure=1, backlog_limit=8192,
                                            feature_bitmap=0x7F, backlog_wait_time=60000)
        self.rules: list[bytes] = list(rules or [])
        self.features = features or AuditFeatures(mask=0xFFFFFFFF)
        self.user_messages: list[tuple[int, str]] = []
        self.requests: list[tuple] = []
        self.last_status_length = 44
        self.closed = False
        self.trimmed = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.closed = True

    def _check_mutable(self, what: str) -> None:
        if self.status.enabled == 2:
            raise AuditError(errno.EPERM, what)

    def get_status(self) -> AuditStatus:
        self.requests.append(("get_status",))
        return replace(self.status)

    def set_status(self, *, enabled=None, failure=None, pid=None, rate_limit=None, backlog_limit=None,
                   backlog_wait_time=None, lost_reset=False, backlog_wait_time_actual_reset=False,
                   allow_irreversible=False) -> int:
        if not allow_irreversible and (enabled == 2 or failure == 2):
            raise ValueError("refusing irreversible state without allow_irreversible=True")
        values = dict(enabled=enabled, failure=failure, pid=pid, rate_limit=rate_limit,
                      backlog_limit=backlog_limit, backlog_wait_time=backlog_wait_time)
        self.requests.append(("set_status", {k: v for k, v in values.items() if v is not None}))
        if any(v is not None for k, v in values.items() if k != "pid"):
            self._check_mutable("set status")
        if enabled is not None and enabled not in (0, 1, 2):
            raise AuditError(errno.EINVAL, "set status")
        if failure is not None and failure not in (0, 1, 2):
            raise AuditError(errno.EINVAL, "set status")
        for name, value in values.items():
            if value is not None:
                setattr(self.status, name, value)
        if lost_reset:
            lost, self.status.lost = self.status.lost, 0
            return lost
        if backlog_wait_time_actual_reset:
            actual, self.status.backlog_wait_time_actual = self.status.backlog_wait_time_actual, 0
            return actual
        return 0

    def reset_lost(self) -> int:
        return self.set_status(lost_reset=True)

    def add_rule(self, data: bytes) -> None:
        self.requests.append(("add_rule", bytes(data)))
        self._check_mutable("add rule")
        ident = _rule_identity(data)
        if any(_rule_identity(r) == ident for r in self.rules):
            raise AuditError(errno.EEXIST, "add rule")
        stored = (int.from_bytes(data[:4], "little") & ~0x10).to_bytes(4, "little") + bytes(data[4:])
        if int.from_bytes(data[:4], "little") & 0x10:
            self.rules.insert(0, stored)
        else:
            self.rules.append(stored)

    def delete_rule(self, data: bytes) -> None:
        self.requests.append(("delete_rule", bytes(data)))
        self._check_mutable("delete rule")
        ident = _rule_identity(data)
        for i, r in enumerate(self.rules):
            if _rule_identity(r) == ident:
                del self.rules[i]
                return
        raise AuditError(errno.ENOENT, "delete rule")

    def list_rules(self) -> list[bytes]:
        self.requests.append(("list_rules",))
        return list(self.rules)

    def delete_all_rules(self) -> int:
        n = len(self.rules)
        for r in list(self.rules):
            self.delete_rule(r)
        return n

    def send_user_message(self, text: str, msg_type: int = 1005) -> None:
        self.user_messages.append((msg_type, text))

    def signal_info(self) -> SignalInfo:
        return SignalInfo(0, 0, "")

    def get_features(self) -> AuditFeatures:
        return replace(self.features)

    def set_feature(self, feature: int, value: bool, lock: bool = False) -> None:
        bit = 1 << feature
        if self.features.lock & bit:
            raise AuditError(errno.EPERM, "set feature")
        self.features.features = (self.features.features & ~bit) | (bit if value else 0)
        if lock:
            self.features.lock |= bit
        self.requests.append(("set_feature", feature, value, lock))

    def trim(self) -> None:
        self.trimmed += 1

    def make_equivalent(self, mount_point: str, subtree: str) -> None:
        self.requests.append(("make_equivalent", mount_point, subtree))
