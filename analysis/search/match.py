"""Deciding whether an event matches the search criteria.

All criteria are ANDed (``-ua``/``-ga`` OR their own uid/gid kinds, several
``-m`` types or ``-n`` nodes are ORed), exactly as the reference compares.
For speed the checks that need no parsing run first, then a conservative
prefilter on the event's raw text (an event whose text cannot contain the
searched value is rejected without parsing), then the reference's item
extraction (``items.py``), then the remaining comparisons -- only those
the options ask for, built once.  When the criteria are among pid,
syscall, arch, session and success and the event's only informative
record is one SYSCALL line in the usual layout, they are compared on that
line's ``SYSCALL_LAYOUT`` match directly (what ``_syscall_fast`` would
store, without building the items).  With ``--debug`` nothing is skipped
before the extraction, so its notes are the reference's.
"""
from __future__ import annotations

import re

from ..event import LogEvent
from . import machines
from .items import U32, ItemExtractor, SearchItems
from .kernel_records import SYSCALL_LAYOUT
from .options import SearchOptions, Success
from .scan import _s32


_LONG_NUMBER = re.compile(r"=[0-9]{10}")
# criteria the SYSCALL layout's groups decide alone, and those groups
_LAYOUT_CRITERIA = frozenset({"pid", "syscall", "machine", "session", "success"})
_ARCH, _SC, _OK, _PID, _SES = (SYSCALL_LAYOUT.groupindex[name]
                                for name in ("arch", "sc", "ok", "pid", "ses"))


def _text_needles(value: str) -> tuple[str, ...]:
    """Raw-text forms a string value can take in a log: plain or hex."""
    raw = value.encode("latin-1", "replace")
    return tuple(dict.fromkeys((value, raw.hex().upper(), raw.hex())))   # each form once


