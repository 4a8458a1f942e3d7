"""The struct codec of autrace's control requests: the same bytes as the
pyroute2 path, the same decoded replies, and pyroute2 kept out of autrace."""
from __future__ import annotations

import socket
import struct
import subprocess
import sys

import pytest

from audix.daemon import netlink_codec as codec
from audix.daemon.errors import AuditError
from audix.daemon.netlink import AuditNetlink, AuditStatus
from audix.daemon.rules import ALL, F, Operator, Rule, RuleField, syscall_rule

marshal = pytest.importorskip("audix.daemon.netlink_marshal")

HDR = struct.Struct("=IHHII")


def _rules() -> list[bytes]:
    return [
        Rule(syscalls=ALL, prepend=True, fields=[RuleField(F.PID, Operator.EQUAL, 4242),
                                                  RuleField(F.FILTERKEY, Operator.EQUAL, "autrace-17")]).to_bytes(),
        syscall_rule(arch=0xC000003E, fields=[RuleField(F.PID, Operator.EQUAL, 9)], key="k" * 31,
                     syscalls=frozenset({0, 1, 59, 231}), prepend=False).to_bytes(),
        b"", b"abc",
    ]


STATUSES = [{}, {"mask": 1, "enabled": 1}, {"mask": 4, "pid": 12345},
            {"mask": 0x40}, {"mask": 0xFF, "enabled": 1, "failure": 1, "pid": 2 ** 32 - 1,
                             "rate_limit": 7, "backlog_limit": 8192, "backlog_wait_time": 60000}]


STATUS_CASES = [(codec.AUDIT_GET, None), (codec.AUDIT_SET, None)] + [(codec.AUDIT_SET, s) for s in STATUSES]


@pytest.mark.parametrize("mtype,status", STATUS_CASES)
def test_status_requests_are_the_pyroute2_bytes(mtype, status):
    body = {} if status is None else {"status": status}
    for flags, seq in ((5, 1), (1, 0xFFFFFFFF), (5, 123456)):
        assert (codec.encode_request(mtype, flags, seq, **body)
                == marshal.encode_request(mtype, flags, seq, **body))


@pytest.mark.parametrize("mtype", sorted(codec.BLOB_REQUESTS))
def test_rule_requests_are_the_pyroute2_bytes(mtype):
    for data in _rules():
        assert (codec.encode_request(mtype, 5, 99, payload=data)
                == marshal.encode_request(mtype, 5, 99, payload=data))
    assert codec.encode_request(codec.AUDIT_LIST_RULES, 5, 3) == marshal.encode_request(
        codec.AUDIT_LIST_RULES, 5, 3)


def test_other_requests_are_left_to_pyroute2():
    with pytest.raises(ValueError):
        codec.encode_request(1019, 5, 1)
    assert 1018 not in codec.ENCODED_HERE and 1005 not in codec.ENCODED_HERE


def _reply_datagrams() -> list[bytes]:
    status = struct.pack("=11I", *range(1, 12))
    short = struct.pack("=10I", *range(20, 30))
    rule = _rules()[0]
    padded = rule + bytes(-len(rule) % 4)
    ack = HDR.pack(36, 2, 0, 9, 0) + struct.pack("=i", 0) + HDR.pack(16, 1000, 5, 9, 0)
    nack = HDR.pack(36, 2, 0, 9, 0) + struct.pack("=i", -17) + HDR.pack(16, 1011, 5, 9, 0)
    # several messages in one datagram (pyroute2 steps by the unaligned length: 4-byte multiples here)
    two = (HDR.pack(16 + len(padded), 1013, 2, 7, 0) + padded
           + HDR.pack(16 + len(padded), 1013, 2, 7, 0) + padded + HDR.pack(20, 3, 2, 7, 0) + bytes(4))
    return [HDR.pack(60, 1000, 0, 9, 0) + status, HDR.pack(56, 1000, 0, 9, 0) + short,
            HDR.pack(60, 1000, 0, 9, 0) + status[:30], ack, nack, two]


