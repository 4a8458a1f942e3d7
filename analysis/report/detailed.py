"""The numbered one-line-per-event reports (``N. date time columns...``)."""
from __future__ import annotations

from typing import Callable

from . import kinds as K
from ..search.options import Success
from ..search.scan import AvcResult
from .format import local_stamp
from .lookup import AVC_RESULT_WORDS, Escaper, Lookups, msg_type_name, success_word, tty_data
from .options import Report
from .view import EventView


class DateFormatter:
    """``%x %T`` of the local time, cached per second."""

    def __init__(self):
        self._sec = None
        self._text = ""

    def __call__(self, sec: int) -> str:
        if sec != self._sec:
            self._text = local_stamp(sec)
            self._sec = sec
        return self._text


def _matches(report: Report, ev: EventView) -> bool:
    """per_event_detailed's choice of events for each report."""
    s = ev.items
    if report is Report.AVC:
        return ev.has(K.AVC) or ev.has(K.USER_AVC)
    if report is Report.MAC:
        return ev.has_range(K.MAC_POLICY_LOAD, K.MAC_UNLBL_STCDEL) or ev.has_range(*K.USER_LSPP)
    if report is Report.INTEG:
        return ev.has_range(*K.INTEGRITY)
    if report is Report.VIRT:
        return ev.has_range(*K.VIRT)
    if report is Report.CONFIG:
        return (ev.has(K.CONFIG_CHANGE) or ev.has(K.DAEMON_CONFIG) or ev.has(K.USYS_CONFIG)
                or ev.has(K.NETFILTER_CFG) or ev.has(K.FEATURE_CHANGE)
                or ev.has(K.USER_MAC_CONFIG_CHANGE)
                or ev.has_range(K.MAC_POLICY_LOAD, K.MAC_UNLBL_STCDEL))
    if report is Report.AUTH:
        if ev.has(K.USER_AUTH):
            return True
        return ev.has(K.USER_MGMT) and s.success == Success.FAILED
    if report is Report.LOGIN:
        return ev.has(K.USER_LOGIN)
    if report is Report.ACCT_MOD:
        return (ev.has(K.USER_CHAUTHTOK) or ev.has_range(K.ADD_USER, K.DEL_GROUP)
                or ev.has(K.USER_MGMT) or ev.has(K.GRP_MGMT)
                or ev.has_range(K.ROLE_ASSIGN, K.ROLE_REMOVE))
    if report is Report.EVENT:
        return True
    if report is Report.FILE:
        return s.filenames is not None
    if report is Report.HOST:
        return s.hostname is not None
    if report is Report.PID:
        return s.pid >= 0
    if report is Report.SYSCALL:
        return s.syscall != 0
    if report is Report.TERM:
        return s.terminal is not None
    if report is Report.USER:
        return s.uid != 0xFFFFFFFF
    if report is Report.EXE:
        return s.exe is not None
    if report is Report.COMM:
        return s.comm is not None
    if report is Report.ANOMALY:
        return ev.has_range(*K.ANOM) or ev.has_range(*K.KERN_ANOM) or ev.has(K.SECCOMP)
    if report is Report.RESPONSE:
        return ev.has_range(*K.ANOM_RESP)
    if report is Report.CRYPTO:
        return ev.has_range(*K.KERN_CRYPTO) or ev.has_range(*K.CRYPTO)
    if report is Report.KEY:
        return bool(s.keys) and s.keys[0] != "(null)"
    if report is Report.TTY:
        return ev.type == K.TTY or ev.type == K.USER_TTY
    return False


def _q(v: str | None) -> str:
    return "?" if v is None else v


def _c(v) -> str:
    """A C string printed with %s (NULL prints ``(null)``)."""
    return "(null)" if v is None else v


