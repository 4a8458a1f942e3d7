"""``transport = tls`` (audix, beyond the reference): both ends authenticate
with certificates signed by a CA they trust.

The client presents ``tls_cert_file``/``tls_key_file`` and checks the server
against ``tls_ca_file`` (and its name, ``tls_server_name`` or
``remote_server``); the server presents its own certificate and *requires* a
client certificate signed by its ``tls_ca_file``.  TLS 1.2 is the minimum.
Errors reading the files are :class:`TlsSetupError` with a one-line message.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass


class TlsSetupError(Exception):
    pass


@dataclass(frozen=True)
class TlsFiles:
    ca_file: str
    cert_file: str
    key_file: str


def _load(ctx: ssl.SSLContext, files: TlsFiles) -> ssl.SSLContext:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.verify_mode = ssl.CERT_REQUIRED
    try:
        ctx.load_verify_locations(cafile=files.ca_file)
    except (OSError, ssl.SSLError) as e:
        raise TlsSetupError(f"cannot load CA file {files.ca_file}: {_why(e)}") from None
    try:
        ctx.load_cert_chain(files.cert_file, files.key_file)
    except (OSError, ssl.SSLError) as e:
        raise TlsSetupError(f"cannot load certificate {files.cert_file} / key "
                            f"{files.key_file}: {_why(e)}") from None
    return ctx


def _why(e: Exception) -> str:
    return getattr(e, "strerror", None) or getattr(e, "reason", None) or str(e)


def server_context(files: TlsFiles) -> ssl.SSLContext:
    """For the auditd listener: client certificates are mandatory."""
    return _load(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER), files)


def client_context(files: TlsFiles, check_hostname: bool = True) -> ssl.SSLContext:
    """For audisp-remote: the server must prove it holds a CA-signed certificate
    for the name it is reached by."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = check_hostname
    return _load(ctx, files)


def server_context_from_daemon_config(cfg) -> ssl.SSLContext | None:
    """auditd.conf ``transport = tls`` with ``tls_ca_file``, ``tls_cert_file``,
    ``tls_key_file`` (attribute names on the daemon's config object); None for tcp."""
    transport = getattr(cfg.transport, "value", cfg.transport)
    if str(transport).lower() != "tls":
        return None
    names = ("tls_ca_file", "tls_cert_file", "tls_key_file")
    missing = [n for n in names if not getattr(cfg, n, None)]
    if missing:
        raise TlsSetupError(f"transport = tls needs {', '.join(missing)}")
    return server_context(TlsFiles(cfg.tls_ca_file, cfg.tls_cert_file, cfg.tls_key_file))