def test_replies_decode_as_pyroute2_decodes_them():
    m = marshal.MarshalAudit()
    for data in _reply_datagrams():
        ours = list(codec.messages(data))
        theirs = list(m.parse(data))
        assert [(x.type, x.flags, x.seq) for x in ours] == [
            (t["header"]["type"], t["header"]["flags"], t["header"]["sequence_number"]) for t in theirs]
        for x, t in zip(ours, theirs):
            if x.type == codec.NLMSG_ERROR:
                assert codec.error_value(x) == t["error"]
            elif x.type == codec.AUDIT_GET:
                values, length = codec.status_values(x)
                assert values == tuple(t[name] for name in codec.STATUS_FIELDS)
                assert length == t["payload_length"]
            elif x.type == codec.AUDIT_LIST_RULES:
                assert codec.rule_payload(x) == t.raw_payload() == _rules()[0]


def test_messages_step_by_the_aligned_length():
    rule = _rules()[0]                       # 1050 bytes: the next message starts 2 bytes later
    data = (HDR.pack(16 + len(rule), 1013, 2, 7, 0) + rule + bytes(2) + HDR.pack(20, 3, 2, 7, 0) + bytes(4))
    msgs = list(codec.messages(data))
    assert [m.type for m in msgs] == [1013, 3] and codec.rule_payload(msgs[0]) == rule
    assert list(codec.messages(HDR.pack(60, 1000, 0, 9, 0) + bytes(30))) == []   # truncated


class KernelDouble:
    """A socket for AuditNetlink that answers like the kernel (status, rules),
    through a real socketpair so that select() works."""

    def __init__(self):
        self._ours, self._theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.status = AuditStatus(mask=0, enabled=1, failure=1, backlog_limit=8192, lost=3)
        self.rules: list[bytes] = []
        self.sent: list[bytes] = []

    def fileno(self):
        return self._ours.fileno()

    def close(self):
        self._ours.close()
        self._theirs.close()

    def sendto(self, data, addr):
        self.sent.append(bytes(data))
        length, mtype, flags, seq, port = HDR.unpack_from(data)
        payload = bytes(data[16:length])
        error = 0
        if mtype == codec.AUDIT_GET:
            body = self.status.to_bytes()
            self._theirs.send(HDR.pack(16 + len(body), mtype, 0, seq, 0) + body)
        elif mtype == codec.AUDIT_SET:
            values = struct.unpack("=11I", payload)
            if values[0] & 1:
                self.status.enabled = values[1]
            if values[0] & 4:
                self.status.pid = values[3]
        elif mtype == codec.AUDIT_ADD_RULE:
            if payload in self.rules:
                error = -17
            else:
                self.rules.append(payload)
        elif mtype == codec.AUDIT_DEL_RULE:
            if payload in self.rules:
                self.rules.remove(payload)
            else:
                error = -2
        elif mtype == codec.AUDIT_LIST_RULES:
            for rule in self.rules:
                self._theirs.send(HDR.pack(16 + len(rule), mtype, 2, seq, 0) + rule + bytes(-len(rule) % 4))
            self._theirs.send(HDR.pack(20, codec.NLMSG_DONE, 2, seq, 0) + bytes(4))
        self._theirs.send(HDR.pack(36, codec.NLMSG_ERROR, 0, seq, 0) + struct.pack("=i", error) + bytes(data[:16]))

    def recvfrom(self, size, flags=0):
        return self._ours.recv(size, flags), (0, 0)


def test_control_requests_through_the_codec_end_to_end():
    kernel = KernelDouble()
    nl = AuditNetlink()
    nl._sock.close()
    nl._sock = kernel
    try:
        assert nl.get_status().lost == 3 and nl.last_status_length == 44
        nl.set_status(enabled=0, pid=77)
        assert (kernel.status.enabled, kernel.status.pid) == (0, 77)
        rule = _rules()[0]
        nl.add_rule(rule)
        with pytest.raises(AuditError) as info:
            nl.add_rule(rule)
        assert info.value.errno == 17
        assert nl.list_rules() == [rule]
        nl.delete_rule(rule)
        assert nl.list_rules() == []
        with pytest.raises(AuditError):
            nl.delete_rule(rule)
    finally:
        nl._sock = None
        kernel.close()
    assert nl._marshal is None          # pyroute2's marshal never needed


def test_autrace_start_path_does_not_import_pyroute2():
    code = (
        "import sys\n"
        "from audix.tracer import cli, session, process_rules, follow, collect, counting, render_worker\n"
        "from audix.daemon.netlink import AuditNetlink\n"
        "from audix.daemon import netlink_codec\n"
        "netlink_codec.encode_request(1001, 5, 1, status={'mask': 4, 'pid': 1})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyroute2'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
