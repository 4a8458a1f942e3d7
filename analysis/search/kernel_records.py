"""Parsers of kernel records (SYSCALL, PATH, CWD, SOCKADDR, AVC, ANOM_* ...).

Each reads, from the positions the reference reads, only the values the
criteria need; see items.py.
"""
from __future__ import annotations

import ipaddress
import re
import struct

from ..event import c_strtol, c_strtoul
from .fieldscan import FieldStore, need_text, opt_num, opt_text, opt_word, quoted_or_hex
from .options import Success
from .scan import (KEY_SEPARATOR, NAME_OFFSET, U32, _HEX, AvcEntry, AvcResult, Malformed, ScanBase,
                   SearchItems, _s32, _u32, _unescape_bytes, unescape)


# The usual SYSCALL line (no node=), read in one match by _syscall_fast.
SYSCALL_LAYOUT = re.compile(
    r"type=SYSCALL msg=audit\([0-9.:]+\): "
    r"arch=(?P<arch>[0-9a-f]{1,8}) syscall=(?P<sc>[0-9]{1,9}) success=(?P<ok>yes|no) "
    r"exit=[-0-9]{1,20} a0=(?P<a0>[0-9a-f]{1,16}) a1=[0-9a-f]{1,16} a2=[0-9a-f]{1,16} "
    r"a3=[0-9a-f]{1,16} items=[0-9]+ ppid=[0-9]+ pid=(?P<pid>[0-9]{1,10}) "
    r"auid=(?P<auid>[0-9]{1,10}) uid=(?P<uid>[0-9]{1,10}) gid=[0-9]+ euid=[0-9]+ "
    r"suid=[0-9]+ fsuid=[0-9]+ egid=[0-9]+ sgid=[0-9]+ fsgid=[0-9]+ "
    r"tty=(?P<tty>[^ =]+) ses=(?P<ses>[0-9]{1,10}) comm=(?P<comm>\"[^\"=]*\"|[0-9A-F]+) "
    r"exe=(?P<exe>\"[^\"=]*\"|[0-9A-F]+) key=(?P<key>\(null\)|\"[^\"=]*\"|[0-9A-F]+)$",
    re.ASCII)


# address family: (least length, what the reference says when shorter, rc)
_SOCKADDR_MIN = {
    2: (16, "sockaddr len too short\n", 1),
    10: (28, "sockaddr6 len too short\n", 2),
    1: (4, "sun_path len too short\n", 3),
}


