"""An event reduced to who did what to which object, how, with what result --
libauparse's normalizer (``auparse_normalize``), as ``ausearch --format
csv|text`` uses it.  Pieces are field locations in the event (see
``cursor.EventCursor``) or words.

Every path of the reference is carried: events with a SYSCALL record (all
syscall kinds), and the single-record paths (CONFIG_CHANGE-like, LOGIN,
DAEMON_*, NETFILTER_CFG, AVC, BPF, EVENT_LISTENER, labeled networking and
the generic user-space path).  ``NotNormalized`` is raised for input the
record parser rejects.
"""
from __future__ import annotations

import pwd
import stat
from dataclasses import dataclass, field
from typing import Callable

from .cursor import EventCursor, Location
from .kinds import (ACCT_OBJECT_TYPES, FILE_SIMPLE, OBJ_SECONDARY_FIELD, OBJ_TWO_FIELD,
                    SIMPLE_OBJECT_FIELD, SIMPLE_OBJECT_WHAT_ONLY, SOCKET_ACTS, event_kind, rtype)
from .maps import AUDIT_TYPES as T
from .maps import OBJECT_KINDS, RECORD_ACTIONS, SYSCALL_KINDS

ACCT_PRIV = 0
ACCT_UNSET = 4294967295
ACCT_MAX_SYS = 1000
ACCT_MAX_USER = 60000

_SCRIPT_EXES = ("/usr/bin/python", "/usr/bin/sh", "/usr/bin/bash", "/usr/bin/perl")


class NotNormalized(Exception):
    """The event's kind is not covered by audix's normalizer yet."""


@dataclass
class Normalized:
    evkind: str | None = None
    session: Location | None = None
    subj_primary: Location | None = None
    subj_secondary: Location | None = None
    subj_kind: str | None = None
    subj_attrs: list[Location] = field(default_factory=list)
    action: str | None = None
    obj_primary: Location | None = None
    obj_secondary: Location | None = None
    obj_two: Location | None = None
    obj_attrs: list[Location] = field(default_factory=list)
    obj_what: str = "UNKNOWN"
    results: Location | None = None
    how: str | None = None
    key: Location | None = None

    @property
    def obj_kind(self) -> str:
        return OBJECT_KINDS[self.obj_what]


Interpret = Callable[[EventCursor], str]      # the current field's interpretation
FieldTypeOf = Callable[[EventCursor], str]    # the current field's auparse type name


