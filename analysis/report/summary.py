"""The default report: counts of everything, and the time range."""
from __future__ import annotations

from . import kinds as K
from ..search.options import Success
from ..search.scan import LOGINUID_UNSET
from .format import local_stamp
from .lookup import signed
from .view import EventView


# the only 1300-1399 record types the totals look at
_COUNTED_13XX = frozenset({K.CONFIG_CHANGE, K.NETFILTER_CFG, K.FEATURE_CHANGE})


class SummaryReport:
    """do_summary_total per event; ``wrap_up`` prints the totals."""

    def __init__(self):
        self.changes = 0
        self.acct_changes = 0
        self.crypto = 0
        self.good_logins = 0
        self.bad_logins = 0
        self.good_auth = 0
        self.bad_auth = 0
        self.events = 0
        self.avcs = 0
        self.mac = 0
        self.virt = 0
        self.integ = 0
        self.failed_syscalls = 0
        self.anomalies = 0
        self.responses = 0
        self.users: set = set()
        self.terms: set = set()
        self.hosts: set = set()
        self.exes: set = set()
        self.comms: set = set()
        self.files: set = set()
        self.keys: set = set()
        self.pids: set = set()

    def event(self, ev: EventView) -> bool:
        s = ev.items
        types = ev.types
        self.events += 1
        for t in types:
            if t < 1300 or t >= 1400 or t in _COUNTED_13XX:
                self._general(ev, s)
                break
        if s.loginuid != LOGINUID_UNSET:
            self.users.add(signed(s.loginuid))
        if s.terminal is not None:
            self.terms.add(s.terminal)
        if s.hostname is not None:
            self.hosts.add(s.hostname)
        if s.exe is not None:
            self.exes.add(s.exe)
        if s.comm is not None:
            self.comms.add(s.comm)
        if s.filenames:
            self.files.update(s.filenames)
        if s.success == Success.FAILED and s.syscall > 0:
            self.failed_syscalls += 1
        if s.pid != -1:
            self.pids.add(s.pid)
        if s.keys:
            for k in s.keys:
                if k != "(null)":
                    self.keys.add(k)
        return True

    def _general(self, ev: EventView, s) -> None:
        has = ev.has
        rng = ev.has_range
        for t in (K.CONFIG_CHANGE, K.DAEMON_CONFIG, K.USYS_CONFIG, K.NETFILTER_CFG,
                  K.FEATURE_CHANGE, K.USER_MAC_CONFIG_CHANGE):
            if has(t):
                self.changes += 1
        if rng(K.MAC_POLICY_LOAD, K.MAC_UNLBL_STCDEL):
            self.changes += 1
        if has(K.USER_CHAUTHTOK):
            self.acct_changes += 1
        if rng(K.ADD_USER, K.DEL_GROUP):
            self.acct_changes += 1
        if has(K.USER_MGMT):
            self.acct_changes += 1
        if has(K.GRP_MGMT):
            self.acct_changes += 1
        if rng(K.ROLE_ASSIGN, K.ROLE_REMOVE):
            self.acct_changes += 1
        if rng(*K.KERN_CRYPTO):
            self.crypto += 1
        if rng(*K.CRYPTO):
            self.crypto += 1
        if has(K.USER_LOGIN):
            if s.success == Success.SUCCESS:
                self.good_logins += 1
            elif s.success == Success.FAILED:
                self.bad_logins += 1
        if has(K.USER_AUTH):
            if s.success == Success.SUCCESS:
                self.good_auth += 1
            elif s.success == Success.FAILED:
                self.bad_auth += 1
        elif has(K.USER_MGMT):
            if s.success == Success.FAILED:
                self.bad_auth += 1
        elif has(K.GRP_AUTH):
            if s.success == Success.SUCCESS:
                self.good_auth += 1
            elif s.success == Success.FAILED:
                self.bad_auth += 1
        if has(K.AVC) or has(K.USER_AVC):
            self.avcs += 1
        if rng(K.MAC_POLICY_LOAD, K.MAC_UNLBL_STCDEL):
            self.mac += 1
        if rng(*K.USER_LSPP):
            self.mac += 1
        if rng(*K.VIRT):
            self.virt += 1
        if rng(*K.INTEGRITY):
            self.integ += 1
        if rng(*K.ANOM):
            self.anomalies += 1
        if rng(*K.KERN_ANOM):
            self.anomalies += 1
        if rng(*K.ANOM_RESP):
            self.responses += 1

    def wrap_up(self, first: tuple[int, int], last: tuple[int, int],
                start_time: int, end_time: int) -> str:
        out = []
        out.append(f"Range of time in logs: {local_stamp(first[0])}.{first[1]:03d} - "
                   f"{local_stamp(last[0])}.{last[1]:03d}\n")
        sel_start = local_stamp(start_time if start_time else first[0])
        if end_time:
            sel_end = local_stamp(end_time)
        else:
            sel_end = f"{local_stamp(last[0])}.{last[1]:03d}"
        out.append(f"Selected time for report: {sel_start} - {sel_end}\n")
        out.append(f"Number of changes in configuration: {self.changes}\n")
        out.append(f"Number of changes to accounts, groups, or roles: {self.acct_changes}\n")
        out.append(f"Number of logins: {self.good_logins}\n")
        out.append(f"Number of failed logins: {self.bad_logins}\n")
        out.append(f"Number of authentications: {self.good_auth}\n")
        out.append(f"Number of failed authentications: {self.bad_auth}\n")
        out.append(f"Number of users: {len(self.users)}\n")
        out.append(f"Number of terminals: {len(self.terms)}\n")
        out.append(f"Number of host names: {len(self.hosts)}\n")
        out.append(f"Number of executables: {len(self.exes)}\n")
        out.append(f"Number of commands: {len(self.comms)}\n")
        out.append(f"Number of files: {len(self.files)}\n")
        out.append(f"Number of AVC's: {self.avcs}\n")
        out.append(f"Number of MAC events: {self.mac}\n")
        out.append(f"Number of failed syscalls: {self.failed_syscalls}\n")
        out.append(f"Number of anomaly events: {self.anomalies}\n")
        out.append(f"Number of responses to anomaly events: {self.responses}\n")
        out.append(f"Number of crypto events: {self.crypto}\n")
        out.append(f"Number of integrity events: {self.integ}\n")
        out.append(f"Number of virt events: {self.virt}\n")
        out.append(f"Number of keys: {len(self.keys)}\n")
        out.append(f"Number of process IDs: {len(self.pids)}\n")
        out.append(f"Number of events: {self.events}\n")
        out.append("\n")
        return "".join(out)
