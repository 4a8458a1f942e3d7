"""``--summary`` reports: ``total  value`` tables, most frequent first."""
from __future__ import annotations

from . import kinds as K
from ..search.options import Success
from ..search.scan import LOGINUID_UNSET
from .format import NO_EVENTS, sort_by_hits
from .lookup import Escaper, Lookups, msg_type_name
from .options import Report
from .view import EventView

_TYPE_TABLES = {Report.MAC, Report.INTEG, Report.VIRT, Report.CONFIG, Report.ACCT_MOD,
                Report.EVENT, Report.ANOMALY, Report.RESPONSE, Report.CRYPTO}


def _count(table: dict, key) -> None:
    if key is None:
        return
    table[key] = table.get(key, 0) + 1


class TotalsReport:
    """Counts the report's main object per event, prints the sorted table."""

    def __init__(self, report: Report, lookups: Lookups, escape: Escaper, interpret: bool):
        self.report = report
        self.lookups = lookups
        self.esc = escape
        self.interpret = interpret
        self.table: dict = {}

    def _user(self, s, ev: EventView, uid: int) -> str:
        return self.lookups.uid(uid, ev.interp)[:63]

    def event(self, ev: EventView) -> bool:
        """per_event_summary; never marks anything ``found``."""
        r = self.report
        s = ev.items
        t = self.table
        if r is Report.AVC:
            if ev.has(K.AVC) or ev.has(K.USER_AVC):
                for a in s.avc or ():
                    if a.result:
                        _count(t, a.tcontext)
        elif r is Report.MAC:
            if ev.has_range(K.MAC_POLICY_LOAD, K.MAC_MAP_DEL) or ev.has_range(*K.USER_LSPP):
                _count(t, ev.type)
        elif r is Report.INTEG:
            if ev.has_range(*K.INTEGRITY):
                _count(t, ev.type)
        elif r is Report.VIRT:
            if ev.has_range(*K.VIRT):
                _count(t, ev.type)
        elif r is Report.CONFIG:
            if (ev.has(K.CONFIG_CHANGE) or ev.has(K.DAEMON_CONFIG) or ev.has(K.USYS_CONFIG)
                    or ev.has(K.NETFILTER_CFG) or ev.has(K.FEATURE_CHANGE)
                    or ev.has(K.USER_MAC_CONFIG_CHANGE)
                    or ev.has_range(K.MAC_POLICY_LOAD, K.MAC_UNLBL_STCDEL)):
                _count(t, ev.type)
        elif r is Report.AUTH:
            if ev.has(K.USER_AUTH) or (ev.has(K.USER_MGMT) and s.success == Success.FAILED):
                if s.loginuid == LOGINUID_UNSET and s.acct is not None:
                    _count(t, s.acct)
                else:
                    _count(t, self._user(s, ev, s.loginuid))
        elif r is Report.LOGIN:
            if ev.has(K.USER_LOGIN):
                if s.loginuid & 0x80000000 and s.acct is not None:
                    _count(t, s.acct)
                else:
                    _count(t, self._user(s, ev, s.loginuid))
        elif r is Report.ACCT_MOD:
            if (ev.has(K.USER_CHAUTHTOK) or ev.has_range(K.ADD_USER, K.DEL_GROUP)
                    or ev.has(K.USER_MGMT) or ev.has(K.GRP_MGMT)
                    or ev.has_range(K.ROLE_ASSIGN, K.ROLE_REMOVE)):
                _count(t, ev.type)
        elif r is Report.EVENT:
            if ev.type != -1:
                _count(t, ev.type)
        elif r is Report.FILE:
            for name in s.filenames or ():
                _count(t, name)
        elif r is Report.HOST:
            _count(t, s.hostname)
        elif r is Report.PID:
            if s.pid != -1:
                _count(t, s.pid)
        elif r is Report.SYSCALL:
            if s.syscall > 0:
                _count(t, self.lookups.syscall(s, ev.interp)[:31])
        elif r is Report.TERM:
            _count(t, s.terminal)
        elif r is Report.USER:
            if s.loginuid != LOGINUID_UNSET:
                _count(t, self.lookups.uid(s.loginuid, ev.interp)[:31])
        elif r is Report.EXE:
            _count(t, s.exe)
        elif r is Report.COMM:
            _count(t, s.comm)
        elif r is Report.ANOMALY:
            if ev.has_range(*K.ANOM) or ev.has_range(*K.KERN_ANOM) or ev.has(K.SECCOMP):
                _count(t, ev.type)
        elif r is Report.RESPONSE:
            if ev.has_range(*K.ANOM_RESP):
                _count(t, ev.type)
        elif r is Report.CRYPTO:
            if ev.has_range(*K.KERN_CRYPTO) or ev.has_range(*K.CRYPTO):
                _count(t, ev.type)
        elif r is Report.KEY:
            for k in s.keys or ():
                if k != "(null)":
                    _count(t, k)
        return False

    def wrap_up(self) -> str:
        r = self.report
        if not self.table:
            return NO_EVENTS
        if r in _TYPE_TABLES or r is Report.PID:
            rows = sort_by_hits(dict(sorted(self.table.items())))
        else:
            rows = sort_by_hits(self.table)
        out = []
        esc = self.esc
        if r in _TYPE_TABLES:
            for num, hits in rows:
                out.append(f"{hits}  {msg_type_name(num) if self.interpret else num}\n")
        elif r is Report.PID:
            for num, hits in rows:
                out.append(f"{hits}  {num}\n")
        elif r in (Report.AVC, Report.HOST, Report.TERM):
            for value, hits in rows:
                out.append(f"{hits}  {value}\n")
        elif r in (Report.AUTH, Report.LOGIN, Report.USER):
            for value, hits in rows:
                if value[:1] == "-" or value[:1].isdigit():
                    value = self.lookups.uid(_strtol(value))
                out.append(f"{hits}  {esc(value)}\n")
        else:   # files, exes, comms, keys, syscalls
            for value, hits in rows:
                out.append(f"{hits}  {esc(value)}\n")
        return "".join(out)


def _strtol(text: str) -> int:
    i = 1 if text[:1] in "+-" else 0
    j = i
    while j < len(text) and text[j].isdigit():
        j += 1
    if j == i:
        return 0
    v = int(text[i:j])
    return -v if text[:1] == "-" else v
