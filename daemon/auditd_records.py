"""The records auditd writes about itself (DAEMON_START, END, CONFIG, ROTATE,
RESUME, ABORT), with the reference's field layout (``src/auditd.c``,
``audit_format_signal_info`` in ``lib/libaudit.c``)."""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass

AUDITD_VERSION = "3.0.9"  # the reference version whose behaviour audix implements

DAEMON_START = 1200
DAEMON_END = 1201
DAEMON_ABORT = 1202
DAEMON_CONFIG = 1203
DAEMON_RECONFIG = 1204
DAEMON_ROTATE = 1205
DAEMON_RESUME = 1206

UNSET = 4294967295


def _read_proc(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read().decode("latin-1")
    except OSError:
        return None


@dataclass(frozen=True)
class SelfInfo:
    """What the daemon says about itself in its records."""

    pid: int
    uid: int
    auid: int
    ses: int
    subj: str | None
    kernel: str

    @classmethod
    def current(cls) -> "SelfInfo":
        auid = _read_proc("/proc/self/loginuid")
        ses = _read_proc("/proc/self/sessionid")
        subj = _read_proc(f"/proc/{os.getpid()}/attr/current")
        return cls(os.getpid(), os.getuid(),
                   int(auid) if auid and auid.strip().isdigit() else UNSET,
                   int(ses) if ses and ses.strip().isdigit() else UNSET,
                   subj if subj else None,
                   os.uname().release)

    def _subj(self) -> str:
        return f" subj={self.subj}" if self.subj else ""


def start_text(me: SelfInfo, log_format: str) -> str:
    return (f"op=start ver={AUDITD_VERSION} format={log_format} kernel={me.kernel[:56]} "
            f"auid={me.auid} pid={me.pid} uid={me.uid} ses={me.ses}{me._subj()} res=success")


def abort_text(me: SelfInfo, op: str) -> str:
    """op: set-enable, set-pid, network-init (with uid/ses) or error-halt."""
    if op == "error-halt":
        return f"op=error-halt auid={me.auid} pid={me.pid}{me._subj()} res=failed"
    return f"op={op} auid={me.auid} pid={me.pid} uid={me.uid} ses={me.ses}{me._subj()} res=failed"


@dataclass(frozen=True)
class Sender:
    """Who signalled the daemon (AUDIT_SIGNAL_INFO): login uid, pid, context."""

    auid: int
    pid: int
    context: str = ""


def signal_text(op: str, sender: Sender, res: str, proc_root: str = "/proc") -> str:
    """audit_format_signal_info: ``op=OP auid= uid= ses= pid= [subj=] res=``.

    ``uid`` is the owner of ``/proc/PID`` (-1 when gone), ``ses`` its session.
    """
    try:
        uid = os.stat(f"{proc_root}/{sender.pid}").st_uid
    except OSError:
        uid = UNSET
    ses = _read_proc(f"{proc_root}/{sender.pid}/sessionid")
    if ses is None or len(ses) >= 16:
        ses = str(UNSET)
    auid = sender.auid & 0xFFFFFFFF
    pid = sender.pid
    if sender.context:
        return f"op={op} auid={auid} uid={uid} ses={ses} pid={pid} subj={sender.context} res={res}"
    return f"op={op} auid={auid} uid={uid} ses={ses} pid={pid} res={res}"


TERMINATE_UNKNOWN = "op=terminate auid=-1 uid=-1 ses=-1 pid=-1 subj=? res=success"
ROTATE_UNKNOWN = "op=rotate-logs auid=-1 pid=-1 subj=? res=failed"
RESUME_UNKNOWN = "op=resume-logging auid=-1 pid=-1 subj=? res=success"
RECONFIG_UNKNOWN = "op=reconfigure state=no-change auid=-1 pid=-1 subj=? res=failed"


def reconfig_text(sender: Sender) -> str:
    ctx = sender.context or "?"
    return (f"op=reconfigure state=changed auid={sender.auid & 0xFFFFFFFF} pid={sender.pid} "
            f"subj={ctx} res=success")


class DaemonSerials:
    """Serial numbers of daemon records: random below 10000, then +1."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()
        self._next = 0

    def next(self) -> int:
        if self._next == 0:
            self._next = self._rng.randrange(10000)
        else:
            self._next += 1
        return self._next


def stamp(serial: int, now: float | None = None) -> str:
    """``audit(SEC.MSEC:SERIAL)`` for the current time."""
    t = time.time() if now is None else now
    sec = int(t)
    msec = int((t - sec) * 1000)
    return f"audit({sec}.{msec:03d}:{serial})"


def daemon_record_text(serial: int, body: str, now: float | None = None) -> str:
    """The netlink-style text a daemon record carries: ``audit(...): body``."""
    return f"{stamp(serial, now)}: {body}"
