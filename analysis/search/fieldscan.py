"""The field-reading steps the record parsers repeat.

Each finds ``name=`` in a record's text from a position, reads the value
the way the reference does (up to a space, to the end, quoted or hex) and
returns it with the position the next search starts from; a value the
reference rejects raises ``Malformed`` with the reference's code, which
drops the event.
"""
from __future__ import annotations

from ..event import c_strtoul
from .options import Success
from .scan import (_HEX, KEY_SEPARATOR, AvcEntry, Malformed, ScanBase, SearchItems, _s32, _u32,
                   unescape)


def opt_num(m: str, key: str, start: int, rc: int, base: int = 10,
            skip: int | None = None) -> tuple[int, int] | None:
    """Number after ``key`` (searched from ``start``) up to the next space.

    None when ``key`` is absent; Malformed(rc) when no space follows,
    Malformed(rc + 1) when the text is not a number.  ``skip`` (default
    ``len(key)``) is where the value starts after the match: the reference
    reads ``" uid="`` of some records from its ``=`` (skip 4), which C's
    strtoul takes as 0.
    """
    if skip is None:
        return ScanBase._field_num(m, key, start, None, rc, base)
    i = m.find(key, start)
    if i < 0:
        return None
    return ScanBase._field_num(m, key[:skip], i, None, rc, base)


def num_to_end(m: str, p: int, rc: int) -> tuple[int, int]:
    """Number at ``p`` up to the next space or the end: (value, space or -1)."""
    t = m.find(" ", p)
    v, err = c_strtoul(m[p:t] if t >= 0 else m[p:])
    if err:
        raise Malformed(rc)
    return v, t


def end_at(m: str, p: int, seps: str, rc: int) -> int:
    """Where the value at ``p`` ends: the first of ``seps`` found, tried in
    their order; Malformed(rc) when there is none."""
    for sep in seps:
        t = m.find(sep, p)
        if t >= 0:
            return t
    raise Malformed(rc)


def opt_until(m: str, key: str, start: int, seps: str, rc: int) -> tuple[str, int] | None:
    """Text after ``key`` up to end_at(seps); None when ``key`` is absent."""
    i = m.find(key, start)
    if i < 0:
        return None
    p = i + len(key)
    t = end_at(m, p, seps, rc)
    return m[p:t], t


def opt_word(m: str, key: str, start: int, rc: int | None) -> tuple[str, int] | None:
    """Text after ``key`` up to the next space; None when ``key`` is absent.

    Without a space: Malformed(rc), or with ``rc`` None the rest of the
    text and -1.
    """
    i = m.find(key, start)
    if i < 0:
        return None
    p = i + len(key)
    t = m.find(" ", p)
    if t < 0:
        if rc is not None:
            raise Malformed(rc)
        return m[p:], -1
    return m[p:t], t


def quoted_or_hex(m: str, p: int, rc: int) -> tuple[str | None, int | None]:
    """Quoted text (Malformed(rc) if unclosed) with its closing quote, or
    decoded hex with None (the search position stays)."""
    if m.startswith('"', p):
        t = m.find('"', p + 1)
        if t < 0:
            raise Malformed(rc)
        return m[p + 1:t], t
    return unescape(m, p), None


def quoted_or_legacy(m: str, p: int, rc: int) -> tuple[str | None, int]:
    """Quoted text (Malformed(rc) if unclosed) or legacy_or_hex; returns
    it with the position after it."""
    if m.startswith('"', p):
        return quoted_or_hex(m, p, rc)
    return legacy_or_hex(m, p)


def opt_text(m: str, key: str, start: int, rc: int) -> tuple[str | None, int | None] | None:
    """quoted_or_hex after ``key``; None when ``key`` is absent."""
    i = m.find(key, start)
    if i < 0:
        return None
    return quoted_or_hex(m, i + len(key), rc)


def need_text(m: str, key: str, start: int, rc_missing: int, rc_quote: int,
              term: int) -> tuple[str | None, int]:
    """quoted_or_hex after ``key``, which must be there (else
    Malformed(rc_missing)); returns the value and the next search position
    (``term`` after a hex value)."""
    i = m.find(key, start)
    if i < 0:
        raise Malformed(rc_missing)
    text, t = quoted_or_hex(m, i + len(key), rc_quote)
    return text, term if t is None else t


def legacy_or_hex(m: str, p: int) -> tuple[str | None, int]:
    """An unquoted value: hex decoded, or as written when it holds a non-hex
    character (old user records); returns it with the space after it."""
    end = p
    legacy = False
    while end < len(m) and m[end] != " ":
        if m[end] not in _HEX:
            legacy = True
        end += 1
    return (m[p:end] if legacy else unescape(m, p)), end


def _store_pid(x, s: SearchItems, v: int) -> None:
    s.pid = _s32(v)


def _store_ppid(x, s: SearchItems, v: int) -> None:
    s.ppid = _s32(v)


def _store_uid(x, s: SearchItems, v: int) -> None:
    s.uid = _u32(v)
    s.tuid = x._lookup_uid("uid", s.uid)


def _store_auid(x, s: SearchItems, v: int) -> None:
    s.loginuid = _u32(v)
    s.tauid = x._lookup_uid("auid", s.loginuid)


def _store_gid(x, s: SearchItems, v: int) -> None:
    s.gid = _u32(v)


def _store_egid(x, s: SearchItems, v: int) -> None:
    s.egid = _u32(v)


def _store_ses(x, s: SearchItems, v: int) -> None:
    s.session = _u32(v)


