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


_CUT = object()     # last cell of a row the reference ends after its date


def _q(v: str | None) -> str:
    return "?" if v is None else v


def _c(v) -> str:
    """A C string printed with %s (NULL prints ``(null)``)."""
    return "(null)" if v is None else v


class DetailedReport:
    """Prints the rows of one detailed report; ``found`` once a row printed.

    Each row is a list of cells (the header's columns, ``date time`` as one
    cell ``"%x %T"``); the text report writes ``N. `` + the cells joined by
    spaces.  ``on_row(number, cells, complete)``, when given, receives the
    rows instead (``--format json``); ``complete`` is False for the row the
    reference cuts short after its date (a TTY record without ``data=``).
    """

    def __init__(self, report: Report, lookups: Lookups, escape: Escaper,
                 write: Callable[[str], None],
                 on_row: Callable[[int, list, bool], None] | None = None):
        self.report = report
        self.lookups = lookups
        self.esc = escape
        self.write = write
        self.on_row = on_row
        self.line_item = 0
        self.date = DateFormatter()

    def event(self, ev: EventView) -> bool:
        if not _matches(self.report, ev):
            return False
        for cells in self._rows(ev):
            self.line_item += 1
            complete = cells[-1] is not _CUT
            if not complete:
                cells = cells[:-1]
            if self.on_row is not None:
                self.on_row(self.line_item, cells, complete)
            else:
                self.write(f"{self.line_item}. " + " ".join(cells) + ("\n" if complete else " "))
        return True

    def _rows(self, ev: EventView) -> list[list]:
        r = self.report
        s = ev.items
        lk = self.lookups
        esc = self.esc
        date = self.date(ev.sec)
        if r is Report.AVC:
            return self._avc_rows(ev, date)
        uid = lk.uid
        serial = str(ev.serial)
        if r is Report.CONFIG:
            return [[date, msg_type_name(ev.type), uid(s.loginuid, ev.interp),
                     success_word(s.success), serial]]
        if r is Report.AUTH:
            who = s.acct if s.acct is not None else uid(s.uid, ev.interp)
            return [[date, esc(who), _c(s.hostname), _c(s.terminal), _c(s.exe),
                     success_word(s.success), serial]]
        if r is Report.LOGIN:
            if s.success == Success.FAILED and s.acct is not None:
                who = s.acct
            else:
                who = uid(s.loginuid, ev.interp)
            return [[date, esc(who), _c(s.hostname), _c(s.terminal), _c(s.exe),
                     success_word(s.success), serial]]
        if r is Report.ACCT_MOD:
            return [[date, esc(uid(s.loginuid, ev.interp)), _q(s.hostname), _q(s.terminal),
                     _q(s.exe), _q(s.acct), success_word(s.success), serial]]
        if r is Report.EVENT:
            return [[date, serial, msg_type_name(ev.type), esc(uid(s.loginuid, ev.interp)),
                     success_word(s.success)]]
        if r is Report.FILE:
            names = s.filenames
            parents = s.parent_names or ()
            cur = 0
            if len(names) > 1:
                while cur < len(names) and cur in parents:
                    cur += 1
            name = names[cur] if cur < len(names) else ""
            return [[date, esc(name), lk.syscall(s, ev.interp), success_word(s.success),
                     esc(_q(s.exe)), esc(uid(s.loginuid, ev.interp)), serial]]
        if r is Report.HOST:
            return [[date, _c(s.hostname), lk.syscall(s, ev.interp), esc(uid(s.loginuid,
                     ev.interp)), serial]]
        if r is Report.PID:
            return [[date, str(s.pid & 0xFFFFFFFF), esc(_q(s.exe)), lk.syscall(s, ev.interp),
                     esc(uid(s.loginuid, ev.interp)), serial]]
        if r is Report.SYSCALL:
            return [[date, lk.syscall(s, ev.interp), str(s.pid & 0xFFFFFFFF), esc(_q(s.comm)),
                     esc(uid(s.loginuid, ev.interp)), serial]]
        if r is Report.TERM:
            return [[date, _c(s.terminal), _c(s.hostname), esc(s.exe), esc(uid(s.loginuid,
                     ev.interp)), serial]]
        if r is Report.USER:
            return [[date, esc(uid(s.loginuid, ev.interp)), _q(s.terminal), _q(s.hostname),
                     esc(_q(s.exe)), serial]]
        if r is Report.EXE:
            return [[date, esc(_q(s.exe)), _q(s.terminal), _q(s.hostname), esc(uid(s.loginuid,
                     ev.interp)), serial]]
        if r is Report.COMM:
            return [[date, esc(_q(s.comm)), _q(s.terminal), _q(s.hostname), esc(uid(s.loginuid,
                     ev.interp)), serial]]
        if r is Report.ANOMALY:
            what = s.exe if s.exe is not None else _q(s.comm)
            return [[date, msg_type_name(ev.type), esc(what), _q(s.terminal), _q(s.hostname),
                     esc(uid(s.loginuid, ev.interp)), serial]]
        if r in (Report.RESPONSE, Report.INTEG, Report.VIRT):
            return [[date, msg_type_name(ev.type), success_word(s.success), serial]]
        if r is Report.MAC:
            return [[date, uid(s.loginuid, ev.interp), msg_type_name(ev.type),
                     success_word(s.success), serial]]
        if r is Report.CRYPTO:
            return [[date, esc(uid(s.loginuid, ev.interp)), msg_type_name(ev.type),
                     success_word(s.success), serial]]
        if r is Report.KEY:
            return [[date, s.keys[0], success_word(s.success), esc(_q(s.exe)),
                     esc(uid(s.loginuid, ev.interp)), serial]]
        if r is Report.TTY:
            return [self._tty_row(ev, date)]
        return [[date, _CUT]]

    def _avc_rows(self, ev: EventView, date: str) -> list[list]:
        s = ev.items
        avcs = s.avc or []
        chosen = [a for a in avcs if a.result != AvcResult.UNSET]
        if not chosen and avcs:
            chosen = [avcs[-1]]
        out = []
        syscall = self.lookups.syscall(s, ev.interp)
        comm = self.esc(s.comm if s.comm is not None else "?")
        for a in chosen:
            out.append([date, comm, _c(a.scontext), syscall, _c(a.cls), _c(a.perm),
                        _c(a.tcontext), AVC_RESULT_WORDS[a.result], str(ev.serial)])
        return out

    def _tty_row(self, ev: EventView, date: str) -> list:
        s = ev.items
        line = ev.first_line.split("\x1d", 1)[0]
        p = line.find("data=")
        if p < 0:
            # the reference has already printed the number and date
            return [date, _CUT]
        data = line[p + 5:]
        sp = data.rfind(" ")
        if sp >= 0:
            data = data[:sp]
        return [date, str(ev.serial), self.esc(self.lookups.uid(s.loginuid, ev.interp)),
                _q(s.terminal), str(s.session), self.esc(_q(s.comm)), tty_data(data)]
