"""Parsers of user-space and daemon records (USER_*, LOGIN, DAEMON_*)."""
from __future__ import annotations

from .fieldscan import (FieldStore, legacy_or_hex, num_to_end, opt_num, opt_until, opt_word,
                        quoted_or_legacy)
from .options import Success
from .scan import U32, AvcEntry, Malformed, ScanBase, SearchItems, _s32, _u32


class UserRecordParsers(ScanBase, FieldStore):
    """Mixin of ItemExtractor: needs ``o``, ``want_*`` and ``_lookup_uid``."""

    def parse_user(self, m: str, s: SearchItems, t_: int = 0, avc: AvcEntry | None = None) -> None:
        o = self.o
        term = 0
        term = self._need_field(m, s, "pid", "pid=", term, 1)
        term = self._need_field(m, s, "uid", "uid=", term, 4)
        if self.want_auid:
            term = self._auid_or_loginuid(m, s, term, 7)
        term = self._opt_field(m, s, "ses", "ses=", term, 10)
        if o.subject is not None:
            r = opt_word(m, "subj=", term, 12)
            if r is not None:
                term = r[1]
                if avc is not None:
                    avc.scontext = r[0]
                else:
                    s.add_avc(AvcEntry(scontext=r[0]))
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
            r = opt_num(m, " id=", term, 31)
            if r is None and t_ == 1132:
                r = opt_num(m, "gid=", term, 31)
            if r is not None:
                s.gid, term = _u32(r[0]), r[1]
        term = self._text_field(m, s, "vmname", "vm=", term, 23)
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
                r = opt_word(m, "vm-ctx=", term, 27)
                if r is not None:
                    s.add_avc(AvcEntry(scontext=r[0]))
                    term = r[1]
            if o.object is not None:
                r = opt_word(m, "img-ctx=", term, 29)
                if r is not None:
                    s.add_avc(AvcEntry(tcontext=r[0]))
                    term = r[1]
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
            term = self._text_field(m, s, "comm", "comm=", mptr, 16, term)
        i = m.find("acct=", mptr)
        if i >= 0:
            p = i + 5
            t = p + 1
            if m.startswith('"', p):
                while t < len(m) and m[t] != '"':
                    t += 1
                s.acct = m[p + 1:t]
            else:
                s.acct, t = legacy_or_hex(m, p)
            term = t
        mptr = term
        if o.hostname is not None:
            r = opt_until(m, "hostname=", mptr, ", ", 17)
            if r is not None:
                s.hostname, term = r
                if s.hostname == "?":
                    term += 1
                    r = opt_until(m, "addr=", term, ", ", 18)
                    if r is not None:
                        s.hostname, term = r
        if o.filename is not None:
            i = m.find("cwd=", mptr)
            if i >= 0:
                s.cwd, term = quoted_or_legacy(m, i + 4, 20)
        if o.terminal is not None:
            r = opt_until(m, "terminal=", mptr, " )", 19)
            if r is not None:
                s.terminal, term = r
        if o.exe is not None:
            i = m.find("exe=", mptr)
            if i >= 0:
                s.exe, term = quoted_or_legacy(m, i + 4, 26)
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
        term = self._need_field(m, s, "pid", "pid=", term, 1)
        term = self._need_field(m, s, "uid", "uid=", term, 4)
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
            v, t = num_to_end(m, p, 8)
            self._set_auid(s, v)
            term = t if t >= 0 else None
        if self.want_success:
            if term is None:
                term = 0
            i = m.find("res=", term)
            if i >= 0:
                v, t = num_to_end(m, i + 4, 9)
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
            s.session = _u32(num_to_end(m, p, 11)[0])

    def parse_daemon1(self, m: str, s: SearchItems, t_: int = 0) -> None:
        mptr = m.find(")")
        if mptr < 0:
            mptr = 0
        term = mptr
        term = self._need_field(m, s, "auid", "auid=", mptr, 1)
        term = self._need_field(m, s, "pid", "pid=", term, 4)
        if self.o.uid != U32:
            r = opt_num(m, " uid=", term, 7)
            if r is not None:
                s.uid, term = _u32(r[0]), r[1]
        term = self._opt_field(m, s, "ses", "ses=", term, 9)
        self._scan_subj(m, s, term, None)
        if self.want_success:
            i = m.find("res=", mptr)
            if i >= 0:
                s.success = self._word_success(m, i + 4, 12)

    def parse_daemon2(self, m: str, s: SearchItems, t_: int = 0) -> None:
        term = 0
        if self.o.hostname is not None:
            r = opt_until(m, "addr=", term, ": ", 1)
            if r is not None:
                s.hostname, term = r
        if self.want_success:
            i = m.find("res=", term)
            if i >= 0:
                s.success = self._word_success(m, i + 4, 2)