def _store_euid(x, s: SearchItems, v: int) -> None:
    s.euid = _u32(v)
    s.teuid = x._lookup_uid("euid", s.euid)


# field: (the ItemExtractor flag saying it is wanted, how it is stored)
_NUMERIC = {
    "pid": ("want_pid", _store_pid),
    "ppid": ("want_ppid", _store_ppid),
    "uid": ("want_uid", _store_uid),
    "auid": ("want_auid", _store_auid),
    "gid": ("want_gid", _store_gid),
    "egid": ("want_egid", _store_egid),
    "euid": ("want_euid", _store_euid),
    "ses": ("want_ses", _store_ses),
}


class FieldStore:
    """Mixin: the steps that store a value in the search items.

    Needs ``o``, ``want_*`` and ``_lookup_uid`` (ItemExtractor).
    """

    _set_uid = _store_uid
    _set_auid = _store_auid

    def _opt_field(self, m: str, s: SearchItems, field: str, key: str, term: int, rc: int,
                   skip: int | None = None) -> int:
        """Optional numeric ``field`` (see opt_num) stored when wanted;
        returns where the next search starts (``term`` when absent or not
        wanted)."""
        want, store = _NUMERIC[field]
        if getattr(self, want):
            r = opt_num(m, key, term, rc, skip=skip)
            if r is not None:
                store(self, s, r[0])
                return r[1]
        return term

    def _need_field(self, m: str, s: SearchItems, field: str, key: str, term: int,
                    rc: int) -> int:
        """Like _opt_field, but Malformed(rc) when ``key`` is absent (rc + 1
        without a space after it, rc + 2 when not a number)."""
        want, store = _NUMERIC[field]
        if getattr(self, want):
            v, term = ScanBase._field_num(m, key, term, rc, rc + 1)
            store(self, s, v)
        return term

    def _field_to_end(self, m: str, s: SearchItems, field: str, key: str, term: int,
                      rc: int, required: bool = False) -> int:
        """Numeric ``field`` up to a space or the end of the text, stored when
        wanted: Malformed(rc) when required and absent, rc + 1 when not a
        number; returns the space after it (the value's start at the end)."""
        want, store = _NUMERIC[field]
        if getattr(self, want):
            i = m.find(key, term)
            if i < 0:
                if required:
                    raise Malformed(rc)
                return term
            p = i + len(key)
            v, t = num_to_end(m, p, rc + 1)
            store(self, s, v)
            return t if t >= 0 else p
        return term

    def _auid_or_loginuid(self, m: str, s: SearchItems, term: int, rc: int) -> int:
        """The required ``auid=`` (else ``loginuid=``): Malformed(rc) when
        neither is there, rc + 1 without a space after it, rc + 2 when not
        a number; returns the space after it."""
        key = "auid=" if m.find("auid=", term) >= 0 else "loginuid="
        v, t = ScanBase._field_num(m, key, term, rc, rc + 1)
        self._set_auid(s, v)
        return t

    def _text_field(self, m: str, s: SearchItems, attr: str, key: str, start: int, rc: int,
                    term: int | None = None) -> int:
        """opt_text into ``s.<attr>`` when the options ask for ``attr``.

        Returns where the next search starts: after a closing quote, else
        ``term`` (default ``start``).
        """
        if term is None:
            term = start
        if getattr(self.o, attr) is not None:
            r = opt_text(m, key, start, rc)
            if r is not None:
                setattr(s, attr, r[0])
                if r[1] is not None:
                    return r[1]
        return term

    def _scan_res(self, m: str, s: SearchItems, term: int, rc: int) -> None:
        """``res=`` as a number (up to a space or the end) into success."""
        if self.want_success:
            i = m.find("res=", term)
            if i >= 0:
                s.success = _s32(num_to_end(m, i + 4, rc)[0])

    def _scan_subj(self, m: str, s: SearchItems, term: int, rc: int | None) -> int:
        """``subj=`` into a new AVC entry; returns the next search position."""
        if self.o.subject is not None:
            r = opt_word(m, "subj=", term, rc)
            if r is not None:
                s.add_avc(AvcEntry(scontext=r[0]))
                return r[1] if r[1] >= 0 else len(m) - len(r[0])
        return term

    def _scan_obj(self, m: str, s: SearchItems, term: int) -> None:
        """``obj=`` (up to a space or the end) into a new AVC entry."""
        if self.o.object is not None:
            r = opt_word(m, "obj=", term, None)
            if r is not None:
                s.add_avc(AvcEntry(tcontext=r[0]))

    def _scan_keys(self, m: str, s: SearchItems, term: int, rc_quote: int, rc_hex: int) -> int:
        """``key=`` (quoted, or hex holding keys split by \\x01) into keys."""
        if self.o.key is None:
            return term
        i = m.find("key=", term)
        if i < 0:
            return term
        if s.keys is None:
            s.keys = []
        text, t = quoted_or_hex(m, i + 4, rc_quote)
        if t is not None:
            s.keys.append(text)
            return t
        if text is None:
            raise Malformed(rc_hex)
        s.keys.extend(k for k in text.split(KEY_SEPARATOR) if k)
        return term

    @staticmethod
    def _word_success(m: str, p: int, rc: int) -> int:
        """A ``res=`` word (letters): FAILED for ``failed...``, else SUCCESS."""
        t = p
        while t < len(m) and m[t].isascii() and m[t].isalpha():
            t += 1
        if t == p:
            raise Malformed(rc)
        return Success.FAILED if m.startswith("failed", p) else Success.SUCCESS