class DetailedReport:
    """Prints the rows of one detailed report; ``found`` once a row printed."""

    def __init__(self, report: Report, lookups: Lookups, escape: Escaper,
                 write: Callable[[str], None]):
        self.report = report
        self.lookups = lookups
        self.esc = escape
        self.write = write
        self.line_item = 0
        self.date = DateFormatter()

    def event(self, ev: EventView) -> bool:
        if not _matches(self.report, ev):
            return False
        row = self._row(ev)
        if row is not None:
            self.write(row)
        return True

    def _row(self, ev: EventView) -> str | None:
        r = self.report
        s = ev.items
        lk = self.lookups
        esc = self.esc
        date = self.date(ev.sec)
        if r is Report.AVC:
            return self._avc_rows(ev, date)
        self.line_item += 1
        head = f"{self.line_item}. {date} "
        uid = lk.uid
        serial = ev.serial
        if r is Report.CONFIG:
            return (f"{head}{msg_type_name(ev.type)} {uid(s.loginuid, ev.interp)} "
                    f"{success_word(s.success)} {serial}\n")
        if r is Report.AUTH:
            who = s.acct if s.acct is not None else uid(s.uid, ev.interp)
            return (f"{head}{esc(who)} {_c(s.hostname)} {_c(s.terminal)} {_c(s.exe)} "
                    f"{success_word(s.success)} {serial}\n")
        if r is Report.LOGIN:
            if s.success == Success.FAILED and s.acct is not None:
                who = s.acct
            else:
                who = uid(s.loginuid, ev.interp)
            return (f"{head}{esc(who)} {_c(s.hostname)} {_c(s.terminal)} {_c(s.exe)} "
                    f"{success_word(s.success)} {serial}\n")
        if r is Report.ACCT_MOD:
            return (f"{head}{esc(uid(s.loginuid, ev.interp))} {_q(s.hostname)} "
                    f"{_q(s.terminal)} {_q(s.exe)} {_q(s.acct)} "
                    f"{success_word(s.success)} {serial}\n")
        if r is Report.EVENT:
            return (f"{head}{serial} {msg_type_name(ev.type)} "
                    f"{esc(uid(s.loginuid, ev.interp))} {success_word(s.success)}\n")
        if r is Report.FILE:
            names = s.filenames
            parents = s.parent_names or ()
            cur = 0
            if len(names) > 1:
                while cur < len(names) and cur in parents:
                    cur += 1
            name = names[cur] if cur < len(names) else ""
            return (f"{head}{esc(name)} {lk.syscall(s, ev.interp)} {success_word(s.success)} "
                    f"{esc(_q(s.exe))} {esc(uid(s.loginuid, ev.interp))} {serial}\n")
        if r is Report.HOST:
            return (f"{head}{_c(s.hostname)} {lk.syscall(s, ev.interp)} "
                    f"{esc(uid(s.loginuid, ev.interp))} {serial}\n")
        if r is Report.PID:
            return (f"{head}{s.pid & 0xFFFFFFFF} {esc(_q(s.exe))} {lk.syscall(s, ev.interp)} "
                    f"{esc(uid(s.loginuid, ev.interp))} {serial}\n")
        if r is Report.SYSCALL:
            return (f"{head}{lk.syscall(s, ev.interp)} {s.pid & 0xFFFFFFFF} {esc(_q(s.comm))} "
                    f"{esc(uid(s.loginuid, ev.interp))} {serial}\n")
        if r is Report.TERM:
            return (f"{head}{_c(s.terminal)} {_c(s.hostname)} {esc(s.exe)} "
                    f"{esc(uid(s.loginuid, ev.interp))} {serial}\n")
        if r is Report.USER:
            return (f"{head}{esc(uid(s.loginuid, ev.interp))} {_q(s.terminal)} "
                    f"{_q(s.hostname)} {esc(_q(s.exe))} {serial}\n")
        if r is Report.EXE:
            return (f"{head}{esc(_q(s.exe))} {_q(s.terminal)} {_q(s.hostname)} "
                    f"{esc(uid(s.loginuid, ev.interp))} {serial}\n")
        if r is Report.COMM:
            return (f"{head}{esc(_q(s.comm))} {_q(s.terminal)} {_q(s.hostname)} "
                    f"{esc(uid(s.loginuid, ev.interp))} {serial}\n")
        if r is Report.ANOMALY:
            what = s.exe if s.exe is not None else _q(s.comm)
            return (f"{head}{msg_type_name(ev.type)} {esc(what)} {_q(s.terminal)} "
                    f"{_q(s.hostname)} {esc(uid(s.loginuid, ev.interp))} {serial}\n")
        if r in (Report.RESPONSE, Report.INTEG, Report.VIRT):
            return f"{head}{msg_type_name(ev.type)} {success_word(s.success)} {serial}\n"
        if r is Report.MAC:
            return (f"{head}{uid(s.loginuid, ev.interp)} {msg_type_name(ev.type)} "
                    f"{success_word(s.success)} {serial}\n")
        if r is Report.CRYPTO:
            return (f"{head}{esc(uid(s.loginuid, ev.interp))} {msg_type_name(ev.type)} "
                    f"{success_word(s.success)} {serial}\n")
        if r is Report.KEY:
            return (f"{head}{s.keys[0]} {success_word(s.success)} {esc(_q(s.exe))} "
                    f"{esc(uid(s.loginuid, ev.interp))} {serial}\n")
        if r is Report.TTY:
            return self._tty_row(ev, head)
        return head

    def _avc_rows(self, ev: EventView, date: str) -> str:
        s = ev.items
        avcs = s.avc or []
        chosen = [a for a in avcs if a.result != AvcResult.UNSET]
        if not chosen and avcs:
            chosen = [avcs[-1]]
        out = []
        syscall = self.lookups.syscall(s, ev.interp)
        comm = self.esc(s.comm if s.comm is not None else "?")
        for a in chosen:
            self.line_item += 1
            out.append(f"{self.line_item}. {date} {comm} {_c(a.scontext)} {syscall} "
                       f"{_c(a.cls)} {_c(a.perm)} {_c(a.tcontext)} "
                       f"{AVC_RESULT_WORDS[a.result]} {ev.serial}\n")
        return "".join(out)

    def _tty_row(self, ev: EventView, head: str) -> str:
        s = ev.items
        line = ev.first_line.split("\x1d", 1)[0]
        p = line.find("data=")
        if p < 0:
            # the reference has already printed the number and date
            return head
        data = line[p + 5:]
        sp = data.rfind(" ")
        if sp >= 0:
            data = data[:sp]
        return (f"{head}{ev.serial} {self.esc(self.lookups.uid(s.loginuid, ev.interp))} "
                f"{_q(s.terminal)} {s.session} {self.esc(_q(s.comm))} {tty_data(data)}\n")