class _Normalizer:
    def __init__(self, au: EventCursor, interpret: Interpret, field_type: FieldTypeOf,
                 with_attrs: bool):
        self.au = au
        self.interpret = interpret
        self.field_type = field_type
        self.attrs = with_attrs
        self.d = Normalized()
        self.syscall_success = -1

    # --- helpers (the reference's set_* functions) -----------------------
    def set_subject_what(self) -> int:
        au, d = self.au, self.d
        uid = None
        if au.rec is not None and self._field_type() == "UID":
            uid = au.field_int()
            if uid is None:
                uid = -1
        else:
            if au.name == "acct":
                acct = self.interpret(au)
                try:
                    uid = pwd.getpwnam(acct).pw_uid
                except (KeyError, ValueError, UnicodeError):
                    uid = None
            if uid is None:
                d.subj_kind = "unknown-acct"
                return 1
        if uid == ACCT_PRIV:
            d.subj_kind = "privileged-acct"
        elif uid & 0xFFFFFFFF == ACCT_UNSET:
            d.subj_kind = "unset-acct"
        elif uid < ACCT_MAX_SYS:
            d.subj_kind = "service-acct"
        elif uid < ACCT_MAX_USER:
            d.subj_kind = "user-acct"
        else:
            d.subj_kind = "unknown-acct"
        return 0

    def _field_type(self) -> str:
        return self.field_type(self.au)

    def set_prime_subject(self, name: str, rnum: int) -> int:
        if self.au.find_field(name) is not None:
            self.d.subj_primary = (rnum, self.au.field)
            return 0
        return 1

    def set_secondary_subject(self, name: str, rnum: int) -> int:
        if self.au.find_field(name) is not None:
            self.d.subj_secondary = (rnum, self.au.field)
            return self.set_subject_what()
        return 1

    def add_subj_attr(self, name: str, rnum: int) -> int:
        if self.au.find_field(name) is not None:
            self.d.subj_attrs.append((rnum, self.au.field))
            return 0
        self.au.goto_record(rnum)
        return 1

    def set_prime_object(self, name: str, rnum: int) -> int:
        if self.au.find_field(name) is not None:
            self.d.obj_primary = (rnum, self.au.field)
            return 0
        return 1

    def set_prime_object2(self, name: str, adjust: int) -> int:
        rnum = 2 + adjust
        self.au.goto_record(rnum)
        self.au.first_field()
        if self.au.find_field(name) is not None:
            self.d.obj_two = (rnum, self.au.field)
            return 0
        return 1

    def add_obj_attr(self, name: str, rnum: int) -> int:
        if self.au.find_field(name) is not None:
            self.d.obj_attrs.append((rnum, self.au.field))
            return 0
        self.au.goto_record(rnum)
        return 1

    def add_session(self, rnum: int) -> int:
        if self.au.find_field("ses") is not None:
            self.d.session = (rnum, self.au.field)
            return 0
        self.au.first_record()
        return 1

    def set_results(self, rnum: int) -> int:
        if self.au.find_field("res") is not None:
            self.d.results = (rnum, self.au.field)
            return 0
        return 1

    def _current(self) -> Location:
        return (self.au.rec, self.au.field)

    # --- syscall events ----------------------------------------------------
    def syscall_subj_attr(self) -> None:
        au = self.au
        au.first_record()
        while True:
            rnum = au.record_num
            if au.type == rtype("SYSCALL"):
                if not self.attrs:
                    self.add_session(rnum)
                    return
                for n in ("ppid", "pid", "gid", "euid", "suid", "fsuid", "egid", "sgid",
                          "fsgid", "tty"):
                    self.add_subj_attr(n, rnum)
                self.add_session(rnum)
                self.add_subj_attr("subj", rnum)
                return
            if au.next_record() != 1:
                return

    def collect_perm_obj2(self, syscall: str) -> None:
        au = self.au
        au.first_record()
        if au.find_field("a2" if syscall == "fchmodat" else "a1") is not None:
            self.d.obj_two = (0, au.field)

    def collect_own_obj2(self, syscall: str) -> None:
        au = self.au
        au.first_record()
        if au.find_field("a2" if syscall == "fchownat" else "a1") is not None:
            if au.field_int() == -1:
                au.next_field()
            self.d.obj_two = (0, au.field)

    def collect_id_obj2(self, syscall: str) -> None:
        limits = {"setuid": 1, "setreuid": 2, "setresuid": 3, "setgid": 1, "setregid": 2,
                  "setresgid": 3}
        limit = limits.get(syscall)
        if limit is None:
            return
        au = self.au
        au.first_record()
        if au.find_field("a0") is None:
            return
        cnt = 1
        while cnt <= limit:
            if self.interpret(au) == "unset":
                if cnt < limit:
                    if au.next_field() == 0:
                        return
                    cnt += 1
                else:
                    return
            else:
                break
        self.d.obj_two = (0, au.field)

    def collect_path_attrs(self) -> None:
        au = self.au
        rnum = au.record_num
        au.first_field()
        if self.add_obj_attr("mode", rnum):
            return
        while au.next_field():
            self.d.obj_attrs.append((rnum, au.field))

    def simple_file_attr(self) -> None:
        if not self.attrs:
            return
        au = self.au
        parent = 0
        au.first_record()
        while True:
            t = au.type
            if t == rtype("PATH"):
                f = au.find_field("nametype")
                if f == "PARENT":
                    if parent == 0:
                        parent = au.record_num
                else:
                    self.collect_path_attrs()
                    return
            elif t == rtype("CWD"):
                self.add_obj_attr("cwd", au.record_num)
            elif t == rtype("SOCKADDR"):
                self.add_obj_attr("saddr", au.record_num)
            if au.next_record() != 1:
                break
        if parent:
            au.goto_record(parent)
            self.collect_path_attrs()

    def set_file_object(self, adjust: int) -> None:
        au, d = self.au, self.d
        parent = 0
        au.goto_record(2 + adjust)
        au.first_field()
        while True:
            f = au.find_field("nametype")
            if f is not None:
                if f != "PARENT":
                    break
                if parent == 0:
                    parent = au.record_num
            if not (f is not None and au.next_record() == 1):
                break
        if f is None:
            if parent == 0:
                return
            au.goto_record(parent)
            au.first_field()
            rnum = parent
        else:
            rnum = au.record_num
        if au.type == rtype("PATH"):
            au.first_field()
            self.set_prime_object("name", rnum)
            if au.find_field("inode") is not None:
                d.obj_secondary = (rnum, au.field)
            f = au.find_field("mode")
            if f is not None:
                mode = _strtoul8(f)
                if mode is not None:
                    for test, what in ((stat.S_ISREG, "FILE"), (stat.S_ISDIR, "DIRECTORY"),
                                       (stat.S_ISCHR, "CHAR_DEV"), (stat.S_ISBLK, "BLOCK_DEV"),
                                       (stat.S_ISFIFO, "FIFO"), (stat.S_ISLNK, "LINK"),
                                       (stat.S_ISSOCK, "SOCKET")):
                        if test(mode):
                            d.obj_what = what
                            break

    def set_socket_object(self) -> None:
        self.au.goto_record(1)
        self.au.first_field()
        self.set_prime_object("saddr", 1)

    def set_program_obj(self) -> int:
        au, d = self.au, self.d
        au.first_record()
        t = au.type
        if t == T.get("AUDIT_BPF"):
            if au.find_field("prog-id") is not None:
                d.obj_primary = self._current()
        elif t == T.get("AUDIT_EVENT_LISTENER"):
            if au.find_field("nl-mcgrp") is not None:
                d.obj_primary = self._current()
        elif au.find_field("exe") is not None:
            exe = self.interpret(au)
            if exe.startswith(_SCRIPT_EXES):
                fnum = au.field
                if fnum > 0:
                    au.goto_field(fnum - 1)
                else:
                    au.first_record()
                au.find_field("comm")
            d.obj_primary = self._current()
            return 0
        return 1

    def _record_loc_if(self, name: str) -> None:
        if self.au.find_field(name) is not None:
            self.d.obj_primary = self._current()

    def normalize_syscall(self, syscall: str | None) -> None:
        au, d = self.au, self.d
        objtype = None
        tmp_kind = None
        ttype = 0
        special = {"SELINUX_ERR": "MAC_ERR", "NETFILTER_CFG": "IPTABLES",
                   "ANOM_PROMISCUOUS": "PROMISCUOUS", "KERN_MODULE": "FILE_LDMOD",
                   "MAC_POLICY_LOAD": "MAC_LOAD", "MAC_STATUS": "MAC_ENFORCE",
                   "MAC_CONFIG_CHANGE": "MAC_CONFIG", "TIME_INJOFFSET": "SYSTEM_TIME",
                   "TIME_ADJNTPVAL": "SYSTEM_TIME", "BPF": "BPF", "EVENT_LISTENER": "EV_LISTEN"}
        special_types = {T["AUDIT_" + k]: v for k, v in special.items() if "AUDIT_" + k in T}
        rc = au.first_record()
        while rc == 1:
            ttype = au.type
            if ttype == rtype("AVC"):
                tmp_kind = "MAC"
                break
            if ttype == rtype("FANOTIFY"):
                tmp_kind = "AV"
                break
            if ttype in special_types:
                objtype = special_types[ttype]
                break
            rc = au.next_record()
        if objtype is None and syscall is not None:
            objtype = SYSCALL_KINDS.get(syscall)
        act = None
        sc = syscall or ""
        if objtype == "FILE":
            act = "opened-file"
            self.set_file_object(0)
            d.obj_what = "FILE"
            self.simple_file_attr()
        elif objtype == "FILE_CHATTR":
            act = "changed-file-attributes-of"
            d.obj_what = "FILE"
            self.set_file_object(-1 if sc == "fsetxattr" else 0)
            self.simple_file_attr()
        elif objtype == "FILE_CHPERM":
            act = "changed-file-permissions-of"
            d.obj_what = "FILE"
            self.collect_perm_obj2(sc)
            self.set_file_object(-1 if sc == "fchmod" else 0)
            self.simple_file_attr()
        elif objtype == "FILE_CHOWN":
            act = "changed-file-ownership-of"
            d.obj_what = "FILE"
            self.collect_own_obj2(sc)
            self.set_file_object(-1 if sc == "fchown" else 0)
            self.simple_file_attr()
        elif objtype == "FILE_LDMOD":
            act = "loaded-kernel-module"
            d.obj_what = "FILE"
            au.goto_record(1)
            self.set_prime_object("name", 1)
        elif objtype == "FILE_UNLDMOD":
            act = "unloaded-kernel-module"
            d.obj_what = "FILE"
        elif objtype == "FILE_DIR":
            act = "created-directory"
            d.obj_what = "FILE"
            self.set_file_object(1)
            self.simple_file_attr()
        elif objtype == "FILE_MOUNT":
            act = "mounted"
            d.obj_what = "FILESYSTEM"
            if self.syscall_success == 1:
                self.set_prime_object2("name", 0)
            self.set_file_object(self.syscall_success)
            self.collect_path_attrs()
        elif objtype in FILE_SIMPLE:
            act, what, adjust, two = FILE_SIMPLE[objtype]
            d.obj_what = what
            if two is not None:
                self.set_prime_object2("name", two)
            self.set_file_object(adjust)
            self.simple_file_attr()
        elif objtype in SOCKET_ACTS:
            act = SOCKET_ACTS[objtype]
            d.obj_what = "SOCKET"
            self.set_socket_object()
        elif objtype == "PID":
            act = "killed-list-of-pids" if au.num_records > 2 else "killed-pid"
            au.goto_record(1)
            au.first_field()
            self._record_loc_if("saddr")
            d.obj_what = "PROCESS"
        elif objtype in ("MAC_LOAD", "MAC_CONFIG", "MAC_ENFORCE"):
            act = RECORD_ACTIONS.get(ttype)
            if objtype == "MAC_CONFIG":
                self._record_loc_if("bool")
            elif objtype == "MAC_ENFORCE":
                self._record_loc_if("enforcing")
            d.obj_what = "MAC_CONFIG"
        elif objtype == "MAC_ERR":
            act = "caused-mac-policy-error"
            d.obj_what = "SYSTEM"
        elif objtype == "IPTABLES":
            act = "loaded-firewall-rule-to"
            au.first_record()
            self._record_loc_if("table")
            d.obj_what = "FIREWALL"
        elif objtype == "PROMISCUOUS":
            au.first_record()
            self._record_loc_if("dev")
            if au.find_field("prom") is not None:
                act = ("left-promiscuous-mode-on-device" if au.field_int() == 0
                       else "entered-promiscuous-mode-on-device")
            d.obj_what = "SOCKET"
        elif objtype == "IDENTITY":
            act = "changed-identity-of"
            d.obj_what = "PROCESS"
            self.set_program_obj()
            if d.how:
                d.how = sc
            self.collect_id_obj2(sc)
        elif objtype == "SYSTEM_TIME":
            act = "changed-system-time"
            d.obj_what = "SYSTEM"
        elif objtype == "MAKE_DEV":
            self.set_file_object(0)
            self.simple_file_attr()
            act = {"CHAR_DEV": "made-character-device",
                   "BLOCK_DEV": "made-block-device"}.get(d.obj_what, "make-device")
        elif objtype == "SYSTEM_NAME":
            act = "changed-system-name"
            d.obj_what = "SYSTEM"
        elif objtype == "SYSTEM_MEMORY":
            act = "allocated-memory"
            if self.syscall_success == 1:
                act = "allocated-memory-in"
                au.first_record()
                self._record_loc_if("comm")
            d.obj_what = "MEMORY"
        elif objtype == "SCHEDULER":
            act = "adjusted-scheduling-policy-of"
            d.obj_what = "PROCESS"
            self.set_program_obj()
            if d.how:
                d.how = sc
        elif objtype == "BPF":
            au.first_record()
            f = au.find_field("op")
            act = ("bpf-program" if f is None
                   else "loaded-bpf-program" if f == "LOAD" else "unloaded-bpf-program")
            d.obj_what = "PROCESS"
            self.set_program_obj()
        elif objtype == "EV_LISTEN":
            au.first_record()
            f = au.find_field("op")
            act = ("connected" if f is None
                   else "connected-to" if f == "connect" else "disconnected-from")
            d.obj_what = "SOCKET"
            self.set_program_obj()
        else:
            au.first_record()
            k = au.find_field("key")
            if k is not None and k != "(null)":
                act = "triggered-audit-rule"
                d.obj_primary = self._current()
            else:
                act = "triggered-unknown-audit-rule"
            d.obj_what = "AUDIT_RULE"
        if tmp_kind == "MAC":
            act = "accessed-mac-policy-controlled-object"
        elif tmp_kind == "AV":
            act = "accessed-policy-controlled-file"
        if act:
            d.action = act

    def how_from_exe(self) -> None:
        """``how`` = exe, or comm for script interpreters (cursor already placed)."""
        au, d = self.au, self.d
        exe = self.interpret(au)
        d.how = exe
        if exe.startswith(_SCRIPT_EXES):
            rc = 0
            fnum = au.field
            if fnum > 0:
                rc = au.goto_field(fnum - 1)
            if rc == 0:
                au.first_record()
            if au.find_field("comm") is not None:
                d.how = self.interpret(au)

    def compound(self) -> int:
        au, d = self.au, self.d
        otype = t = au.type
        if t != rtype("SYSCALL"):
            while True:
                if au.next_record() <= 0:
                    return 1
                t = au.type
                if not t or t == rtype("SYSCALL"):
                    break
        if not t:
            return 1
        d.evkind = event_kind(otype)
        recno = au.record_num
        syscall = None
        if au.find_field("syscall") is not None:
            syscall = self.interpret(au)
        f = au.find_field("success")
        if f is not None:
            self.syscall_success = 0 if f == "no" else 1
            d.results = (recno, au.field)
        else:
            if au.goto_record(recno) != 1:
                return 1
            au.first_field()
        if self.set_prime_subject("auid", recno):
            if au.goto_record(recno) != 1:
                return 1
            au.first_field()
        if self.set_secondary_subject("uid", recno):
            if au.goto_record(recno) != 1:
                return 1
            au.first_field()
        self.syscall_subj_attr()
        au.first_field()
        if au.find_field("exe") is not None:
            self.how_from_exe()
        else:
            if au.goto_record(recno) != 1:
                return 1
            au.first_field()
        k = au.find_field("key")
        if k is not None and k != "(null)":
            d.key = (recno, au.field)
        if otype == rtype("ANOM_LINK"):
            d.action = RECORD_ACTIONS.get(otype)
        elif otype == rtype("CONFIG_CHANGE"):
            au.first_record()
            if au.find_field("op") is not None:
                d.action = self.interpret(au)
                d.obj_primary = self.find_simple_object(rtype("CONFIG_CHANGE"))
        else:
            self.normalize_syscall(syscall)
        return 0

    # --- single-record events ----------------------------------------------
    def find_config_change_object(self) -> str | None:
        au = self.au
        au.first_record()
        f = au.find_field("key")
        if f is not None and f != "(null)":
            return f
        for name in ("audit_enabled", "audit_pid", "audit_backlog_limit", "audit_failure",
                     "actions"):
            au.first_record()
            f = au.find_field(name)
            if f is not None:
                return f
        return None

    def find_simple_object(self, t: int) -> Location | None:
        au, d = self.au, self.d
        au.first_field()
        f = None
        name = SIMPLE_OBJECT_FIELD.get(t)
        if t == rtype("CONFIG_CHANGE"):
            f = self.find_config_change_object()
            d.obj_what = "AUDIT_CONFIG"
        elif t in ACCT_OBJECT_TYPES:
            f = au.find_field("id")
            if f is None:
                au.first_record()
                f = au.find_field("acct")
            d.obj_what = "ACCT"
        elif name is not None:
            field_name, what, first = name
            if first:
                au.first_record()
            f = au.find_field(field_name)
            if what is not None:
                d.obj_what = what
        elif t in SIMPLE_OBJECT_WHAT_ONLY:
            d.obj_what = "MAC_CONFIG"
        elif t == rtype("USYS_CONFIG"):
            f = au.find_field("op")
            if f is not None:
                d.action = self.interpret(au)
                f = None
            d.obj_what = "SYSTEM"
        if f is not None:
            return (0, au.field)
        return None

    def _find_at0(self, t: int, table: dict) -> Location | None:
        self.au.first_field()
        name = table.get(t)
        if name is not None and self.au.find_field(name) is not None:
            return (0, self.au.field)
        return None

    def collect_simple_subj_attr(self) -> None:
        if not self.attrs:
            return
        self.au.first_record()
        self.add_subj_attr("pid", 0)
        self.add_subj_attr("subj", 0)

    def collect_userspace_subj_attr(self, t: int) -> None:
        if not self.attrs:
            return
        self.add_subj_attr("hostname", 0)
        self.add_subj_attr("addr", 0)
        if t not in (rtype("USER_START"), rtype("USER_END"), rtype("USER_ERR")):
            self.add_subj_attr("terminal", 0)

    def simple(self) -> int:
        au, d = self.au, self.d
        t = au.type
        if t == rtype("SYSCALL"):
            return self.compound()
        d.evkind = event_kind(t)
        if t in (rtype("CONFIG_CHANGE"), rtype("FEATURE_CHANGE"), rtype("SECCOMP"), rtype("ANOM_ABEND"),
                 rtype("ANOM_PROMISCUOUS")):
            return self.simple_config_like(t)
        if t == rtype("LOGIN"):
            if self.set_secondary_subject("uid", 0):
                au.first_record()
            self.collect_simple_subj_attr()
            if self.set_prime_subject("old-auid", 0):
                au.first_record()
            if self.set_prime_object("auid", 0):
                au.first_record()
            d.obj_what = "USER_SESSION"
            self.add_session(0)
            self.set_results(0)
            d.action = RECORD_ACTIONS.get(t)
            return 0
        if rtype("FIRST_DAEMON") <= t < rtype("LAST_DAEMON"):
            self.set_prime_subject("auid", 0)
            if self.set_secondary_subject("uid", 0):
                au.first_record()
            if self.add_session(0):
                au.first_record()
            self.collect_simple_subj_attr()
            d.subj_kind = "auditd"
            d.action = RECORD_ACTIONS.get(t)
            d.obj_what = "SERVICE"
            if t == rtype("DAEMON_START"):
                d.how = "init"
            elif t < rtype("DAEMON_ACCEPT") and t != rtype("DAEMON_ABORT"):
                d.how = "signal"
            self.set_results(0)
            return 0
        if t == rtype("NETFILTER_CFG"):
            self.collect_simple_subj_attr()
            if au.find_field("comm") is not None:
                d.how = self.interpret(au)
            d.action = "loaded-firewall-rule-to"
            au.first_record()
            self._record_loc_if("table")
            d.subj_kind = "system"
            d.obj_what = "FIREWALL"
            return 0
        if t == rtype("AVC"):
            if au.find_field("comm") is not None:
                d.how = self.interpret(au)
            else:
                au.first_record()
            self.set_prime_subject("scontext", 0)
            d.subj_kind = "unknown-acct"
            au.first_record()
            if self.attrs:
                self.set_prime_object("tcontext", 0)
                au.first_record()
            d.obj_what = "UNKNOWN"
            d.action = RECORD_ACTIONS.get(t)
            au.first_record()
            if au.find_field("seresult") is not None:
                d.results = (0, au.field)
            return 0
        if t == rtype("BPF"):
            d.subj_kind = "system"
            au.first_record()
            f = au.find_field("op")
            d.action = ("bpf-program" if f is None
                        else "loaded-bpf-program" if f == "LOAD" else "unloaded-bpf-program")
            d.obj_what = "PROCESS"
            self.set_program_obj()
            return 0
        if t == rtype("EVENT_LISTENER"):
            self.set_prime_subject("auid", 0)
            au.first_record()
            self.set_secondary_subject("uid", 0)
            au.first_record()
            self.add_session(0)
            self.collect_simple_subj_attr()
            au.first_record()
            f = au.find_field("op")
            d.action = ("connected" if f is None
                        else "connected-to" if f == "connect" else "disconnected-from")
            self.set_program_obj()
            d.obj_what = "SOCKET"
            au.first_record()
            if au.find_field("exe") is not None:
                d.how = self.interpret(au)
            au.first_record()
            self.set_results(0)
            return 0
        if rtype("MAC_UNLBL_ALLOW") <= t <= rtype("LAST_SELINUX"):
            self.set_prime_subject("auid", 0)
            self.set_subject_what()
            self.add_session(0)
            self.add_subj_attr("subj", 0)
            act = None
            if t == rtype("MAC_UNLBL_ALLOW"):
                if au.find_field("unlbl_accept") is not None:
                    act = ("is-allowing-unlabeled-network-traffic" if au.field_int() == 1
                           else "is-disallowing-unlabeled-network-traffic")
                else:
                    au.first_record()
            else:
                act = RECORD_ACTIONS.get(t)
            if act:
                d.action = act
            if t in (rtype("MAC_MAP_ADD"), rtype("MAC_MAP_DEL")):
                if self.set_prime_object("nlbl_domain", 0):
                    au.first_record()
            d.obj_what = "MAC_CONFIG"
            self.set_results(0)
            return 0
        return self.simple_generic(t)

    def simple_config_like(self, t: int) -> int:
        au, d = self.au, self.d
        self.set_prime_subject("auid", 0)
        self.add_session(0)
        self.collect_simple_subj_attr()
        mapped = True
        if t == rtype("CONFIG_CHANGE"):
            au.first_field()
            if au.find_field("op") is not None:
                s = self.interpret(au)
                if s.startswith('"'):
                    s = s[1:]
                if s.startswith("add_rule"):
                    d.action = "added-audit-rule"
                    d.obj_primary = self.find_simple_object(t)
                    mapped = False
                elif s.startswith("remove_rule"):
                    d.action = "deleted-audit-rule"
                    d.obj_primary = self.find_simple_object(t)
                    mapped = False
        if mapped:
            act = RECORD_ACTIONS.get(t)
            if act:
                d.action = act
            if t == rtype("CONFIG_CHANGE"):
                d.obj_primary = self.find_simple_object(t)
            au.first_record()
        if t in (rtype("FEATURE_CHANGE"), rtype("SECCOMP")):
            au.first_field()
            if self.set_secondary_subject("uid", 0):
                au.first_record()
            if au.find_field("exe") is not None:
                d.how = self.interpret(au)
            if t == rtype("FEATURE_CHANGE"):
                self.set_prime_object("feature", 0)
                d.obj_what = "SYSTEM"
            else:
                if self.set_prime_object("syscall", 0):
                    au.first_record()
                d.obj_what = "PROCESS"
                if au.find_field("code") is not None:
                    d.results = (0, au.field)
                return 0
        if t == rtype("ANOM_ABEND"):
            au.first_field()
            if self.set_secondary_subject("uid", 0):
                au.first_record()
            if self.set_prime_object("exe", 0):
                au.first_record()
            d.obj_what = "PROCESS"
            if au.find_field("sig") is not None:
                d.how = self.interpret(au)
        if t == rtype("ANOM_PROMISCUOUS"):
            au.first_field()
            self.set_prime_object("dev", 0)
            self.set_secondary_subject("uid", 0)
            d.obj_what = "SOCKET"
        self.set_results(0)
        return 0

    def simple_generic(self, t: int) -> int:
        au, d = self.au, self.d
        if t == rtype("USER_LOGIN"):
            if self.set_prime_subject("id", 0):
                au.first_record()
                if self.set_prime_subject("acct", 0) == 0:
                    self.set_subject_what()
            else:
                self.set_subject_what()
            au.first_record()
        else:
            if self.set_secondary_subject("uid", 0):
                au.first_record()
            self.set_prime_subject("auid", 0)
        self.add_session(0)
        self.collect_simple_subj_attr()
        if (rtype("FIRST_USER_MSG") <= t < rtype("LAST_USER_MSG")
                or rtype("FIRST_USER_MSG2") <= t < rtype("LAST_USER_MSG2")):
            self.collect_userspace_subj_attr(t)
        if t != rtype("USER_AVC"):
            self.set_results(0)
        else:
            au.first_record()
            if au.find_field("seresult") is not None:
                d.results = (0, au.field)
            au.first_record()
            self.set_prime_subject("scontext", 0)
            if self.attrs:
                au.first_record()
                self.set_prime_object("tcontext", 0)
        act = None
        if t == rtype("USER_DEVICE"):
            au.first_record()
            act = au.find_field("op")
        if act is None:
            act = RECORD_ACTIONS.get(t)
        if act:
            d.action = act
        if t != rtype("USER_AVC"):
            au.first_record()
            d.obj_primary = self.find_simple_object(t)
            d.obj_secondary = self._find_at0(t, OBJ_SECONDARY_FIELD)
            d.obj_two = self._find_at0(t, OBJ_TWO_FIELD)
            if self.attrs:
                if t == rtype("USER_DEVICE"):
                    self.add_obj_attr("uuid", 0)
                elif t == rtype("SOFTWARE_UPDATE"):
                    au.first_record()
                    self.add_obj_attr("key_enforce", 0)
                    self.add_obj_attr("gpg_res", 0)
        if t in (rtype("SYSTEM_BOOT"), rtype("SYSTEM_SHUTDOWN")):
            d.obj_what = "SYSTEM" if t == rtype("SYSTEM_BOOT") else "SERVICE"
            if au.find_field("exe") is not None:
                d.how = self.interpret(au)
            return 0
        au.first_record()
        if t in (rtype("ANOM_EXEC"), rtype("TTY")):
            if au.find_field("terminal" if t == rtype("ANOM_EXEC") else "comm") is not None:
                d.how = self.interpret(au)
            return 0
        if au.find_field("exe") is not None:
            self.how_from_exe()
        return 0


def _strtoul8(text: str) -> int | None:
    """strtoul(text, 8) as the reference checks it: None on overflow."""
    n = 0
    for ch in text.lstrip(" \t\n\v\f\r"):
        if ch not in "01234567":
            break
        n = n * 8 + int(ch)
    if n > 0xFFFFFFFFFFFFFFFF:
        return None
    n &= 0xFFFFFFFF
    return n



def normalize(cursor: EventCursor, interpret: Interpret, field_type: FieldTypeOf,
              with_attrs: bool = False) -> tuple[int, Normalized]:
    """auparse_normalize: (status, pieces); status non-zero = the reference's error.

    ``with_attrs`` is NORM_OPT_ALL (subject/object attributes collected, and
    AVC objects); otherwise NORM_OPT_NO_ATTRS."""
    n = _Normalizer(cursor, interpret, field_type, with_attrs)
    cursor.first_record()
    rc = n.compound() if cursor.num_records > 1 else n.simple()
    cursor.first_record()
    return rc, n.d
