"""The interpreted fields an ENRICHED record carries after its ``\\x1d``.

``AUID="unset" UID="root" ARCH=x86_64 SYSCALL=openat`` or, for SOCKADDR
records, ``SADDR={ saddr_fam=inet laddr=127.0.0.1 lport=80 }``.  Names are
matched lower-cased; the first field of a name wins.
"""
from __future__ import annotations

_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def parse_interpretations(text: str | None) -> dict[str, str] | None:
    """name -> interpreted value, or None when the text holds nothing usable."""
    if text is None:
        return None
    if text.startswith("SADDR="):
        start = text.find("{", 6)
        if start >= 0 and text.find("}", start) >= 0:
            return {"saddr": text[start:]}
        return None
    found: dict[str, str] = {}
    for token in text.split(" "):
        eq = token.find("=")
        if not token or eq < 0:
            continue
        found.setdefault(token[:eq].translate(_UPPER), token[eq + 1:])
    return found or None
