"""What each record type contributes to a search, as the reference reads it.

The reference ausearch does not split records into fields for matching:
for each record type it scans the text with substring searches from a
moving position (``strstr`` from the end of the previous field), and it
only looks for the values a criterion on the command line needs.  Which
record types are read for which criterion, and where a search starts,
decides what matches (``-ui`` on a USER_LOGIN sees the second ``uid=``,
``-x`` may read a PATH-less ``exe=`` ...), so this module reproduces that
scan, written from the observed rules:

* a record of a type the scan knows is read by its parser; an error in a
  field that must be there makes the whole event "malformed" (skipped;
  ``--debug`` says so on stderr);
* numbers are read like C ``strtoul`` (leading digits, wrap to the C type);
* strings are either ``"quoted"`` or hex (decoded, cut at a NUL byte).

aureport uses the same scan (as the reference compiles one parser into
both tools): ``report.options.Wanted.search_options`` sets the options the
way the reference's aureport sets its copies of ausearch's globals, and the
items also carry what only reports print (AVC result/permission/class,
SYSCALL ``a0``, PATH PARENT names).
"""
from __future__ import annotations

import pwd

from .kernel_records import KernelRecordParsers
from .options import Format, SearchOptions, Success
from .scan import LOGINUID_UNSET, U32, AvcEntry, AvcResult, Malformed, SearchItems, unescape
from .user_records import UserRecordParsers

__all__ = ["AvcEntry", "AvcResult", "ItemExtractor", "LOGINUID_UNSET", "Malformed", "SearchItems",
           "U32", "UidNames", "unescape"]


class UidNames:
    """uid -> name as the reference's lookup_uid (root/unset/passwd; cached)."""

    def __init__(self):
        self._cache: dict[int, str | None] = {}

    def name(self, uid: int) -> str | None:
        if uid == 0:
            return "root"
        if uid == U32:
            return "unset"
        if uid not in self._cache:
            try:
                n = pwd.getpwuid(uid).pw_name
                self._cache[uid] = n.encode("utf-8", "surrogateescape").decode("latin-1")
            except (KeyError, OverflowError):
                self._cache[uid] = None
        return self._cache[uid]


