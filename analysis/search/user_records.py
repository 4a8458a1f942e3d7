"""Parsers of user-space and daemon records (USER_*, LOGIN, DAEMON_*)."""
from __future__ import annotations

from ..event import c_strtoul
from .options import Success
from .scan import U32, _HEX, AvcEntry, Malformed, ScanBase, SearchItems, _s32, _u32, unescape


class UserRecordParsers(ScanBase):
    """Mixin of ItemExtractor: needs ``o``, ``want_*`` and ``_lookup_uid``."""

    def parse_user(self, m: str, s: SearchItems, t_: int = 0, avc: AvcEntry | None = None) -> None:
        o = self.o
        term = 0
        if self.want_pid:
            r = self._field_num(m, "pid=", term, 1, 2)
            s.pid, term = _s32(r[0]), r[1]
        if self.want_uid:
            r = self._field_num(m, "uid=", term, 4, 5)
            s.uid, term = _u32(r[0]), r[1]
            s.tuid = self._lookup_uid("uid", s.uid)
        if self.want_auid:
            i = m.find("auid=", term)
            if i < 0:
                i = m.find("loginuid=", term)
                if i < 0:
                    raise Malformed(7)
                p = i + 9
            else:
                p = i + 5
            t = m.find(" ", p)
            if t < 0:
                raise Malformed(8)
            v, err = c_strtoul(m[p:t])
            if err:
                raise Malformed(9)
            s.loginuid, term = _u32(v), t
            s.tauid = self._lookup_uid("auid", s.loginuid)
        if self.want_ses:
            i = m.find("ses=", term)
            if i >= 0:
                p = i + 4
                t = m.find(" ", p)
                if t < 0:
                    raise Malformed(10)
                v, err = c_strtoul(m[p:t])
                if err:
                    raise Malformed(11)
                s.session, term = _u32(v), t
        if o.subject is not None:
            i = m.find("subj=", term)
            if i >= 0:
                p = i + 5
                t = m.find(" ", p)
                if t < 0:
                    raise Malformed(12)
                term = t
                if avc is not None:
                    avc.scontext = m[p:t]
                else:
                    s.add_avc(AvcEntry(scontext=m[p:t]))
        if avc is not None and o.object is not None:
            i = m.find("tcontext=", term)
            if i >= 0:
                p = i + 9
                t = m.find(" ", p)
                if t >= 0:
                    avc.tcontext = m[p:t]
                    term = t
                else:
                    term = p
            i = m.find("tclass=", term)
            if i >= 0:
                p = i + 7
                t = m.find(" ", p)
                if t >= 0:
                    avc.cls = m[p:t]
                term = t if t >= 0 else p
        if self.want_gid and t_ in (1116, 1117, 1132):
            i = m.find(" id=", term)
            if i < 0 and t_ == 1132:
                i = m.find("gid=", term)
            if i >= 0:
                p = i + 4
                t = m.find(" ", p)
                if t < 0:
                    raise Malformed(31)
                v, err = c_strtoul(m[p:t])
                if err:
                    raise Malformed(32)
                s.gid, term = _u32(v), t
        if o.vmname is not None:
            i = m.find("vm=", term)
            if i >= 0:
                p = i + 3
                if m.startswith('"', p):
                    t = m.find('"', p + 1)
                    if t < 0:
                        raise Malformed(23)
                    s.vmname = m[p + 1:t]
                    term = t
                else:
                    s.vmname = unescape(m, p)
        if o.uuid is not None:
            i = m.find("uuid=", term)
            if i >= 0:
                p = i + 5
                t = p
                while t < len(m) and m[t] not in " :":
                    t += 1
                if t == p:
                    raise Malformed(24)
                s.uuid = m[p:t]
                term = t
        if t_ == 2502:
            if o.subject is not None:
                i = m.find("vm-ctx=", term)
                if i >= 0:
                    p = i + 7
                    t = m.find(" ", p)
                    if t < 0:
                        raise Malformed(27)
                    s.add_avc(AvcEntry(scontext=m[p:t]))
                    term = t
            if o.object is not None:
                i = m.find("img-ctx=", term)
                if i >= 0:
                    p = i + 8
                    t = m.find(" ", p)
                    if t < 0:
                        raise Malformed(29)
                    s.add_avc(AvcEntry(tcontext=m[p:t]))
                    term = t
        elif t_ == 2501 and o.filename is not None:
            incr = 6
            i = m.find(" path=", term)
            if i < 0:
                incr = 10
                i = m.find(" new-disk=", term)
            if i >= 0:
                p = i + incr
                rc = self.common_path_parser(m, p, s)
                if rc:
                    raise Malformed(rc)
                term = p
        if self.want_uid:
            i = m.find("uid=", term)
            while i >= 0 and i > 0 and m[i - 1] == "a":
                term = i + 1
                i = m.find("uid=", term)
            if i >= 0:
                prev = m[i - 1] if i > 0 else ""
                if prev in ("s", "u"):
                    pass                    # suid=/ouid=...: the reference skips ahead
                elif prev not in ("'", " "):
                    raise Malformed(25)
                else:
                    p = i + 4
                    t = p
                    while t < len(m) and "0" <= m[t] <= "9":
                        t += 1
                    if t == p:
                        raise Malformed(14)
                    s.uid = _u32(int(m[p:t]))
                    term = t
                    s.tuid = self._lookup_uid("uid", s.uid)
        mptr = term
        if o.comm is not None:
            i = m.find("comm=", mptr)
            if i >= 0:
                p = i + 5
                if m.startswith('"', p):
                    t = m.find('"', p + 1)
                    if t < 0:
                        raise Malformed(16)
                    s.comm = m[p + 1:t]
                    term = t
                else:
                    s.comm = unescape(m, p)
        i = m.find("acct=", mptr)
        if i >= 0:
            p = i + 5
            t = p + 1
            if m.startswith('"', p):
                while t < len(m) and m[t] != '"':
                    t += 1
                s.acct = m[p + 1:t]
            else:
                end = p
                legacy = False
                while end < len(m) and m[end] != " ":
                    if m[end] not in _HEX:
                        legacy = True
                    end += 1
                t = end
                s.acct = m[p:end] if legacy else unescape(m, p)
            term = t
        mptr = term
        if o.hostname is not None:
            i = m.find("hostname=", mptr)
            if i >= 0:
                p = i + 9
                t = m.find(",", p)
                if t < 0:
                    t = m.find(" ", p)
                    if t < 0:
                        raise Malformed(17)
                s.hostname = m[p:t]
                term = t
                if s.hostname == "?":
                    term += 1
                    i = m.find("addr=", term)
                    if i >= 0:
                        p = i + 5
                        t = m.find(",", p)
                        if t < 0:
                            t = m.find(" ", p)
                            if t < 0:
                                raise Malformed(18)
                        s.hostname = m[p:t]
                        term = t
        if o.filename is not None:
            i = m.find("cwd=", mptr)
            if i >= 0:
                p = i + 4
                if m.startswith('"', p):
                    t = m.find('"', p + 1)
                    if t < 0:
                        raise Malformed(20)
                    s.cwd = m[p + 1:t]
                    term = t
                else:
                    end = p
                    legacy = False
                    while end < len(m) and m[end] != " ":
                        if m[end] not in _HEX:
                            legacy = True
                        end += 1
                    term = end
                    s.cwd = m[p:end] if legacy else unescape(m, p)
        if o.terminal is not None:
            i = m.find("terminal=", mptr)
            if i >= 0:
                p = i + 9
                t = m.find(" ", p)
                if t < 0:
                    t = m.find(")", p)
                    if t < 0:
                        raise Malformed(19)
                s.terminal = m[p:t]
                term = t
        if o.exe is not None:
            i = m.find("exe=", mptr)
            if i >= 0:
                p = i + 4
                if m.startswith('"', p):
                    t = m.find('"', p + 1)
                    if t < 0:
                        raise Malformed(26)
                    s.exe = m[p + 1:t]
                    term = t
                else:
                    end = p
                    legacy = False
                    while end < len(m) and m[end] != " ":
                        if m[end] not in _HEX:
                            legacy = True
                        end += 1
                    term = end
                    s.exe = m[p:end] if legacy else unescape(m, p)
        if self.want_success:
            i = m.find("res=", mptr)
            if i >= 0:
                p = i + 4
                t = m.find("'", p)
                if t < 0:
                    raise Malformed(21)
                s.success = Success.FAILED if m.startswith("failed", p) else Success.SUCCESS
            else:
                i = m.find("result=", mptr)
                if i >= 0:
                    p = i + 7
                    t = m.find(")", p)
                    if t < 0:
                        raise Malformed(22)
                    s.success = (Success.SUCCESS if m[p:t].lower() == "success"
                                 else Success.FAILED)

    def parse_login(self, m: str, s: SearchItems, t_: int = 0) -> None:
        o = self.o
        term: int | None = 0
        if self.want_pid:
            r = self._field_num(m, "pid=", term, 1, 2)
            s.pid, term = _s32(r[0]), r[1]
        if self.want_uid:
            r = self._field_num(m, "uid=", term, 4, 5)
            s.uid, term = _u32(r[0]), r[1]
            s.tuid = self._lookup_uid("uid", s.uid)
        if o.subject is not None:
            i = m.find("subj=", term)
            if i >= 0:
                p = i + 5
                t = m.find(" ", p)
                if t < 0:
                    raise Malformed(12)
                s.add_avc(AvcEntry(scontext=m[i:t]))
                term = t
        if self.want_auid:
            i = m.find("new auid=", term)
            if i < 0:
                i = m.find(" auid=", term)
                if i < 0:
                    i = m.find("new loginuid=", term)
                    if i < 0:
                        raise Malformed(7)
                    p = i + 13
                else:
                    p = i + 6
            else:
                p = i + 9
            t = m.find(" ", p)
            v, err = c_strtoul(m[p:t] if t >= 0 else m[p:])
            if err:
                raise Malformed(8)
            s.loginuid = _u32(v)
            term = t if t >= 0 else None
            s.tauid = self._lookup_uid("auid", s.loginuid)
        if self.want_success:
            if term is None:
                term = 0
            i = m.find("res=", term)
            if i >= 0:
                p = i + 4
                t = m.find(" ", p)
                v, err = c_strtoul(m[p:t] if t >= 0 else m[p:])
                if err:
                    raise Malformed(9)
                s.success = _s32(v)
                term = t if t >= 0 else None
            else:
                s.success = Success.SUCCESS
        if self.want_ses:
            if term is None:
                term = 0
            i = m.find("new ses=", term)
            if i < 0:
                i = m.find(" ses=", term)
                if i < 0:
                    raise Malformed(14)
                p = i + 5
            else:
                p = i + 8
            t = m.find(" ", p)
            v, err = c_strtoul(m[p:t] if t >= 0 else m[p:])
            if err:
                raise Malformed(11)
            s.session = _u32(v)

    def parse_daemon1(self, m: str, s: SearchItems, t_: int = 0) -> None:
        mptr = m.find(")")
        if mptr < 0:
            mptr = 0
        term = mptr
        if self.want_auid:
            r = self._field_num(m, "auid=", mptr, 1, 2)
            s.loginuid, term = _u32(r[0]), r[1]
            s.tauid = self._lookup_uid("auid", s.loginuid)
        if self.want_pid:
            r = self._field_num(m, "pid=", term, 4, 5)
            s.pid, term = _s32(r[0]), r[1]
        if self.o.uid != U32:
            i = m.find(" uid=", term)
            if i >= 0:
                p = i + 5
                t = m.find(" ", p)
                if t < 0:
                    raise Malformed(7)
                v, err = c_strtoul(m[p:t])
                if err:
                    raise Malformed(8)
                s.uid, term = _u32(v), t
        if self.want_ses:
            i = m.find("ses=", term)
            if i >= 0:
                p = i + 4
                t = m.find(" ", p)
                if t < 0:
                    raise Malformed(9)
                v, err = c_strtoul(m[p:t])
                if err:
                    raise Malformed(10)
                s.session, term = _u32(v), t
        if self.o.subject is not None:
            i = m.find("subj=", term)
            if i >= 0:
                p = i + 5
                t = m.find(" ", p)
                s.add_avc(AvcEntry(scontext=m[p:t] if t >= 0 else m[p:]))
        if self.want_success:
            i = m.find("res=", mptr)
            if i >= 0:
                p = i + 4
                t = p
                while t < len(m) and m[t].isascii() and m[t].isalpha():
                    t += 1
                if t == p:
                    raise Malformed(12)
                s.success = Success.FAILED if m.startswith("failed", p) else Success.SUCCESS

    def parse_daemon2(self, m: str, s: SearchItems, t_: int = 0) -> None:
        term = 0
        if self.o.hostname is not None:
            i = m.find("addr=", term)
            if i >= 0:
                p = i + 5
                t = m.find(":", p)
                if t < 0:
                    t = m.find(" ", p)
                    if t < 0:
                        raise Malformed(1)
                s.hostname = m[p:t]
                term = t
        if self.want_success:
            i = m.find("res=", term)
            if i >= 0:
                p = i + 4
                t = p
                while t < len(m) and m[t].isascii() and m[t].isalpha():
                    t += 1
                if t == p:
                    raise Malformed(2)
                s.success = Success.FAILED if m.startswith("failed", p) else Success.SUCCESS