class Matcher:
    """``matches(event)`` for one set of options."""

    def __init__(self, opts: SearchOptions, stderr=None):
        self.o = opts
        self.extractor = ItemExtractor(opts, stderr)
        self.types = frozenset(opts.types) if opts.types is not None else None
        self.nodes = list(opts.nodes)
        # groups of alternatives; the event text must hold one of each group
        groups: list[tuple[str, ...]] = []
        for value in (opts.key, opts.comm, opts.vmname, opts.uuid):
            if value:
                groups.append(_text_needles(value))
        # a NETFILTER_CFG/EVENT_LISTENER record without exe= counts as "(null)"
        if opts.exe and opts.exe not in "(null)":
            groups.append(_text_needles(opts.exe))
        # numbers are read with strtoul and cut to 32 bits: the digits of the
        # value appear in the text unless it is signed or has 10+ digits
        sign_forms = ("=-", "=+", "= ")
        numeric: list[tuple[str, ...]] = []
        for number, ok in ((opts.pid, opts.pid >= 0), (opts.ppid, opts.ppid >= 0),
                           (opts.syscall, opts.syscall >= 0)):
            if number != -1 and ok:
                numeric.append((str(number),) + sign_forms)
        self.prefilter = groups
        self.numeric_prefilter = numeric
        # -sv no: a failure is only ever read from these words
        self.failure_prefilter = opts.success == Success.FAILED
        # with --debug every event is extracted (its "Malformed" note shows),
        # as the reference extracts before comparing nodes and types
        self.shortcuts = not opts.debug
        self._text_filter = self.shortcuts and bool(self.prefilter or self.numeric_prefilter
                                                     or self.failure_prefilter)
        self._event_checks, self._late_event_checks = self._build_event_checks()
        self._item_checks = self._build_item_checks()
        self._syscall_only = self.extractor._syscall_only_types
        self._layout_checks = self._build_layout_checks()

    def matches(self, ev: LogEvent) -> bool:
        for check in self._event_checks:
            if not check(ev):
                return False
        if self._text_filter:
            lines = ev.lines
            if not self._text_may_match(lines[0] if len(lines) == 1 else "\n".join(lines)):
                return False
        layout = self._layout_checks
        if layout is not None:
            # an event whose only informative record is one SYSCALL line in
            # the usual layout: compare straight on the layout's groups
            types = ev.types
            if self._syscall_only.issuperset(types) and types.count(1300) == 1:
                line = ev.lines[types.index(1300)]
                sep = line.find("\x1d")
                g = SYSCALL_LAYOUT.match(line if sep < 0 else line[:sep])
                if g is not None:
                    for check in self._late_event_checks:
                        if not check(ev):
                            return False
                    for check in layout:
                        if not check(g):
                            return False
                    return True
        s = self.extractor.extract(ev.lines, ev.types)
        if s is None:
            return False
        ev.search = s
        for check in self._late_event_checks:
            if not check(ev):
                return False
        for check in self._item_checks:
            if not check(s):
                return False
        return True

    def _text_may_match(self, text: str) -> bool:
        """False when the event's text cannot hold what the criteria want
        (conservative: True whenever in doubt)."""
        for group in self.prefilter:
            for needle in group:
                if needle in text:
                    break
            else:
                return False
        for group in self.numeric_prefilter:
            for needle in group:
                if needle in text:
                    break
            else:
                if _LONG_NUMBER.search(text) is None:
                    return False
        if self.failure_prefilter:
            # FAILED comes from success=<not yes>, res=, result= or an AVC "denied"
            if not ("res=" in text or "result=" in text or "denied" in text
                    or text.count("success=") != text.count("success=yes ")):
                return False
        return True

    def _build_event_checks(self) -> tuple[list, list]:
        """Checks on the event's header the options ask for: (before the
        extraction, after it).  Node and type checks come after it with
        --debug, where the reference puts them."""
        o = self.o
        early: list = []
        late: list = []
        if o.start_time:
            start = o.start_time
            early.append(lambda ev: ev.sec >= start)
        if o.end_time:
            end = o.end_time
            early.append(lambda ev: ev.sec <= end)
        if o.event_id is not None:
            serial = o.event_id
            early.append(lambda ev: ev.serial == serial)
        header = early if self.shortcuts else late
        if self.nodes:
            nodes = self.nodes
            header.append(lambda ev: ev.node is not None and ev.node in nodes)
        if self.types is not None:
            types = self.types
            header.append(lambda ev: not types.isdisjoint(ev.types))
        return early, late

    def _build_item_checks(self) -> list:
        """The comparisons of ``_compare`` the options ask for (an unset
        criterion always passes), each ``check(items) -> bool``; their
        names go to ``self.criteria``."""
        o = self.o
        named: list[tuple[str, object]] = []
        if (o.uid_all or o.tuid or o.teuid or o.tauid or o.uid != U32 or o.euid != U32
                or o.loginuid != U32 - 1):
            named.append(("user", lambda s: _user_match(o, s)))
        if o.gid_all or o.gid != U32 or o.egid != U32:
            named.append(("group", lambda s: _group_match(o, s)))
        for name, want in (("ppid", o.ppid), ("pid", o.pid), ("syscall", o.syscall)):
            if want != -1:
                named.append((name, _equal_check(name, want)))
        if o.machine != -1:
            named.append(("machine", lambda s: o.machine == machines.elf_to_machine(s.arch)))
        if o.session != U32 - 1:
            named.append(("session", _equal_check("session", o.session)))
        if o.exit_set:
            named.append(("exit", lambda s: s.exit_set and o.exit == s.exit))
        if o.success != Success.UNSET:
            named.append(("success", _equal_check("success", int(o.success))))
        if o.filename is not None:
            named.append(("filename", self._filename_match))
        sm = self._strmatch
        for needle, name in ((o.hostname, "hostname"), (o.terminal, "terminal"),
                             (o.exe, "exe"), (o.comm, "comm")):
            if needle is not None:
                named.append((name, _text_check(sm, needle, name)))
        if o.key is not None:
            key = o.key
            named.append(("key", lambda s: s.keys is not None and any(sm(key, k) for k in s.keys)))
        for needle, name in ((o.vmname, "vmname"), (o.uuid, "uuid")):
            if needle is not None:
                named.append((name, _text_check(sm, needle, name)))
        if o.subject is not None or o.object is not None:
            named.append(("context", self._context_match))
        self.criteria = [name for name, _ in named]
        return [check for _, check in named]

    def _build_layout_checks(self) -> list | None:
        """Checks on the groups of a SYSCALL_LAYOUT match that decide the
        criteria exactly as ``_compare`` decides them on the items
        ``_syscall_fast`` reads from that match; None when a criterion
        needs more than those groups (or the layout is not usable)."""
        o = self.o
        if self.extractor._syscall_only_types is None or not _LAYOUT_CRITERIA.issuperset(
                self.criteria):
            return None
        checks = []
        if o.pid != -1:
            pid = o.pid
            checks.append(lambda g: _s32(int(g[_PID])) == pid)
        if o.syscall != -1:
            syscall = o.syscall
            checks.append(lambda g: int(g[_SC]) == syscall)
        if o.machine != -1:
            machine = o.machine
            checks.append(lambda g: machines.elf_to_machine(int(g[_ARCH], 16)) == machine)
        if o.session != U32 - 1:
            session = o.session
            checks.append(lambda g: int(g[_SES]) & U32 == session)
        if o.success != Success.UNSET:
            yes = o.success == Success.SUCCESS
            checks.append(lambda g: (g[_OK] == "yes") == yes)
        return checks

    def _strmatch(self, needle: str, hay: str) -> bool:
        return hay == needle if self.o.exact else needle in hay

    def _compare(self, s: SearchItems) -> bool:
        """All criteria on the items of one event."""
        return all(check(s) for check in self._item_checks)

    def _filename_match(self, s: SearchItems) -> bool:
        o = self.o
        sm = self._strmatch
        found = False
        if s.filenames is None and s.cwd is None:
            return False
        if s.filenames is not None:
            for name in s.filenames:
                if name is None:
                    return False
                if sm(o.filename, name):
                    found = True
                    break
            if not found and s.cwd is None:
                return False
        if s.cwd is not None and not found:
            if not sm(o.filename, s.cwd):
                return False
        return True

    def _context_match(self, s: SearchItems) -> bool:
        o = self.o
        if o.subject is None and o.object is None:
            return True
        sm = self._strmatch
        subjects = [a.scontext for a in (s.avc or []) if a.scontext is not None]
        objects = [a.tcontext for a in (s.avc or []) if a.tcontext is not None]
        if o.context_either:
            if o.subject is not None and any(sm(o.subject, c) for c in subjects):
                return True
            if o.object is not None and any(sm(o.object, c) for c in objects):
                return True
            return False
        if o.subject is not None:
            return s.avc is not None and any(sm(o.subject, c) for c in subjects)
        if o.object is not None:
            return s.avc is not None and any(sm(o.object, c) for c in objects)
        return True


