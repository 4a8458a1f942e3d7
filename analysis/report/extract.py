"""The per-event items aureport reports on, pulled from the records' text.

The reference aureport does not use parsed fields: it scans each record's
text with substring searches, in a fixed order per record type, and only
for the items the chosen report needs (``Wanted``).  Which items it finds,
and which events it drops as malformed, follow from that scanning, so
this module reproduces the same searches over ``Record.raw_text`` (the
line without its ENRICHED part).  Record splitting, types and timestamps
come from the record core; nothing here re-parses headers.

``Scanner(wanted, interpret).extract(lines, types)`` returns ``SearchItems``
or raises ``Malformed`` (the reference then skips the whole event).
"""
from __future__ import annotations

import re
import socket
from dataclasses import dataclass


# --- record type numbers (libaudit.h) ----------------------------------
USER = 1005
LOGIN = 1006
USER_AUTH = 1100
USER_MGMT = 1102
USER_END = 1106
USER_AVC = 1107
USER_CHAUTHTOK = 1108
LAST_USER_MSG = 1199
DAEMON_START, DAEMON_END, DAEMON_ABORT, DAEMON_CONFIG = 1200, 1201, 1202, 1203
DAEMON_ROTATE, DAEMON_RESUME, DAEMON_ACCEPT, DAEMON_CLOSE = 1205, 1206, 1207, 1208
SYSCALL = 1300
PATH = 1302
IPC = 1303
CONFIG_CHANGE = 1305
SOCKADDR = 1306
CWD = 1307
EXECVE = 1309
IPC_SET_PERM = 1311
MQ_OPEN, MQ_GETSETATTR = 1312, 1315
FD_PAIR = 1317
OBJ_PID = 1318
TTY = 1319
BPRM_FCAPS, CAPSET, MMAP = 1321, 1322, 1323
NETFILTER_PKT, NETFILTER_CFG, SECCOMP, PROCTITLE, FEATURE_CHANGE = 1324, 1325, 1326, 1327, 1328
REPLACE, BPF, EVENT_LISTENER, OPENAT2 = 1329, 1334, 1335, 1337
AVC, SELINUX_ERR, AVC_PATH = 1400, 1401, 1402
MAC_POLICY_LOAD, MAC_UNLBL_STCDEL = 1403, 1417
ANOM_PROMISCUOUS, ANOM_ABEND, ANOM_LINK = 1700, 1701, 1702
INTEGRITY_DATA, INTEGRITY_RULE = 1800, 1805
KERNEL = 2000
FIRST_USER_MSG2, LAST_USER_MSG2 = 2100, 2999
ADD_GROUP, DEL_GROUP, GRP_MGMT = 1116, 1117, 1132
VIRT_RESOURCE, VIRT_MACHINE_ID = 2501, 2502

# success values (ausearch-common.h)
S_UNSET, S_FAILED, S_SUCCESS = -1, 0, 1
# avc results
AVC_UNSET, AVC_DENIED, AVC_GRANTED = 0, 1, 2

U32 = 0xFFFFFFFF
LOGINUID_UNSET = 0xFFFFFFFE     # (uid_t)-2: "no auid seen"
UID_UNSET = 0xFFFFFFFF          # (uid_t)-1
SESSION_UNSET = 0xFFFFFFFE
NAME_OFFSET = 28
PATH_MAX = 4096
_HEX = frozenset("0123456789abcdefABCDEF")
_DIGITS = frozenset("0123456789")
_SPACES = " \t\n\v\f\r"
_ULONG = 1 << 64


_MISSING = object()


