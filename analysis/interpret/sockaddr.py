"""saddr= of SOCKADDR records: the hex dump of a struct sockaddr, decoded per family.

``decode_sockaddr(hex)`` gives a :class:`SockAddr` whose ``str()`` is what
``ausearch -i`` prints (``{ saddr_fam=inet laddr=127.0.0.1 lport=80 }``,
``{ saddr_fam=local path=/run/x }``, ``unknown-family(200)`` ...).
"""
from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from ..tables.sockets import SOCKET_FAMILIES
from .strings import unescape_buffer

AF_LOCAL, AF_INET, AF_AX25, AF_ATMPVC, AF_X25, AF_INET6, AF_NETLINK = 1, 2, 3, 8, 9, 10, 16
SOCKADDR_IN_LEN, SOCKADDR_IN6_LEN, SOCKADDR_NL_LEN = 16, 28, 12
NI_NUMERIC = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV


@dataclass(frozen=True)
class SockAddr:
    """A decoded socket address.

    ``family`` is None when the value could not be decoded at all; the other
    fields are set as far as the family has them.  ``text`` is the
    reference's rendering (also ``str(self)``).
    """

    text: str
    family: int | None = None
    family_name: str | None = None
    address: str | None = None
    port: int | None = None
    path: str | None = None
    netlink_pid: int | None = None

    def __str__(self) -> str:
        return self.text


def _c_string(data: bytes, limit: int | None = None) -> str:
    end = data.find(b"\0")
    if end >= 0:
        data = data[:end]
    if limit is not None:
        data = data[:limit]
    return data.decode("latin-1")


def _pad(data: bytes, size: int) -> bytes:
    return data if len(data) >= size else data + b"\0" * (size - len(data))


def _numeric_name(family: int, data: bytes) -> tuple[str, int] | None:
    """getnameinfo(NI_NUMERICHOST|NI_NUMERICSERV) of an inet/inet6 sockaddr."""
    try:
        if family == AF_INET:
            port = struct.unpack_from("!H", data, 2)[0]
            return socket.inet_ntop(socket.AF_INET, data[4:8]), port
        port, flow = struct.unpack_from("!HI", data, 2)
        scope = struct.unpack_from("=I", data, 24)[0]
        host = socket.inet_ntop(socket.AF_INET6, data[8:24])
        if scope:
            host, _ = socket.getnameinfo((host, port, flow, scope), NI_NUMERIC)
        return host, port
    except (OSError, ValueError, struct.error):
        return None


def decode_sockaddr(value: str) -> SockAddr:
    """Decode a ``saddr=`` hex value the way ``ausearch -i`` does (never raises)."""
    buf = unescape_buffer(value)
    if buf is None:
        return SockAddr(f"malformed-host({value})")
    data = _pad(buf.encode("latin-1", "replace"), 2)
    length = len(value) // 2
    family = struct.unpack_from("=H", data, 0)[0]
    name = SOCKET_FAMILIES.get(family)
    if name is None:
        return SockAddr(f"unknown-family({family})", family)

    def made(body: str, **kw) -> SockAddr:
        return SockAddr("{ saddr_fam=%s %s }" % (name, body), family, name, **kw)

    if family == AF_LOCAL:
        if length < 4:
            return made("sockaddr len too short")
        path = _pad(data, 111)[2:]
        text = _c_string(path[1:] if path[0] == 0 else path, 108)
        return made(f"path={text}", path=text)
    if family in (AF_INET, AF_INET6):
        size = SOCKADDR_IN_LEN if family == AF_INET else SOCKADDR_IN6_LEN
        if length < size:
            return made("sockaddr len too short" if family == AF_INET
                        else "sockaddr6 len too short")
        resolved = _numeric_name(family, data)
        if resolved is None:
            return made("(error resolving addr)")
        host, port = resolved
        return made(f"laddr={host} lport={port}", address=host, port=port)
    if family == AF_AX25:
        call = _pad(data, 9)[2:9].decode("latin-1")
        text = "{ saddr_fam=%s call=%s }" % (name, call)
        end = text.find("\0")
        return SockAddr(text if end < 0 else text[:end], family, name,
                        address=_c_string(call.encode("latin-1")))
    if family == AF_ATMPVC:
        # struct sockaddr_atmpvc: sap_addr is 4-byte aligned (__ATM_API_ALIGN)
        itf = struct.unpack_from("=h", _pad(data, 6), 4)[0]
        return made(f"int={itf}", port=itf)
    if family == AF_X25:
        addr = _c_string(_pad(data, 18)[2:], 15)
        return made(f"laddr={addr}", address=addr)
    if family == AF_NETLINK:
        if length < SOCKADDR_NL_LEN:
            return made("len too short")
        nl_family, pid = family, struct.unpack_from("=I", data, 4)[0]
        return made(f"nlnk-fam={nl_family} nlnk-pid={pid}", netlink_pid=pid)
    return made("(unsupported)")


def print_sockaddr(value: str) -> str:
    return decode_sockaddr(value).text