def _equal_check(name: str, want: int):
    """``items.<name> == want``."""
    return lambda s: getattr(s, name) == want


def _text_check(strmatch, needle: str, name: str):
    """``items.<name>`` is set and holds (or, with -w, is) ``needle``."""
    def check(s: SearchItems) -> bool:
        hay = getattr(s, name)
        return hay is not None and strmatch(needle, hay)
    return check


def _user_match(o: SearchOptions, s: SearchItems) -> bool:
    if o.uid_all and o.tuid:
        return ((s.tuid is not None and s.tuid == o.tuid)
                or (s.teuid is not None and s.teuid == o.teuid)
                or (s.tauid is not None and s.tauid == o.tauid))
    if o.uid_all:
        return o.uid == s.uid or o.euid == s.euid or o.loginuid == s.loginuid
    if o.tuid or o.teuid or o.tauid:
        for want, have in ((o.tuid, s.tuid), (o.teuid, s.teuid), (o.tauid, s.tauid)):
            if want:
                if have is None or have != want:
                    return False
        return True
    if o.uid != U32 and o.uid != s.uid:
        return False
    if o.euid != U32 and o.euid != s.euid:
        return False
    if o.loginuid != U32 - 1 and o.loginuid != s.loginuid:
        return False
    return True


def _group_match(o: SearchOptions, s: SearchItems) -> bool:
    if o.gid_all:
        return o.gid == s.gid or o.egid == s.egid
    if o.gid != U32 and o.gid != s.gid:
        return False
    if o.egid != U32 and o.egid != s.egid:
        return False
    return True
