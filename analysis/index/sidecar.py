"""Where the index file lives and whether it may be trusted.

The index of a log stream sits beside it: ``DIR/.NAME.audix-index-logs``
for ``NAME`` and its rotations (``NAME.1``...), ``DIR/.NAME.audix-index-file``
for ``-if FILE``.  It holds log text, so it is created mode 0600, and it
decides what a search reads, so it is used only when nobody else could
have written it: the directory must not be writable by group or others
(and must be owned by us or root), the file must be a regular file (not a
link) owned by us and not writable by group or others.  Anything else:
no index (the search scans, as with ``--no-index``).

``AUDIX_INDEX_DIR`` (environment) puts every index in that directory
instead, named after a hash of the stream's path (read-only media, tests).
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass


@dataclass(frozen=True)
class Sidecar:
    path: str
    writable: bool          # may be created/updated (else read only)


INDEX_DIR_ENV = "AUDIX_INDEX_DIR"


def sidecar_path(first_name: str, kind: str) -> str:
    full = os.path.abspath(first_name)
    elsewhere = os.environ.get(INDEX_DIR_ENV)
    if elsewhere:
        digest = hashlib.sha256(full.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return os.path.join(elsewhere, f"{digest}-{kind}.audix-index")
    d, base = os.path.split(full)
    return os.path.join(d, f".{base}.audix-index-{kind}")


def _safe_dir(d: str) -> bool:
    try:
        st = os.stat(d)
    except OSError:
        return False
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return st.st_uid in (os.geteuid(), 0)


def locate(first_name: str, kind: str) -> Sidecar | None:
    """The usable index path for a stream, or None."""
    path = sidecar_path(first_name, kind)
    d = os.path.dirname(path)
    if not _safe_dir(d):
        return None
    dir_writable = os.access(d, os.W_OK)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return Sidecar(path, True) if dir_writable else None
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() \
            or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return Sidecar(path, dir_writable and os.access(path, os.W_OK))


def remove(path: str) -> None:
    """Delete an index file that cannot be read (it is rebuilt next time)."""
    for p in (path, path + "-journal"):
        try:
            os.unlink(p)
        except OSError:
            pass


def create(path: str) -> bool:
    """Create the empty index file 0600 (never through a link)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return True
    except OSError:
        return False
    os.close(fd)
    return True