class KernelRecordParsers(ScanBase, FieldStore):
    """Mixin of ItemExtractor: needs ``o``, ``want_*`` and ``_lookup_uid``."""

    def parse_task_info(self, m: str, s: SearchItems, t_: int = 0) -> None:
        o = self.o
        term = self._opt_field(m, s, "ppid", "ppid=", 0, 14)
        term = self._need_field(m, s, "pid", " pid=", term, 16)
        if self.want_auid:
            term = self._auid_or_loginuid(m, s, term, 19)
        if self.want_uid:
            while True:
                i = m.find("uid=", term)
                if i < 0:
                    raise Malformed(22)
                if i > 0 and m[i - 1] == "a":
                    term = i + 1
                    continue
                break
            r = opt_num(m, "uid=", i, 23)
            self._set_uid(s, r[0])
            term = r[1]
        term = self._need_field(m, s, "gid", "gid=", term, 25)
        term = self._need_field(m, s, "euid", "euid=", term, 28)
        term = self._need_field(m, s, "egid", "egid=", term, 31)
        if o.terminal is not None:
            r = opt_word(m, "tty=", term, 34)
            if r is not None:
                s.terminal, term = r
        term = self._opt_field(m, s, "ses", "ses=", term, 35)
        if o.comm is not None:
            s.comm, term = need_text(m, "comm=", term, 38, 37, term)
        if o.exe is not None:
            s.exe, term = need_text(m, "exe=", 0, 40, 39, term)
        term = self._scan_subj(m, s, term, 41)
        self._scan_res(m, s, term, 43)

    def parse_syscall(self, m: str, s: SearchItems, t_: int = 0) -> None:
        if self.syscall_fast and self._syscall_fast(m, s):
            return
        self.parse_syscall_scan(m, s)

    def _syscall_fast(self, m: str, s: SearchItems) -> bool:
        """The common SYSCALL layout in one regex match.

        Used only when the match provably gives what the substring scan
        gives: every name the scan searches for first occurs (from where
        the scan starts looking) at its own field, and the options need
        nothing the layout does not cover (``syscall_fast``).  Returns
        False to leave the record to the scan.
        """
        # Every name the scan looks for ends in "="; the layout leaves "="
        # only at its own fields (the free-form values may not hold one).
        g = SYSCALL_LAYOUT.match(m)
        if g is None:
            return False
        arch, sc, ok, a0, pid, auid, uid, tty, ses, comm, exe, key = g.groups()
        o = self.o
        if self.want_arch:
            s.arch = _s32(int(arch, 16))
        s.syscall = int(sc)                 # at most 9 digits: no 32-bit wrap
        if self.want_success:
            s.success = Success.SUCCESS if ok == "yes" else Success.FAILED
        s.a0 = a0
        if self.want_pid:
            v = int(pid) & U32
            s.pid = v - 0x100000000 if v & 0x80000000 else v
        if self.want_auid:
            s.loginuid = _u32(int(auid))
            s.tauid = self._lookup_uid("auid", s.loginuid)
        if self.want_uid:
            s.uid = _u32(int(uid))
            s.tuid = self._lookup_uid("uid", s.uid)
        if o.terminal is not None:
            s.terminal = tty
        if self.want_ses:
            s.session = _u32(int(ses))
        if o.comm is not None:
            s.comm = comm[1:-1] if comm[0] == '"' else unescape(comm, 0)
        if o.exe is not None:
            s.exe = exe[1:-1] if exe[0] == '"' else unescape(exe, 0)
        if o.key is not None:
            if s.keys is None:
                s.keys = []
            if key[0] == '"':
                s.keys.append(key[1:-1])
            else:
                text = unescape(key, 0)
                if text is None:
                    raise Malformed(45)
                s.keys.extend(k for k in text.split(KEY_SEPARATOR) if k)
        return True

    def parse_syscall_scan(self, m: str, s: SearchItems, t_: int = 0) -> None:
        term = 0
        if self.want_arch:
            r = self._field_num(m, "arch=", term, 1, 2, 16)
            s.arch, term = _s32(r[0]), r[1]
        r = self._field_num(m, "syscall=", term, 4, 5)
        s.syscall, term = _s32(r[0]), r[1]
        if self.want_success:
            r = opt_word(m, "success=", term, 7)
            if r is not None:
                s.success = Success.SUCCESS if r[0] == "yes" else Success.FAILED
                term = r[1]
        if self.o.exit_set:
            i = m.find("exit=", term)
            if i < 0:
                raise Malformed(8)
            p = i + 5
            t = m.find(" ", p)
            if t < 0:
                raise Malformed(9)
            v, err = c_strtol(m[p:t], 0)
            if err:
                raise Malformed(10)
            s.exit = v
            s.exit_set = True
            term = t
        for key in ("a0=", "a1="):
            i = m.find(key, term)
            if i < 0:
                raise Malformed(11)
            p = i + 3
            t = m.find(" ", p)
            if t < 0:
                raise Malformed(12)
            if t - p > 16 and c_strtoul(m[p:t], 16)[1]:
                raise Malformed(13)         # strtoull overflow drops the event
            if key == "a0=":
                s.a0 = m[p:t]
            term = t
        self.parse_task_info(m, s)
        self._scan_keys(m, s, term, 44, 45)

    def parse_dir(self, m: str, s: SearchItems, t_: int = 0) -> None:
        if self.o.filename is None:
            return
        i = m.find(" cwd=", NAME_OFFSET)
        if i >= 0:                          # inline quoted_or_hex: every event has a CWD
            p = i + 5
            if m.startswith('"', p):
                t = m.find('"', p + 1)
                if t < 0:
                    raise Malformed(1)
                if s.cwd is None:
                    s.cwd = m[p + 1:t]
            elif s.cwd is None:
                s.cwd = unescape(m, p)

    def _resolve_relative(self, name: str, s: SearchItems) -> str:
        if name[:1] == "." and name[1:2] in (".", "/") and s.cwd is not None:
            return (f"{s.cwd}/{name}")[:4095]
        return name

    def common_path_parser(self, m: str, p: int, s: SearchItems) -> int:
        """Append the path at ``p``; returns 0 or the reference's error code."""
        if s.filenames is None:
            s.filenames = []
        if m.startswith('"', p):
            t = m.find('"', p + 1)
            if t < 0:
                return 2
            s.filenames.append(self._resolve_relative(m[p + 1:t], s))
            return 0
        if m.startswith("(null)", p):
            s.filenames.append("(null)")
            return 0
        if p >= len(m) or m[p] not in _HEX:
            return 4
        if m.startswith("00", p):
            name = unescape(m, p + 2)
        else:
            t = m.find(" ", p)
            if t < 0:
                return 5
            name = unescape(m[:t], p)
        if name is None:
            return 7
        s.filenames.append(self._resolve_relative(name, s))
        return 0

    def avc_parse_path(self, m: str, s: SearchItems, t_: int = 0) -> None:
        if self.o.filename is None:
            return
        i = m.find(" path=")
        if i < 0:
            raise Malformed(1)
        rc = self.common_path_parser(m, i + 6, s)
        if rc:
            raise Malformed(rc)

    def parse_path(self, m: str, s: SearchItems, t_: int = 0) -> None:
        term = NAME_OFFSET
        if self.o.filename is not None:
            i = m.find(" name=", term) if len(m) >= term else -1
            if i >= 0:
                p = i + 6
                rc = self.common_path_parser(m, p, s)
                if rc:
                    raise Malformed(rc)
                term = p
                # the text after the next "type=" is the name's type;
                # aureport -f skips PARENT ones
                if m.endswith("type=PARENT") and m.find("type=", term) == len(m) - 11:
                    if s.parent_names is None:
                        s.parent_names = []
                    s.parent_names.append(len(s.filenames) - 1)
        if self.o.object is not None:
            self._scan_obj(m, s, term)

    def parse_obj(self, m: str, s: SearchItems, t_: int = 0) -> None:
        self._scan_obj(m, s, 0)

    def parse_sockaddr(self, m: str, s: SearchItems, t_: int = 0) -> None:
        o = self.o
        if o.hostname is None and o.filename is None:
            return
        i = m.find("saddr=")
        if i < 0:
            return
        p = i + 6
        if m.startswith("(", p):
            close = m.find(")", p)
            length = close - p + 1 if close >= 0 else 0
        else:
            q = p
            while q < len(m) and m[q] in _HEX:
                q += 1
            length = (q - p) // 2
        raw = _unescape_bytes(m, p)
        if raw is None:
            raise Malformed(4)
        s.hostname = None
        fam = struct.unpack_from("<H", raw.ljust(2, b"\0"))[0]
        if fam not in _SOCKADDR_MIN:
            return
        least, complaint, rc = _SOCKADDR_MIN[fam]
        if length < least:
            self._stderr(complaint)
            raise Malformed(rc)
        if fam == 1:
            if o.filename is not None:
                if s.filenames is None:
                    s.filenames = []
                path = raw[2:]
                if path[:1] != b"\0":
                    name = path.split(b"\0", 1)[0]
                else:
                    name = path[1:].split(b"\0", 1)[0]
                s.filenames.append(name.decode("latin-1"))
            return
        if o.hostname is None:
            return
        buf = raw.ljust(28, b"\0")
        if fam == 2:
            s.hostname = str(ipaddress.IPv4Address(buf[4:8]))
        else:
            addr = ipaddress.IPv6Address(buf[8:24])
            text = addr.compressed
            if addr.ipv4_mapped is not None:
                text = "::ffff:" + str(addr.ipv4_mapped)
            scope = struct.unpack_from("<I", buf, 24)[0]
            if scope and (addr.is_link_local or addr.is_multicast):
                text += f"%{scope}"
            s.hostname = text

    def _stderr(self, text: str) -> None:
        if self.debug_out is not None:
            self.debug_out(text)

    def parse_integrity(self, m: str, s: SearchItems, t_: int = 0) -> None:
        o = self.o
        r = opt_num(m, "pid=", 0, 1)
        term = 0
        if r is not None:
            s.pid, term = _s32(r[0]), r[1]
        term = self._opt_field(m, s, "uid", " uid=", term, 3, skip=4)
        if self.want_auid and (r := opt_num(m, "auid=", 0, 5)) is not None:
            self._set_auid(s, r[0])
            term = r[1]
        term = self._opt_field(m, s, "ses", "ses=", term, 10)
        term = self._scan_subj(m, s, term, 12)
        term = self._text_field(m, s, "comm", "comm=", term, 7)
        if o.filename is not None:
            i = m.find(" name=", term)
            if i >= 0:
                if self.common_path_parser(m, i + 6, s):
                    raise Malformed(8)
        self._scan_res(m, s, term, 9)

    def parse_avc(self, m: str, s: SearchItems, t_: int) -> None:
        o = self.o
        an = AvcEntry()
        term = 0
        i = m.find("avc: ")
        if i >= 0:
            p = i + 5
            brace = m.find("{", p)
            if brace < 0:
                term = 0
            else:
                denied = "denied" in m[p:brace]
                an.result = AvcResult.DENIED if denied else AvcResult.GRANTED
                if self.want_success:
                    s.success = Success.FAILED if denied else Success.SUCCESS
                q = brace + 1
                while q < len(m) and m[q] == " ":
                    q += 1
                close = m.find("}", q)
                if close < 0:
                    raise Malformed(2)
                term = close
                while term > 0 and m[term - 1] == " ":
                    term -= 1
                an.perm = m[q:term]
        if t_ == 1107:
            try:
                self.parse_user(m, s, t_, an)
                rc = 0
            except Malformed as exc:
                rc = exc.rc
            if rc > 20:
                rc = 0
            s.add_avc(an)
            if rc:
                raise Malformed(rc)
            return
        term = self._opt_field(m, s, "pid", "pid=", term, 3)
        if o.comm is not None and s.comm is None:
            i = m.find("comm=", term)
            if i < 0:
                raise Malformed(5)
            s.comm, t = quoted_or_hex(m, i + 5, 6)
            if t is not None:
                term = t
            elif s.comm is None:
                raise Malformed(11)
            else:
                term = i + 11
        if o.filename is not None:
            i = m.find(" path=", term)
            if i < 0:
                i = m.find(" name=", term)
            if i >= 0:
                rc = self.common_path_parser(m, i + 6, s)
                if rc:
                    raise Malformed(rc)
                term += 7
        if o.subject is not None:
            r = opt_word(m, "scontext=", term, 7)
            if r is not None:
                an.scontext, term = r
        if o.object is not None:
            r = opt_word(m, "tcontext=", term, 8)
            if r is not None:
                an.tcontext, term = r
        i = m.find("tclass=", term)
        if i < 0:
            raise Malformed(9)
        an.cls = opt_word(m, "tclass=", i, None)[0]
        s.add_avc(an)

    def parse_kernel_anom(self, m: str, s: SearchItems, t_: int) -> None:
        o = self.o
        term = 0
        term = self._field_to_end(m, s, "auid", "auid=", term, 1, required=True)
        term = self._opt_field(m, s, "uid", "uid=", term, 3)
        term = self._opt_field(m, s, "gid", "gid=", term, 5)
        term = self._field_to_end(m, s, "ses", "ses=", term, 6)
        if t_ == 1700:
            return
        term = self._scan_subj(m, s, term, 8)
        term = self._opt_field(m, s, "pid", "pid=", term, 10)
        term = self._text_field(m, s, "comm", "comm=", term, 12)
        if o.exe is not None and t_ != 1701 and m.find("exe=", term) < 0:
            raise Malformed(14)
        term = self._text_field(m, s, "exe", "exe=", term, 13)
        if t_ == 1326:
            r = opt_num(m, "arch=", term, 15, 16)
            if r is None:
                return
            s.arch, term = _s32(r[0]), r[1]
            i = m.find("syscall=", term)
            if i < 0:
                raise Malformed(17)
            r = opt_num(m, "syscall=", term, 18)
            s.syscall, term = _s32(r[0]), r[1]
        self._scan_res(m, s, term, 68)

    def parse_simple(self, m: str, s: SearchItems, t_: int) -> None:
        term = 0
        term = self._field_to_end(m, s, "auid", "auid=", term, 1, required=t_ != 1305)
        term = self._field_to_end(m, s, "ses", "ses=", term, 2)
        term = self._scan_subj(m, s, term, None)
        term = self._scan_keys(m, s, term, 6, 8)
        if t_ == 1305:
            s.success = Success.SUCCESS
        self._scan_res(m, s, term, 7)

    def parse_tty(self, m: str, s: SearchItems, t_: int = 0) -> None:
        term = self._opt_field(m, s, "pid", "pid=", 0, 1)
        term = self._opt_field(m, s, "uid", " uid=", term, 3, skip=4)
        term = self._field_to_end(m, s, "auid", "auid=", term, 5, required=True)
        term = self._opt_field(m, s, "ses", "ses=", term, 7)
        self._text_field(m, s, "comm", "comm=", term, 11)

    def parse_pkt(self, m: str, s: SearchItems, t_: int = 0) -> None:
        term = 0
        if self.o.hostname is not None:
            r = opt_word(m, "saddr=", 0, 1)
            if r is not None:
                s.hostname, term = r
        self._scan_obj(m, s, term)

    def parse_kernel(self, m: str, s: SearchItems, t_: int = 0) -> None:
        """A record of the types the reference reads generically: each value
        still unset is read (or given the reference's default)."""
        o = self.o
        term = 0
        if self.want_pid and s.pid == -1:
            r = self._field_num(m, " pid=", term, 54, 52)
            s.pid, term = _s32(r[0]), r[1]
        if s.uid == U32 and s.tuid is None and self.want_uid:
            r = opt_num(m, "uid=", term, 55)
            if r is not None:
                term = r[1]
            self._set_uid(s, 0 if r is None else r[0])
        if s.loginuid == U32 - 1 and s.tauid is None and self.want_auid:
            r = opt_num(m, "auid=", term, 57)
            if r is not None:
                term = r[1]
            self._set_auid(s, U32 if r is None else r[0])
        if s.terminal is None and o.terminal is not None:
            r = opt_word(m, "tty=", term, 59)
            if r is not None:
                s.terminal, term = r
            else:
                s.terminal = "(none)"
        if s.session == U32 - 1 and self.want_ses:
            r = opt_num(m, "ses=", term, 60)
            if r is not None:
                term = r[1]
            s.session = U32 if r is None else _u32(r[0])
        if s.avc is None and o.subject is not None:
            i = m.find("subj=", term)
            if i < 0:
                raise Malformed(64)
            term = self._scan_subj(m, s, i, 62)
        if s.comm is None and o.comm is not None:
            i = m.find("comm=", term)
            if i < 0:
                raise Malformed(66)
            s.comm, t = quoted_or_hex(m, i + 5, 65)
            term = term if t is None else t
        if s.exe is None and o.exe is not None:
            r = opt_text(m, "exe=", 0, 67)
            if r is not None:
                s.exe = r[0]
                term = term if r[1] is None else r[1]
            else:
                s.exe = "(null)"
        self._scan_res(m, s, term, 69)
