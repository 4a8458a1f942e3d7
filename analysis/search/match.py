"""Deciding whether an event matches the search criteria.

All criteria are ANDed (``-ua``/``-ga`` OR their own uid/gid kinds, several
``-m`` types or ``-n`` nodes are ORed), exactly as the reference compares.
For speed the checks that need no parsing run first, then a conservative
prefilter on the event's raw text (an event whose text cannot contain the
searched value is rejected without parsing), then the reference's item
extraction (``items.py``), then the remaining comparisons.
"""
from __future__ import annotations

import re

from ..event import LogEvent
from . import machines
from .items import U32, ItemExtractor, SearchItems
from .options import SearchOptions, Success


_LONG_NUMBER = re.compile(r"=[0-9]{10}")


def _text_needles(value: str) -> tuple[str, ...]:
    """Raw-text forms a string value can take in a log: plain or hex."""
    raw = value.encode("latin-1", "replace")
    return (value, raw.hex().upper(), raw.hex())


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

    def matches(self, ev: LogEvent) -> bool:
        o = self.o
        if o.start_time and ev.sec < o.start_time:
            return False
        if o.end_time and ev.sec > o.end_time:
            return False
        if o.event_id is not None and o.event_id != ev.serial:
            return False
        if self.nodes and (ev.node is None or ev.node not in self.nodes):
            return False
        if self.types is not None and self.types.isdisjoint(ev.types):
            return False
        if self.prefilter or self.numeric_prefilter:
            text = ev.lines[0] if len(ev.lines) == 1 else "\n".join(ev.lines)
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
        s = self.extractor.extract(ev.lines, ev.types)
        if s is None:
            return False
        ev.search = s
        return self._compare(s)

    def _strmatch(self, needle: str, hay: str) -> bool:
        return hay == needle if self.o.exact else needle in hay

    def _compare(self, s: SearchItems) -> bool:
        o = self.o
        if not _user_match(o, s) or not _group_match(o, s):
            return False
        if o.ppid != -1 and o.ppid != s.ppid:
            return False
        if o.pid != -1 and o.pid != s.pid:
            return False
        if o.machine != -1 and o.machine != machines.elf_to_machine(s.arch):
            return False
        if o.syscall != -1 and o.syscall != s.syscall:
            return False
        if o.session != U32 - 1 and o.session != s.session:
            return False
        if o.exit_set:
            if not s.exit_set or o.exit != s.exit:
                return False
        if o.success != Success.UNSET and int(o.success) != s.success:
            return False
        sm = self._strmatch
        if o.filename is not None:
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
        for needle, hay in ((o.hostname, s.hostname), (o.terminal, s.terminal),
                            (o.exe, s.exe), (o.comm, s.comm)):
            if needle is not None:
                if hay is None or not sm(needle, hay):
                    return False
        if o.key is not None:
            if s.keys is None:
                return False
            if not any(sm(o.key, k) for k in s.keys):
                return False
        for needle, hay in ((o.vmname, s.vmname), (o.uuid, s.uuid)):
            if needle is not None:
                if hay is None or not sm(needle, hay):
                    return False
        return self._context_match(s)

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