class ItemExtractor(KernelRecordParsers, UserRecordParsers):
    """Reads the search items of events for one set of options."""

    def __init__(self, opts: SearchOptions, debug_out=None):
        self.o = opts
        self.debug_out = debug_out
        self.names = UidNames()
        self._interp: dict[str, str] | None = None
        o = opts
        self.want_tnames = bool(o.tuid or o.teuid or o.tauid)
        self.want_pid = o.pid != -1
        self.want_ppid = o.ppid != -1
        self.want_uid = o.uid != U32 or o.tuid is not None
        self.want_euid = o.euid != U32 or o.teuid is not None
        self.want_auid = o.loginuid != U32 - 1 or o.tauid is not None
        self.want_gid = o.gid != U32
        self.want_egid = o.egid != U32
        self.want_ses = o.session != U32 - 1
        self.want_success = o.success != Success.UNSET
        self.want_arch = o.format > Format.DEFAULT or o.machine != -1
        # the one-regex SYSCALL reading covers all but these criteria
        self.syscall_fast = not (self.want_ppid or self.want_gid or self.want_euid
                                 or self.want_egid or o.exit_set or o.subject is not None)
        self._handlers = self._build_handlers()
        # record types that give nothing for these options: an event made of
        # them and one SYSCALL record is read by the SYSCALL regex alone
        self._syscall_only_types = None
        if self.syscall_fast and not self.want_tnames:
            self._syscall_only_types = frozenset(
                [t for t, h in self._handlers.items() if h is None] + [1300])

    # --- uid names --------------------------------------------------------
    def _lookup_uid(self, fieldname: str, uid: int) -> str | None:
        if self._interp is not None:
            v = self._interp.get(fieldname)
            if v is not None:
                return v
        return self.names.name(uid)

    def _load_interp(self, lines: list[str]) -> None:
        self._interp = None
        if not self.want_tnames:
            return
        head = lines[0]
        sep = head.find("\x1d")
        if sep < 0:
            return
        table: dict[str, str] = {}
        for token in head[sep + 1:].split(" "):
            eq = token.find("=")
            if eq < 0 or not token:
                continue
            name = token[:eq].lower()
            value = token[eq + 1:]
            if "id" in name and value.startswith('"'):
                close = value.find('"', 1)
                value = value[1:close] if close > 0 else " "
            table.setdefault(name, value)
        self._interp = table

    # --- driver -------------------------------------------------------------
    def extract(self, lines: list[str], types: list[int]) -> SearchItems | None:
        """The items of an event, or None when the reference finds it malformed."""
        only = self._syscall_only_types
        if only is not None and only.issuperset(types):
            s = self._extract_syscall_only(lines, types)
            if s is not None:
                return s
        s = SearchItems()
        if self.want_tnames and (len(lines) == 1 or types[0] == 1300) and "\x1d" in lines[0]:
            self._load_interp(lines)
        else:
            self._interp = None
        handlers = self._handlers
        unparsed = self._unparsed
        for line, t in zip(lines, types):
            h = handlers.get(t, unparsed)
            if h is None:
                continue
            sep = line.find("\x1d")
            m = line if sep < 0 else line[:sep]
            try:
                h(m, s, t)
            except Malformed as exc:
                if self.o.debug and self.debug_out is not None:
                    self.debug_out(f"Malformed event skipped, rc={exc.rc}. {m}\n")
                return None
        return s

    def _extract_syscall_only(self, lines: list[str], types: list[int]) -> SearchItems | None:
        """Items of an event whose only informative record is one SYSCALL in
        the usual layout; None leaves the event to the full scan (which also
        reports a malformed one)."""
        n = types.count(1300)
        if n > 1:
            return None
        s = SearchItems()
        if n == 0:
            return s
        line = lines[types.index(1300)]
        sep = line.find("\x1d")
        try:
            if self._syscall_fast(line if sep < 0 else line[:sep], s):
                return s
        except Malformed:
            pass
        return None

    def _report_unparsed(self, m: str, s: SearchItems, t: int) -> None:
        if self.debug_out is not None:
            self.debug_out(f"Unparsed type:{t}\n - skipped")

    def _build_handlers(self) -> dict:
        """Record type -> parser (None: nothing to read for these options)."""
        o = self.o
        any_id = (self.want_pid or self.want_ppid or self.want_uid or self.want_euid
                  or self.want_auid or self.want_gid or self.want_egid or self.want_ses
                  or self.want_success)
        strings = any(v is not None for v in (o.comm, o.exe, o.subject, o.object,
                                               o.terminal, o.hostname, o.filename,
                                               o.vmname, o.uuid, o.key))
        active = any_id or strings
        self._unparsed = self._report_unparsed if o.debug else None

        def when(cond, fn):
            return fn if cond else None

        h: dict = {}
        h[1300] = self.parse_syscall
        h[1307] = when(o.filename is not None, self.parse_dir)
        h[1402] = when(o.filename is not None, self.avc_parse_path)
        h[1302] = when(o.filename is not None or o.object is not None, self.parse_path)
        for t in (1107, 1400):
            h[t] = self.parse_avc
        user = when(active, self.parse_user)
        for t in [1005] + list(range(1100, 1107)) + list(range(1108, 1200)) + list(range(2100, 3000)):
            h[t] = user
        h[1306] = when(o.hostname is not None or o.filename is not None, self.parse_sockaddr)
        h[1006] = when(active, self.parse_login)
        for t in (1303, 1318):
            h[t] = when(o.object is not None, self.parse_obj)
        for t in (1200, 1201, 1202, 1203, 1205, 1206):
            h[t] = when(active, self.parse_daemon1)
        for t in (1207, 1208):
            h[t] = when(active, self.parse_daemon2)
        h[1305] = self._config_change
        h[1324] = when(active, self.parse_pkt)
        for t in (1328, 1702):
            h[t] = when(active, self.parse_task_info)
        for t in (1326, 1700, 1701):
            h[t] = self.parse_kernel_anom
        for t in range(1403, 1418):
            h[t] = self.parse_simple
        for t in range(1800, 1806):
            h[t] = self.parse_integrity
        for t in (2000, 1401, 1309, 1311, 1312, 1313, 1314, 1315, 1317, 1321,
                  1322, 1323, 1327, 1329, 1330, 1331, 1332, 1333, 1334, 1337):
            h[t] = None
        for t in (1325, 1335):
            h[t] = when(active, self.parse_kernel)
        h[1319] = when(active, self.parse_tty)
        return h

    def _config_change(self, m: str, s: SearchItems, t: int) -> None:
        self.parse_simple(m, s, t)
        try:
            self.avc_parse_path(m, s)
        except Malformed:
            pass
