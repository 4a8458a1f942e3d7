"""Account names to numeric ids through the local databases (``pwd``/``grp``),
as the command lines of ausearch (-ui, -gi ...) and auditctl (-F uid=name ...) take them.

Each lookup answers ``None`` for a name the database lacks or cannot hold
(an embedded NUL, text the C library cannot encode); callers word the error.
The reverse direction (id to name, cached) is ``interpret.ids.NameLookup``.
"""
from __future__ import annotations

import grp
import pwd


def uid_by_name(name: str) -> int | None:
    try:
        return pwd.getpwnam(name).pw_uid
    except (KeyError, UnicodeError, ValueError):
        return None


def gid_by_name(name: str) -> int | None:
    try:
        return grp.getgrnam(name).gr_gid
    except (KeyError, UnicodeError, ValueError):
        return None
