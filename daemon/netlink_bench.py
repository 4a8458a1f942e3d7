"""Measure the record fast path on this machine (root, kernel audit, kernel lock).

    flock /run/lock/audix-kernel.lock python -m audix.daemon.netlink_bench [N]

1. multicast: N user messages are queued in a MulticastReader's receive
   buffer first, then drained with ``read_available()``; the time of the
   drain alone is the reader's records/s (header unpack + slice + decode).
2. daemon: this process registers as the audit daemon and drains the
   unicast stream while a thread generates N user messages; records/s is
   end to end (bounded by how fast the kernel accepts the messages).

Audit must be enabled (enabled=1), else the kernel drops user messages; the
benchmark enables it for its run and restores the status it found.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import threading
import time

from .netlink import NLM_F_REQUEST, AuditNetlink, MulticastReader

_HDR = struct.Struct("=IHHII")
USER_MSG_TYPE = 1130  # AUDIT_USYS_CONFIG-range user message, harmless


def _generate(n: int, tag: str) -> float:
    """Send n user messages without waiting for acks; return the seconds taken."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)
    sock.bind((0, 0))
    start = time.perf_counter()
    for i in range(n):
        payload = f"audix-bench {tag} {i}".encode() + b"\0"
        sock.sendto(_HDR.pack(16 + len(payload), USER_MSG_TYPE, NLM_F_REQUEST, i + 1, 0) + payload, (0, 0))
    elapsed = time.perf_counter() - start
    sock.close()
    return elapsed


def bench_multicast(n: int) -> dict:
    tag = f"mc{os.getpid()}"
    with MulticastReader() as reader:
        reader.read_available()
        gen = _generate(n, tag)
        time.sleep(0.5)  # let kauditd deliver
        start = time.perf_counter()
        got = 0
        while True:
            batch = reader.read_available()
            if not batch:
                break
            got += sum(1 for r in batch if r.type == USER_MSG_TYPE)
        drain = time.perf_counter() - start
    return {"sent": n, "received": got, "generate_s": gen, "drain_s": drain,
            "records_per_s": got / drain if drain else 0.0, "overruns": reader.overruns}


def bench_daemon(n: int) -> dict:
    tag = f"uc{os.getpid()}"
    with AuditNetlink() as daemon:
        if daemon.get_status().pid not in (0, os.getpid()):
            return {"skipped": "another audit daemon is registered"}
        daemon.register_daemon()
        try:
            daemon.read_available()
            gen_time = []
            thread = threading.Thread(target=lambda: gen_time.append(_generate(n, tag)))
            start = time.perf_counter()
            thread.start()
            got = 0
            idle_since = time.perf_counter()
            while got < n and time.perf_counter() - idle_since < 2.0:
                batch = daemon.read_available()
                if batch:
                    got += sum(1 for r in batch if r.type == USER_MSG_TYPE)
                    idle_since = time.perf_counter()
                else:
                    daemon._wait_readable(0.1)
            elapsed = time.perf_counter() - start
            thread.join()
        finally:
            daemon.unregister_daemon()
    return {"sent": n, "received": got, "seconds": elapsed, "records_per_s": got / elapsed}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 20000
    with AuditNetlink() as nl:
        before = nl.get_status()
        if before.enabled == 2:
            print("audit is immutable; not touching it")
            return 1
        if before.enabled != 1:
            nl.set_status(enabled=1)
        try:
            mc = bench_multicast(n)
            uc = bench_daemon(n)
        finally:
            if before.enabled != 1:
                nl.set_status(enabled=before.enabled)
    print(f"multicast drain: {mc['received']}/{mc['sent']} records in {mc['drain_s']:.3f} s "
          f"= {mc['records_per_s']:,.0f} records/s (generation took {mc['generate_s']:.3f} s)")
    if "skipped" in uc:
        print(f"daemon: skipped ({uc['skipped']})")
    else:
        print(f"daemon end to end: {uc['received']}/{uc['sent']} records in {uc['seconds']:.3f} s "
              f"= {uc['records_per_s']:,.0f} records/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