class Malformed(Exception):
    """A record the reference's scanner rejects; its event is skipped."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Wanted:
    """Which optional items a report needs (the reference's event_* switches)."""

    auid: bool = False
    uid: bool = False
    exe: bool = False
    hostname: bool = False
    terminal: bool = False
    comm: bool = False
    filename: bool = False
    key: bool = False
    subject: bool = False
    object: bool = False
    session: bool = False


class AvcNode:
    __slots__ = ("scontext", "tcontext", "result", "perm", "cls")

    def __init__(self):
        self.scontext = None
        self.tcontext = None
        self.result = AVC_UNSET
        self.perm = None
        self.cls = None


class SearchItems:
    """What the scanner found in one event (unset values as the reference)."""

    __slots__ = ("pid", "uid", "loginuid", "success", "arch", "syscall",
                 "session_id", "hostname", "filenames", "cwd", "exe", "keys",
                 "terminal", "comm", "avcs", "acct", "tauid", "a0")

    def __init__(self):
        self.pid = -1
        self.uid = UID_UNSET
        self.loginuid = LOGINUID_UNSET
        self.success = S_UNSET
        self.arch = 0
        self.syscall = 0
        self.session_id = SESSION_UNSET
        self.hostname = None
        self.filenames = None      # list of [name, nametype-rest or None]
        self.cwd = None
        self.exe = None
        self.keys = None           # list of str
        self.terminal = None
        self.comm = None
        self.avcs = None           # list of AvcNode
        self.acct = None
        self.tauid = False
        self.a0 = None             # SYSCALL a0 text (hex)


# --- C library behaviour ------------------------------------------------
def strtoul(text: str, pos: int, base: int = 10) -> int:
    """C ``strtoul(text+pos, NULL, base)``: the value (mod 2**64); 0 without digits.

    Raises Malformed(0) where C would set ERANGE.
    """
    n = len(text)
    while pos < n and text[pos] in _SPACES:
        pos += 1
    neg = False
    if pos < n and text[pos] in "+-":
        neg = text[pos] == "-"
        pos += 1
    if base == 16 and text.startswith(("0x", "0X"), pos) and pos + 2 < n and text[pos + 2] in _HEX:
        pos += 2
    start = pos
    digits = _HEX if base == 16 else _DIGITS
    while pos < n and text[pos] in digits:
        pos += 1
    if pos == start:
        return 0
    value = int(text[start:pos], base)
    if value >= _ULONG:
        raise Malformed(0)
    return (-value) % _ULONG if neg else value


def ul_at(text: str, pos: int, end: int) -> int:
    """strtoul of ``text[pos:end]`` (a space-terminated value), fast for plain digits."""
    v = text[pos:end]
    if v.isdigit() and v.isascii():
        return int(v)
    return strtoul(text, pos)


def as_int32(v: int) -> int:
    v &= U32
    return v - (1 << 32) if v & 0x80000000 else v


def unescape(text: str, pos: int) -> str | None:
    """The reference's ``unescape``: ``(...)`` kept as is, else hex decoded.

    Decoding stops at the first NUL, as the C string would.
    """
    n = len(text)
    if pos < n and text[pos] == "(":
        end = text.find(")", pos)
        if end < 0:
            return None
        return text[pos:end + 1]
    end = pos
    while end < n and text[end] in _HEX:
        end += 1
    length = end - pos
    if length == 0 or length < 2:
        return None
    hexpart = text[pos:end]
    if length % 2:
        hexpart = hexpart + "0"   # x2c of the final digit and the NUL
    out = bytes.fromhex(hexpart).decode("latin-1")
    nul = out.find("\x00")
    return out if nul < 0 else out[:nul]


def _until(text: str, pos: int, ch: str, code: int) -> int:
    end = text.find(ch, pos)
    if end < 0:
        raise Malformed(code)
    return end


# --- the scanners -------------------------------------------------------
_SYSCALL_LAYOUT = re.compile(
    r"arch=(?P<arch>[0-9a-f]{1,8}) syscall=(?P<sc>[0-9]{1,9}) success=(?P<ok>yes|no) "
    r"exit=[-0-9]{1,20} a0=(?P<a0>[0-9a-f]{1,16}) a1=[0-9a-f]{1,16} a2=[0-9a-f]{1,16} "
    r"a3=[0-9a-f]{1,16} items=[0-9]+ ppid=[0-9]+ pid=(?P<pid>[0-9]{1,10}) "
    r"auid=(?P<auid>[0-9]{1,10}) uid=(?P<uid>[0-9]{1,10}) gid=[0-9]+ euid=[0-9]+ "
    r"suid=[0-9]+ fsuid=[0-9]+ egid=[0-9]+ sgid=[0-9]+ fsgid=[0-9]+ "
    r"tty=(?P<tty>[^ ]+) ses=(?P<ses>[0-9]{1,10}) comm=(?P<comm>\"[^\"]*\"|[0-9A-F]+) "
    r"exe=(?P<exe>\"[^\"]*\"|[0-9A-F]+) key=(?P<key>\(null\)|\"[^\"]*\"|[0-9A-F]+)$",
    re.ASCII)


class Scanner:
    """Applies the per-type scanners of the reference to an event's records."""

    def __init__(self, wanted: Wanted, interpret: bool = False, warn=None,
                 debug: bool = False):
        self.w = wanted
        self.interpret = interpret
        self.debug = debug
        self.fast = not wanted.subject
        self.warn = warn or (lambda text: None)
        t = {}
        t[SYSCALL] = self.parse_syscall
        t[CWD] = self.parse_dir
        t[AVC_PATH] = self.avc_parse_path
        t[PATH] = self.parse_path
        for k in list(range(USER_AUTH, USER_END + 1)) + list(range(USER_CHAUTHTOK, LAST_USER_MSG + 1)) \
                + list(range(FIRST_USER_MSG2, LAST_USER_MSG2 + 1)) + [USER]:
            t[k] = self.parse_user
        t[SOCKADDR] = self.parse_sockaddr
        t[LOGIN] = self.parse_login
        t[IPC] = t[OBJ_PID] = self.parse_obj
        for k in (DAEMON_START, DAEMON_END, DAEMON_ABORT, DAEMON_CONFIG, DAEMON_ROTATE, DAEMON_RESUME):
            t[k] = self.parse_daemon1
        t[DAEMON_ACCEPT] = t[DAEMON_CLOSE] = self.parse_daemon2
        t[CONFIG_CHANGE] = self.parse_config_change
        t[AVC] = t[USER_AVC] = self.parse_avc
        t[NETFILTER_PKT] = self.parse_pkt
        t[FEATURE_CHANGE] = t[ANOM_LINK] = self.parse_task_info
        t[SECCOMP] = t[ANOM_PROMISCUOUS] = t[ANOM_ABEND] = self.parse_kernel_anom
        for k in range(MAC_POLICY_LOAD, MAC_UNLBL_STCDEL + 1):
            t[k] = self.parse_simple_message
        for k in range(INTEGRITY_DATA, INTEGRITY_RULE + 1):
            t[k] = self.parse_integrity
        for k in (KERNEL, SELINUX_ERR, EXECVE, IPC_SET_PERM, MQ_OPEN, 1313, 1314, MQ_GETSETATTR,
                  FD_PAIR, BPRM_FCAPS, CAPSET, MMAP, PROCTITLE, OPENAT2) + tuple(range(REPLACE, BPF + 1)):
            t[k] = None
        t[NETFILTER_CFG] = t[EVENT_LISTENER] = self.parse_kernel
        t[TTY] = self.parse_tty
        self.table = t

    def extract(self, lines: list[str], types: list[int]) -> SearchItems:
        """Scan an event's lines (ENRICHED part included or not) in order."""
        s = SearchItems()
        table = self.table
        for line, t in zip(lines, types):
            fn = table.get(t, _MISSING)
            if fn is None:
                continue
            if fn is _MISSING:
                if self.debug:
                    self.warn(f"Unparsed type:{t}\n - skipped")
                continue
            sep = line.find("\x1d")
            m = line if sep < 0 else line[:sep]
            try:
                fn(m, t, s)
            except Malformed as exc:
                if self.debug:
                    self.warn(f"Malformed event skipped, rc={exc.code}. {m}\n")
                raise
        return s

    # --- SYSCALL and task info ------------------------------------------
    def parse_syscall(self, m: str, rtype: int, s: SearchItems) -> None:
        if self.fast and self._syscall_fast(m, s):
            return
        self.parse_syscall_scan(m, rtype, s)

    def _syscall_fast(self, m: str, s: SearchItems) -> bool:
        """The common SYSCALL layout in one regex match.

        Used only when the match provably gives what the substring scan
        gives (each searched name first occurs at its own field); returns
        False to leave the record to the scan.
        """
        g = _SYSCALL_LAYOUT.search(m)
        if g is None:
            return False
        arch, sc, ok, a0, pid, auid, uid, tty, ses, comm, exe, key = g.groups()
        find = m.find
        start = g.start()
        exe_at = len(m) - len(key) - 9 - len(exe)       # where "exe=" starts
        comm_at = exe_at - 1 - len(comm)                 # the comm value
        if (find("arch=") != start or find("syscall=") != start + 6 + len(arch)
                or find("exe=") != exe_at or find("res=", comm_at) >= 0):
            return False
        w = self.w
        if w.key and find("key=", start) != len(m) - len(key) - 4:
            return False
        if self.interpret:
            s.arch = as_int32(int(arch, 16))
        s.syscall = as_int32(int(sc))
        s.success = S_SUCCESS if ok == "yes" else S_FAILED
        s.a0 = a0
        s.pid = as_int32(int(pid))
        if w.auid:
            s.loginuid = int(auid) & U32
            s.tauid = True
        if w.uid:
            s.uid = int(uid) & U32
        if w.terminal:
            s.terminal = tty
        if w.session:
            s.session_id = int(ses) & U32
        if w.comm:
            s.comm = comm[1:-1] if comm[0] == '"' else unescape(comm, 0)
        if w.exe:
            s.exe = exe[1:-1] if exe[0] == '"' else unescape(exe, 0)
        if w.key:
            if s.keys is None:
                s.keys = []
            if key[0] == '"':
                s.keys.append(key[1:-1])
            else:
                k = unescape(key, 0)
                if k is None:
                    raise Malformed(45)
                s.keys.extend(x for x in k.split("\x01") if x)
        return True

    def parse_syscall_scan(self, m: str, rtype: int, s: SearchItems) -> None:
        find = m.find
        term = 0
        if self.interpret:
            p = find("arch=")
            if p < 0:
                raise Malformed(1)
            p += 5
            term = find(" ", p)
            if term < 0:
                raise Malformed(2)
            s.arch = as_int32(strtoul(m, p, 16))
        p = find("syscall=", term)
        if p < 0:
            raise Malformed(4)
        p += 8
        term = find(" ", p)
        if term < 0:
            raise Malformed(5)
        s.syscall = as_int32(ul_at(m, p, term))
        p = find("success=", term)
        if p >= 0:
            p += 8
            term = find(" ", p)
            if term < 0:
                raise Malformed(7)
            s.success = S_SUCCESS if m[p:term] == "yes" else S_FAILED
        p = find("a0=", term)
        if p < 0:
            raise Malformed(11)
        p += 3
        term = find(" ", p)
        if term < 0:
            raise Malformed(12)
        s.a0 = m[p:term]
        if term - p > 16:
            strtoul(m, p, 16)       # the reference drops an event whose a0 overflows
        p = find("a1=", term)
        if p < 0:
            raise Malformed(11)
        term = find(" ", p + 3)
        if term < 0:
            raise Malformed(12)
        self.parse_task_info(m, rtype, s)
        if self.w.key:
            p = find("key=", term)
            if p >= 0:
                if s.keys is None:
                    s.keys = []
                p += 4
                if m.startswith('"', p):
                    end = _until(m, p + 1, '"', 44)
                    s.keys.append(m[p + 1:end])
                else:
                    k = unescape(m, p)
                    if k is None:
                        raise Malformed(45)
                    s.keys.extend(x for x in k.split("\x01") if x)

    def parse_task_info(self, m: str, rtype: int, s: SearchItems) -> None:
        w = self.w
        find = m.find
        p = find(" pid=")
        if p < 0:
            raise Malformed(16)
        p += 5
        term = find(" ", p)
        if term < 0:
            raise Malformed(17)
        s.pid = as_int32(ul_at(m, p, term))
        if w.auid:
            p = find("auid=", term)
            if p < 0:
                p = find("loginuid=", term)
                if p < 0:
                    raise Malformed(19)
                p += 9
            else:
                p += 5
            term = find(" ", p)
            if term < 0:
                raise Malformed(20)
            s.loginuid = ul_at(m, p, term) & U32
            s.tauid = True
        if w.uid:
            while True:
                p = find("uid=", term)
                if p < 0:
                    raise Malformed(22)
                if p > 0 and m[p - 1] == "a":
                    term = p + 1
                    continue
                break
            p += 4
            term = _until(m, p, " ", 23)
            s.uid = ul_at(m, p, term) & U32
        if w.terminal:
            p = find("tty=", term)
            if p >= 0:
                p += 4
                term = find(" ", p)
                if term < 0:
                    raise Malformed(34)
                s.terminal = m[p:term]
        if w.session:
            p = find("ses=", term)
            if p >= 0:
                p += 4
                term = _until(m, p, " ", 35)
                s.session_id = ul_at(m, p, term) & U32
        if w.comm:
            p = find("comm=", term)
            if p < 0:
                raise Malformed(38)
            s.comm = None
            p += 5
            if m.startswith('"', p):
                term = find('"', p + 1)
                if term < 0:
                    raise Malformed(37)
                s.comm = m[p + 1:term]
            else:
                s.comm = unescape(m, p)
        if w.exe:
            p = find("exe=")
            if p < 0:
                raise Malformed(40)
            p += 4
            if m.startswith('"', p):
                term = find('"', p + 1)
                if term < 0:
                    raise Malformed(39)
                s.exe = m[p + 1:term]
            else:
                s.exe = unescape(m, p)
        if w.subject:
            p = find("subj=", term)
            if p >= 0:
                p += 5
                term = _until(m, p, " ", 41)
                a = AvcNode()
                a.scontext = m[p:term]
                self._avc(s).append(a)
        p = find("res=", term)
        if p >= 0:
            s.success = as_int32(strtoul(m, p + 4))

    @staticmethod
    def _avc(s: SearchItems) -> list:
        if s.avcs is None:
            s.avcs = []
        return s.avcs

    # --- files ------------------------------------------------------------
    def parse_dir(self, m: str, rtype: int, s: SearchItems) -> None:
        if not self.w.filename:
            return
        p = m.find(" cwd=", NAME_OFFSET)
        if p < 0:
            return
        p += 5
        if m.startswith('"', p):
            end = _until(m, p + 1, '"', 1)
            if s.cwd is None:
                s.cwd = m[p + 1:end]
        elif s.cwd is None:
            s.cwd = unescape(m, p)

    def common_path_parser(self, s: SearchItems, m: str, p: int) -> None:
        if s.filenames is None:
            s.filenames = []
        if m.startswith('"', p):
            end = _until(m, p + 1, '"', 2)
            name = m[p + 1:end]
        else:
            if m.startswith("(null)", p):
                s.filenames.append(["(null)", None])
                return
            if p >= len(m) or m[p] not in _HEX:
                raise Malformed(4)
            if m.startswith("00", p):
                name = unescape(m, p + 2)
            else:
                _until(m, p, " ", 5)
                name = unescape(m, p)
            if name is None:
                raise Malformed(7)
        if name[:1] == "." and name[1:2] in (".", "/") and s.cwd:
            name = (s.cwd + "/" + name)[:PATH_MAX - 1]
        s.filenames.append([name, None])

    def avc_parse_path(self, m: str, rtype: int, s: SearchItems) -> None:
        if self.w.filename:
            p = m.find(" path=")
            if p < 0:
                raise Malformed(1)
            self.common_path_parser(s, m, p + 6)

    def parse_path(self, m: str, rtype: int, s: SearchItems) -> None:
        term = NAME_OFFSET
        if self.w.filename:
            p = m.find(" name=", term)
            if p >= 0:
                p += 6
                self.common_path_parser(s, m, p)
                term = p
                q = m.find("type=", term)
                if q >= 0:
                    s.filenames[-1][1] = m[q + 5:]
        if self.w.object:
            p = m.find("obj=", term)
            if p >= 0:
                p += 4
                end = m.find(" ", p)
                a = AvcNode()
                a.tcontext = m[p:end] if end >= 0 else m[p:]
                self._avc(s).append(a)

    def parse_obj(self, m: str, rtype: int, s: SearchItems) -> None:
        if self.w.object:
            p = m.find("obj=")
            if p >= 0:
                p += 4
                end = m.find(" ", p)
                a = AvcNode()
                a.tcontext = m[p:end] if end >= 0 else m[p:]
                self._avc(s).append(a)

    # --- user space messages ---------------------------------------------
    def parse_user(self, m: str, rtype: int, s: SearchItems, avc: AvcNode | None = None) -> None:
        w = self.w
        p = m.find("pid=")
        if p < 0:
            raise Malformed(1)
        p += 4
        term = _until(m, p, " ", 2)
        s.pid = as_int32(strtoul(m, p))
        if w.uid:
            p = m.find("uid=", term)
            if p < 0:
                raise Malformed(4)
            p += 4
            term = _until(m, p, " ", 5)
            s.uid = strtoul(m, p) & U32
        if w.auid:
            p = m.find("auid=", term)
            if p < 0:
                p = m.find("loginuid=", term)
                if p < 0:
                    raise Malformed(7)
                p += 9
            else:
                p += 5
            term = _until(m, p, " ", 8)
            s.loginuid = strtoul(m, p) & U32
            s.tauid = True
        if w.session:
            p = m.find("ses=", term)
            if p >= 0:
                p += 4
                term = _until(m, p, " ", 10)
                s.session_id = strtoul(m, p) & U32
        if w.subject:
            p = m.find("subj=", term)
            if p >= 0:
                p += 5
                term = _until(m, p, " ", 12)
                if avc is not None:
                    avc.scontext = m[p:term]
                else:
                    a = AvcNode()
                    a.scontext = m[p:term]
                    self._avc(s).append(a)
        if avc is not None and w.object:
            p = m.find("tcontext=", term)
            if p >= 0:
                p += 9
                end = m.find(" ", p)
                if end >= 0:
                    avc.tcontext = m[p:end]
                    term = end
                else:
                    term = p
            p = m.find("tclass=", term)
            if p >= 0:
                p += 7
                end = m.find(" ", p)
                if end >= 0:
                    avc.cls = m[p:end]
                    term = end
                else:
                    term = p
        if rtype == VIRT_MACHINE_ID:
            if w.subject:
                p = m.find("vm-ctx=", term)
                if p >= 0:
                    p += 7
                    term = _until(m, p, " ", 27)
                    a = AvcNode()
                    a.scontext = m[p:term]
                    self._avc(s).append(a)
            if w.object:
                p = m.find("img-ctx=", term)
                if p >= 0:
                    p += 8
                    term = _until(m, p, " ", 29)
                    a = AvcNode()
                    a.tcontext = m[p:term]
                    self._avc(s).append(a)
        elif rtype == VIRT_RESOURCE and w.filename:
            incr = 6
            p = m.find(" path=", term)
            if p < 0:
                incr = 10
                p = m.find(" new-disk=", term)
            if p >= 0:
                p += incr
                self.common_path_parser(s, m, p)
                term = p
        if w.uid:
            while True:
                p = m.find("uid=", term)
                if p < 0:
                    break
                prev = m[p - 1] if p > 0 else "\x00"
                if prev == "a":
                    term = p + 1
                    continue
                if prev in "su":
                    p = -2
                    break
                if prev not in "' ":
                    raise Malformed(25)
                q = p + 4
                e = q
                while e < len(m) and m[e] in _DIGITS:
                    e += 1
                if e == q:
                    raise Malformed(14)
                s.uid = int(m[q:e]) & U32
                term = e
                break
        mptr = term
        if w.comm:
            p = m.find("comm=", mptr)
            if p >= 0:
                p += 5
                if m.startswith('"', p):
                    term = _until(m, p + 1, '"', 16)
                    s.comm = m[p + 1:term]
                else:
                    s.comm = unescape(m, p)
        p = m.find("acct=", mptr)
        if p >= 0:
            p += 5
            if m.startswith('"', p):
                e = p + 1
                n = len(m)
                while e < n and m[e] != '"':
                    e += 1
                s.acct = m[p + 1:e]
                term = e
            else:
                e = p
                n = len(m)
                legacy = False
                while e < n and m[e] != " ":
                    if m[e] not in _HEX:
                        legacy = True
                    e += 1
                term = e
                s.acct = m[p:e] if legacy else unescape(m, p)
        mptr = term
        if w.hostname:
            p = m.find("hostname=", mptr)
            if p >= 0:
                p += 9
                term = m.find(",", p)
                if term < 0:
                    term = _until(m, p, " ", 17)
                s.hostname = m[p:term]
                if s.hostname == "?":
                    term += 1
                    q = m.find("addr=", term)
                    if q >= 0:
                        q += 5
                        term = m.find(",", q)
                        if term < 0:
                            term = _until(m, q, " ", 18)
                        s.hostname = m[q:term]
        if w.filename:
            p = m.find("cwd=", mptr)
            if p >= 0:
                p += 4
                if m.startswith('"', p):
                    term = _until(m, p + 1, '"', 20)
                    s.cwd = m[p + 1:term]
                else:
                    e, legacy = self._legacy_end(m, p)
                    term = e
                    s.cwd = m[p:e] if legacy else unescape(m, p)
        if w.terminal:
            p = m.find("terminal=", mptr)
            if p >= 0:
                p += 9
                term = m.find(" ", p)
                if term < 0:
                    term = _until(m, p, ")", 19)
                s.terminal = m[p:term]
        if w.exe:
            p = m.find("exe=", mptr)
            if p >= 0:
                p += 4
                if m.startswith('"', p):
                    term = _until(m, p + 1, '"', 26)
                    s.exe = m[p + 1:term]
                else:
                    e, legacy = self._legacy_end(m, p)
                    term = e
                    s.exe = m[p:e] if legacy else unescape(m, p)
        p = m.find("res=", mptr)
        if p >= 0:
            p += 4
            _until(m, p, "'", 21)
            s.success = S_FAILED if m.startswith("failed", p) else S_SUCCESS
        else:
            p = m.find("result=", mptr)
            if p >= 0:
                p += 7
                end = _until(m, p, ")", 22)
                s.success = S_SUCCESS if m[p:end].lower() == "success" else S_FAILED

    @staticmethod
    def _legacy_end(m: str, p: int) -> tuple[int, bool]:
        e = p
        n = len(m)
        legacy = False
        while e < n and m[e] != " ":
            if m[e] not in _HEX:
                legacy = True
            e += 1
        return e, legacy

    def parse_login(self, m: str, rtype: int, s: SearchItems) -> None:
        w = self.w
        p = m.find("pid=")
        if p < 0:
            raise Malformed(1)
        p += 4
        term = _until(m, p, " ", 2)
        s.pid = as_int32(strtoul(m, p))
        if w.uid:
            p = m.find("uid=", term)
            if p < 0:
                raise Malformed(4)
            p += 4
            term = _until(m, p, " ", 5)
            s.uid = strtoul(m, p) & U32
        if w.subject:
            p = m.find("subj=", term)
            if p >= 0:
                term = _until(m, p + 5, " ", 12)
                a = AvcNode()
                a.scontext = m[p:term]
                self._avc(s).append(a)
        if w.auid:
            p = m.find("new auid=", term)
            if p < 0:
                p = m.find(" auid=", term)
                if p < 0:
                    p = m.find("new loginuid=", term)
                    if p < 0:
                        raise Malformed(7)
                    p += 13
                else:
                    p += 6
            else:
                p += 9
            e = m.find(" ", p)
            term = e if e >= 0 else None
            s.loginuid = strtoul(m, p) & U32
            s.tauid = True
        if term is None:
            term = 0
        p = m.find("res=", term)
        if p >= 0:
            e = m.find(" ", p + 4)
            term = e if e >= 0 else None
            s.success = as_int32(strtoul(m, p + 4))
        else:
            s.success = S_SUCCESS
        if w.session:
            if term is None:
                term = 0
            p = m.find("new ses=", term)
            if p < 0:
                p = m.find(" ses=", term)
                if p < 0:
                    raise Malformed(14)
                p += 5
            else:
                p += 8
            s.session_id = strtoul(m, p) & U32

    # --- daemon -------------------------------------------------------------
    def parse_daemon1(self, m: str, rtype: int, s: SearchItems) -> None:
        w = self.w
        mptr = m.find(")")
        if mptr < 0:
            mptr = 0
        term = mptr
        if w.auid:
            p = m.find("auid=", mptr)
            if p < 0:
                raise Malformed(1)
            p += 5
            term = _until(m, p, " ", 2)
            s.loginuid = strtoul(m, p) & U32
            s.tauid = True
        p = m.find("pid=", term)
        if p < 0:
            raise Malformed(4)
        p += 4
        term = _until(m, p, " ", 5)
        s.pid = as_int32(strtoul(m, p))
        if w.uid:
            p = m.find(" uid=", term)
            if p >= 0:
                p += 5
                term = _until(m, p, " ", 7)
                s.uid = strtoul(m, p) & U32
        if w.session:
            p = m.find("ses=", term)
            if p >= 0:
                p += 4
                term = _until(m, p, " ", 9)
                s.session_id = strtoul(m, p) & U32
        if w.subject:
            p = m.find("subj=", term)
            if p >= 0:
                p += 5
                end = m.find(" ", p)
                a = AvcNode()
                a.scontext = m[p:end] if end >= 0 else m[p:]
                self._avc(s).append(a)
                if end >= 0:
                    term = end
        p = m.find("res=", mptr)
        if p >= 0:
            p += 4
            e = p
            while e < len(m) and m[e].isascii() and m[e].isalpha():
                e += 1
            if e == p:
                raise Malformed(12)
            s.success = S_FAILED if m.startswith("failed", p) else S_SUCCESS

    def parse_daemon2(self, m: str, rtype: int, s: SearchItems) -> None:
        term = 0
        if self.w.hostname:
            p = m.find("addr=")
            if p >= 0:
                p += 5
                term = m.find(":", p)
                if term < 0:
                    term = _until(m, p, " ", 1)
                s.hostname = m[p:term]
        p = m.find("res=", term)
        if p >= 0:
            p += 4
            e = p
            while e < len(m) and m[e].isascii() and m[e].isalpha():
                e += 1
            if e == p:
                raise Malformed(2)
            s.success = S_FAILED if m.startswith("failed", p) else S_SUCCESS

    # --- sockaddr -------------------------------------------------------------
    def parse_sockaddr(self, m: str, rtype: int, s: SearchItems) -> None:
        w = self.w
        if not (w.hostname or w.filename):
            return
        p = m.find("saddr=")
        if p < 0:
            return
        p += 6
        if m.startswith("(", p):
            e = m.find(")", p)
            length = (e - p) + 1 if e >= 0 else 0
            raw = None
        else:
            e = p
            while e < len(m) and m[e] in _HEX:
                e += 1
            length = (e - p) // 2
            raw = m[p:e]
        decoded = unescape(m, p)
        if decoded is None:
            raise Malformed(4)
        if raw is not None:
            data = bytes.fromhex(raw if len(raw) % 2 == 0 else raw + "0")
        else:
            data = decoded.encode("latin-1")
        family = data[0] | (data[1] << 8) if len(data) >= 2 else (data[0] if data else 0)
        s.hostname = decoded
        if family == socket.AF_INET:
            if length < 16:
                self.warn("sockaddr len too short\n")
                raise Malformed(1)
        elif family == socket.AF_INET6:
            if length < 28:
                self.warn("sockaddr6 len too short\n")
                raise Malformed(2)
        elif family == socket.AF_UNIX:
            if length < 4:
                self.warn("sun_path len too short\n")
                raise Malformed(3)
            if w.filename:
                if s.filenames is None:
                    s.filenames = []
                # sun_path is read as a C string; an abstract name after its NUL
                path = data[2:] if data[2:3] != b"\x00" else data[3:]
                name = path.split(b"\x00", 1)[0].decode("latin-1")
                s.filenames.append([name, None])
            s.hostname = None
            return
        else:
            s.hostname = None
            return
        if not w.hostname:
            s.hostname = None
            return
        s.hostname = _numeric_host(family, data)

    # --- kernel messages ---------------------------------------------------
    def parse_config_change(self, m: str, rtype: int, s: SearchItems) -> None:
        self.parse_simple_message(m, rtype, s)
        try:
            self.avc_parse_path(m, rtype, s)
        except Malformed:
            pass

    def parse_integrity(self, m: str, rtype: int, s: SearchItems) -> None:
        w = self.w
        term = 0
        p = m.find("pid=")
        if p >= 0:
            p += 4
            term = _until(m, p, " ", 1)
            s.pid = as_int32(strtoul(m, p))
        if w.uid:
            p = m.find(" uid=", term)
            if p >= 0:
                p += 4
                term = _until(m, p, " ", 3)
                s.uid = strtoul(m, p) & U32
        if w.auid:
            p = m.find("auid=")
            if p >= 0:
                p += 5
                term = _until(m, p, " ", 5)
                s.loginuid = strtoul(m, p) & U32
                s.tauid = True
        if w.session:
            p = m.find("ses=", term)
            if p >= 0:
                p += 4
                term = _until(m, p, " ", 10)
                s.session_id = strtoul(m, p) & U32
        if w.subject:
            p = m.find("subj=", term)
            if p >= 0:
                p += 5
                term = _until(m, p, " ", 12)
                a = AvcNode()
                a.scontext = m[p:term]
                self._avc(s).append(a)
        if w.comm:
            p = m.find("comm=", term)
            if p >= 0:
                p += 5
                if m.startswith('"', p):
                    term = _until(m, p + 1, '"', 7)
                    s.comm = m[p + 1:term]
                else:
                    s.comm = unescape(m, p)
        if w.filename:
            p = m.find(" name=", term)
            if p >= 0:
                try:
                    self.common_path_parser(s, m, p + 6)
                except Malformed:
                    raise Malformed(8)
        p = m.find("res=", term)
        if p >= 0:
            s.success = as_int32(strtoul(m, p + 4))

    def parse_avc(self, m: str, rtype: int, s: SearchItems) -> None:
        w = self.w
        an = AvcNode()
        term = 0
        p = m.find("avc: ")
        if p >= 0:
            p += 5
            brace = m.find("{", p)
            if brace >= 0:
                if "denied" in m[p:brace]:
                    s.success = S_FAILED
                    an.result = AVC_DENIED
                else:
                    s.success = S_SUCCESS
                    an.result = AVC_GRANTED
                q = brace + 1
                while q < len(m) and m[q] == " ":
                    q += 1
                end = _until(m, q, "}", 2)
                while end > 0 and m[end - 1] == " ":
                    end -= 1
                an.perm = m[q:end]
                term = end
        if rtype == USER_AVC:
            try:
                self.parse_user(m, rtype, s, an)
            except Malformed as exc:
                self._avc(s).append(an)
                if exc.code <= 20:
                    raise
                return
            self._avc(s).append(an)
            return
        p = m.find("pid=", term)
        if p >= 0:
            p += 4
            term = _until(m, p, " ", 3)
            s.pid = as_int32(strtoul(m, p))
        if w.comm and s.comm is None:
            p = m.find("comm=", term)
            if p < 0:
                raise Malformed(5)
            p += 5
            if m.startswith('"', p):
                term = _until(m, p + 1, '"', 6)
                s.comm = m[p + 1:term]
            else:
                s.comm = unescape(m, p)
                if s.comm is None:
                    raise Malformed(11)
                term = p + 6
        if w.filename:
            p = m.find(" path=", term)
            if p >= 0:
                self.common_path_parser(s, m, p + 6)
                term += 7
            else:
                p = m.find(" name=", term)
                if p >= 0:
                    self.common_path_parser(s, m, p + 6)
                    term += 7
        if w.subject:
            p = m.find("scontext=", term)
            if p >= 0:
                p += 9
                term = _until(m, p, " ", 7)
                an.scontext = m[p:term]
        if w.object:
            p = m.find("tcontext=", term)
            if p >= 0:
                p += 9
                term = _until(m, p, " ", 8)
                an.tcontext = m[p:term]
        p = m.find("tclass=", term)
        if p < 0:
            raise Malformed(9)
        p += 7
        end = m.find(" ", p)
        an.cls = m[p:end] if end >= 0 else m[p:]
        self._avc(s).append(an)

    def parse_kernel_anom(self, m: str, rtype: int, s: SearchItems) -> None:
        w = self.w
        term = 0
        if w.auid:
            p = m.find("auid=")
            if p < 0:
                raise Malformed(1)
            p += 5
            e = m.find(" ", p)
            s.loginuid = strtoul(m, p) & U32
            term = e if e >= 0 else p
            s.tauid = True
        if w.uid:
            p = m.find("uid=", term)
            if p >= 0:
                p += 4
                term = _until(m, p, " ", 3)
                s.uid = strtoul(m, p) & U32
        if w.session:
            p = m.find("ses=", term)
            if p >= 0:
                p += 4
                e = m.find(" ", p)
                s.session_id = strtoul(m, p) & U32
                term = e if e >= 0 else p
        if rtype == ANOM_PROMISCUOUS:
            return
        if w.subject:
            p = m.find("subj=", term)
            if p >= 0:
                p += 5
                term = _until(m, p, " ", 8)
                a = AvcNode()
                a.scontext = m[p:term]
                self._avc(s).append(a)
        p = m.find("pid=", term)
        if p >= 0:
            p += 4
            term = _until(m, p, " ", 10)
            s.pid = as_int32(strtoul(m, p))
        if w.comm:
            p = m.find("comm=", term)
            if p >= 0:
                p += 5
                if m.startswith('"', p):
                    term = _until(m, p + 1, '"', 12)
                    s.comm = m[p + 1:term]
                else:
                    s.comm = unescape(m, p)
        if w.exe:
            p = m.find("exe=", term)
            if p >= 0:
                p += 4
                if m.startswith('"', p):
                    term = _until(m, p + 1, '"', 13)
                    s.exe = m[p + 1:term]
                else:
                    s.exe = unescape(m, p)
            elif rtype != ANOM_ABEND:
                raise Malformed(14)
        if rtype == SECCOMP:
            p = m.find("arch=", term)
            if p < 0:
                return
            p += 5
            term = _until(m, p, " ", 15)
            s.arch = as_int32(strtoul(m, p, 16))
            p = m.find("syscall=", term)
            if p < 0:
                raise Malformed(17)
            p += 8
            term = _until(m, p, " ", 18)
            s.syscall = as_int32(strtoul(m, p))
        p = m.find("res=", term)
        if p >= 0:
            s.success = as_int32(strtoul(m, p + 4))

    def parse_simple_message(self, m: str, rtype: int, s: SearchItems) -> None:
        w = self.w
        term = 0
        if w.auid:
            p = m.find("auid=")
            if p < 0 and rtype != CONFIG_CHANGE:
                raise Malformed(1)
            if p >= 0:
                p += 5
                e = m.find(" ", p)
                s.loginuid = strtoul(m, p) & U32
                term = e if e >= 0 else p
                s.tauid = True
        if w.session:
            p = m.find("ses=", term)
            if p >= 0:
                p += 4
                e = m.find(" ", p)
                s.session_id = strtoul(m, p) & U32
                term = e if e >= 0 else p
        if w.subject:
            p = m.find("subj=", term)
            if p >= 0:
                p += 5
                e = m.find(" ", p)
                a = AvcNode()
                a.scontext = m[p:e] if e >= 0 else m[p:]
                self._avc(s).append(a)
                term = e if e >= 0 else p
        if w.key:
            p = m.find("key=", term)
            if p >= 0:
                if s.keys is None:
                    s.keys = []
                p += 4
                if m.startswith('"', p):
                    end = _until(m, p + 1, '"', 6)
                    s.keys.append(m[p + 1:end])
                    term = end
                else:
                    k = unescape(m, p)
                    if k is None:
                        raise Malformed(8)
                    s.keys.extend(x for x in k.split("\x01") if x)
        if rtype == CONFIG_CHANGE:
            s.success = S_SUCCESS
        p = m.find("res=", term)
        if p >= 0:
            s.success = as_int32(strtoul(m, p + 4))

    def parse_tty(self, m: str, rtype: int, s: SearchItems) -> None:
        w = self.w
        term = 0
        p = m.find("pid=")
        if p >= 0:
            p += 4
            term = _until(m, p, " ", 1)
            s.pid = as_int32(strtoul(m, p))
        if w.uid:
            p = m.find(" uid=", term)
            if p >= 0:
                p += 4
                term = _until(m, p, " ", 3)
                s.uid = strtoul(m, p) & U32
        if w.auid:
            p = m.find("auid=", term)
            if p < 0:
                raise Malformed(5)
            p += 5
            e = m.find(" ", p)
            s.loginuid = strtoul(m, p) & U32
            term = e if e >= 0 else p
            s.tauid = True
        if w.session:
            p = m.find("ses=", term)
            if p >= 0:
                p += 4
                term = _until(m, p, " ", 7)
                s.session_id = strtoul(m, p) & U32
        if w.comm:
            p = m.find("comm=", term)
            if p >= 0:
                p += 5
                if m.startswith('"', p):
                    term = _until(m, p + 1, '"', 11)
                    s.comm = m[p + 1:term]
                else:
                    s.comm = unescape(m, p)

    def parse_pkt(self, m: str, rtype: int, s: SearchItems) -> None:
        term = 0
        if self.w.hostname:
            p = m.find("saddr=")
            if p >= 0:
                p += 6
                term = _until(m, p, " ", 1)
                s.hostname = m[p:term]
        if self.w.object:
            p = m.find("obj=", term)
            if p >= 0:
                p += 4
                end = m.find(" ", p)
                a = AvcNode()
                a.tcontext = m[p:end] if end >= 0 else m[p:]
                self._avc(s).append(a)

    def parse_kernel(self, m: str, rtype: int, s: SearchItems) -> None:
        w = self.w
        term = 0
        if s.pid == -1:
            p = m.find(" pid=")
            if p < 0:
                raise Malformed(54)
            p += 5
            term = _until(m, p, " ", 52)
            s.pid = as_int32(strtoul(m, p))
        if s.uid == UID_UNSET and w.uid:
            p = m.find("uid=", term)
            if p >= 0:
                p += 4
                term = _until(m, p, " ", 55)
                s.uid = strtoul(m, p) & U32
            else:
                s.uid = 0
        if s.loginuid == LOGINUID_UNSET and not s.tauid and w.auid:
            p = m.find("auid=", term)
            if p >= 0:
                p += 5
                term = _until(m, p, " ", 57)
                s.loginuid = strtoul(m, p) & U32
            else:
                s.loginuid = UID_UNSET
            s.tauid = True
        if s.terminal is None and w.terminal:
            p = m.find("tty=", term)
            if p >= 0:
                p += 4
                term = _until(m, p, " ", 59)
                s.terminal = m[p:term]
            else:
                s.terminal = "(none)"
        if s.session_id == SESSION_UNSET and w.session:
            p = m.find("ses=", term)
            if p >= 0:
                p += 4
                term = _until(m, p, " ", 60)
                s.session_id = strtoul(m, p) & U32
            else:
                s.session_id = U32
        if s.avcs is None and w.subject:
            p = m.find("subj=", term)
            if p < 0:
                raise Malformed(64)
            p += 5
            term = _until(m, p, " ", 62)
            a = AvcNode()
            a.scontext = m[p:term]
            self._avc(s).append(a)
        if s.comm is None and w.comm:
            p = m.find("comm=", term)
            if p < 0:
                raise Malformed(66)
            p += 5
            if m.startswith('"', p):
                term = _until(m, p + 1, '"', 65)
                s.comm = m[p + 1:term]
            else:
                s.comm = unescape(m, p)
        if s.exe is None and w.exe:
            p = m.find("exe=")
            if p >= 0:
                p += 4
                if m.startswith('"', p):
                    term = _until(m, p + 1, '"', 67)
                    s.exe = m[p + 1:term]
                else:
                    s.exe = unescape(m, p)
            else:
                s.exe = "(null)"
        p = m.find("res=", term)
        if p >= 0:
            s.success = as_int32(strtoul(m, p + 4))


def _numeric_host(family: int, data: bytes) -> str | None:
    """getnameinfo(NI_NUMERICHOST) of a sockaddr_in / sockaddr_in6."""
    try:
        if family == socket.AF_INET:
            return socket.inet_ntop(socket.AF_INET, data[4:8])
        addr = socket.inet_ntop(socket.AF_INET6, data[8:24])
        scope = int.from_bytes(data[24:28], "little")
        if scope:
            first = data[8:10]
            link_local = first[0] == 0xFE and (first[1] & 0xC0) == 0x80
            mc_link = first[0] == 0xFF and (first[1] & 0x0F) == 0x02
            name = None
            if link_local or mc_link:
                try:
                    name = socket.if_indextoname(scope)
                except OSError:
                    name = None
            addr += "%" + (name if name else str(scope))
        return addr
    except (ValueError, OSError):
        return None
