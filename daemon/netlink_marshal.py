"""The AUDIT netlink family declared on pyroute2 (control messages only).

pyroute2 knows ``NETLINK_AUDIT`` only as a number; this module gives it the
message classes of the audit control protocol and a :class:`MarshalAudit`
that turns reply datagrams into them.  :mod:`audix.daemon.netlink` encodes
its requests and decodes the kernel's acks and replies with these; the
record data path does not come here (it unpacks the 16-byte header and
slices the payload itself, far faster than a generic marshal).
"""

from __future__ import annotations

import importlib
import importlib.util
import struct
import sys
import types


def _import_pyroute2_netlink() -> tuple[types.ModuleType, types.ModuleType]:
    """``pyroute2.netlink`` and ``pyroute2.netlink.nlsocket``, without running
    ``pyroute2/__init__.py`` when pyroute2 is not imported yet: that file
    imports the whole library up front (IPRoute, NDB, asyncio...), which
    every auditctl and autrace start would pay for.

    The parent package is registered as a bare module whose first missing
    attribute runs the real ``__init__`` in it, so a later ``import pyroute2``
    or ``from pyroute2 import IPRoute`` elsewhere in the process still gets
    the complete library.  Anything unexpected: the ordinary import."""
    if "pyroute2" not in sys.modules:
        before = set(sys.modules)
        try:
            _register_lazy_package("pyroute2")
            return (importlib.import_module("pyroute2.netlink"),
                    importlib.import_module("pyroute2.netlink.nlsocket"))
        except Exception:
            for name in set(sys.modules) - before:  # undo, then import as usual
                if name == "pyroute2" or name.startswith("pyroute2."):
                    del sys.modules[name]
    import pyroute2.netlink
    import pyroute2.netlink.nlsocket
    return pyroute2.netlink, pyroute2.netlink.nlsocket


def _register_lazy_package(name: str) -> None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not an importable package")
    package = importlib.util.module_from_spec(spec)

    def complete(attr: str):
        """An attribute the bare package lacks: a submodule is imported alone
        (as ``from pyroute2 import config`` does); anything else runs the
        package's ``__init__`` (once)."""
        if importlib.util.find_spec(f"{name}.{attr}") is not None:
            return importlib.import_module(f"{name}.{attr}")
        del package.__getattr__
        spec.loader.exec_module(package)
        try:
            return package.__dict__[attr]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attr!r}") from None

    package.__getattr__ = complete
    sys.modules[name] = package


_netlink, _nlsocket = _import_pyroute2_netlink()
NLMSG_DONE, NLMSG_ERROR = _netlink.NLMSG_DONE, _netlink.NLMSG_ERROR
nlmsg, nlmsgerr = _netlink.nlmsg, _netlink.nlmsgerr
Marshal = _nlsocket.Marshal

AUDIT_GET = 1000
AUDIT_SET = 1001
AUDIT_USER = 1005
AUDIT_SIGNAL_INFO = 1010
AUDIT_ADD_RULE = 1011
AUDIT_DEL_RULE = 1012
AUDIT_LIST_RULES = 1013
AUDIT_TRIM = 1014
AUDIT_MAKE_EQUIV = 1015
AUDIT_SET_FEATURE = 1018
AUDIT_GET_FEATURE = 1019

STATUS_FIELDS = ("mask", "enabled", "failure", "pid", "rate_limit", "backlog_limit", "lost",
                 "backlog", "feature_bitmap", "backlog_wait_time", "backlog_wait_time_actual")
_HDR = 16
_RULE_FIXED = 3 * 4 + 4 * 64 * 4 + 4  # audit_rule_data without buf


class audit_status_msg(nlmsg):
    """``struct audit_status`` (AUDIT_GET reply, AUDIT_SET request)."""

    fields = tuple((name, "I") for name in STATUS_FIELDS)

    def decode(self):
        # an older kernel sends a shorter struct: pad it before the fixed decode
        declared = struct.unpack_from("=I", self.data, self.offset)[0] - _HDR
        have = max(0, min(declared, len(self.data) - self.offset - _HDR))
        if have < 44:
            self.data = bytes(self.data[: self.offset + _HDR + have]) + bytes(44 - have)
        nlmsg.decode(self)
        self["payload_length"] = have


class audit_features_msg(nlmsg):
    """``struct audit_features`` (GET/SET_FEATURE)."""

    fields = (("vers", "I"), ("mask", "I"), ("features", "I"), ("lock", "I"))


class audit_sig_info_msg(nlmsg):
    """``struct audit_sig_info``: uid, pid, then the security context (NUL-terminated)."""

    fields = (("uid", "I"), ("pid", "i"))

    def decode(self):
        nlmsg.decode(self)
        start = self.offset + _HDR + 8
        end = min(self.offset + struct.unpack_from("=I", self.data, self.offset)[0], len(self.data))
        self["ctx"] = bytes(self.data[start:end]).split(b"\0", 1)[0].decode("latin-1")


class audit_rule_msg(nlmsg):
    """``struct audit_rule_data`` with its variable ``buf`` (string field values)."""

    fields = (("flags", "I"), ("action", "I"), ("field_count", "I"), ("mask", "64I"),
              ("fields", "64I"), ("values", "64I"), ("fieldflags", "64I"), ("buflen", "I"))

    def decode(self):
        nlmsg.decode(self)
        start = self.offset + _HDR + _RULE_FIXED
        self["buf"] = bytes(self.data[start: start + self["buflen"]])

    def raw_payload(self) -> bytes:
        """The rule exactly as audit_rule_data bytes (without netlink padding)."""
        start = self.offset + _HDR
        return bytes(self.data[start: start + _RULE_FIXED + self["buflen"]])


class audit_blob_msg(nlmsg):
    """A request whose payload is given as bytes (rules, user messages, equiv)."""

    fields = ()

    def encode(self):
        payload = bytes(self.get("payload", b""))
        nlmsg.encode(self)
        data = bytearray(self.data)
        data.extend(payload)
        struct.pack_into("=I", data, self.offset, len(data) - self.offset)
        self.data = data


class MarshalAudit(Marshal):
    """Reply datagrams of the audit control protocol -> pyroute2 messages."""

    msg_map = {
        AUDIT_GET: audit_status_msg,
        AUDIT_SET: audit_status_msg,
        AUDIT_LIST_RULES: audit_rule_msg,
        AUDIT_GET_FEATURE: audit_features_msg,
        AUDIT_SET_FEATURE: audit_features_msg,
        AUDIT_SIGNAL_INFO: audit_sig_info_msg,
        NLMSG_ERROR: nlmsgerr,
    }


def encode_request(mtype: int, flags: int, seq: int, *, status: dict | None = None,
                   features: dict | None = None, payload: bytes | None = None) -> bytes:
    """A request datagram: a status or features struct, or raw payload bytes."""
    if status is not None:
        msg = audit_status_msg()
        for name in STATUS_FIELDS:
            msg[name] = status.get(name, 0) & 0xFFFFFFFF
    elif features is not None:
        msg = audit_features_msg()
        for name in ("vers", "mask", "features", "lock"):
            msg[name] = features.get(name, 0) & 0xFFFFFFFF
    else:
        msg = audit_blob_msg()
        msg["payload"] = payload or b""
    msg["header"]["type"] = mtype
    msg["header"]["flags"] = flags
    msg["header"]["sequence_number"] = seq
    msg["header"]["pid"] = 0
    msg.encode()
    return bytes(msg.data)


__all__ = ["MarshalAudit", "encode_request", "audit_status_msg", "audit_rule_msg",
           "audit_features_msg", "audit_sig_info_msg", "NLMSG_DONE"]
