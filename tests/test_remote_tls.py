"""transport = tls: mutual certificate authentication (audix, beyond the reference)."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl

import pytest

from audix.daemon.remote.listener import DAEMON_ACCEPT
from audix.daemon.remote.tls import (TlsFiles, TlsSetupError, client_context, server_context,
                                     server_context_from_daemon_config)

from test_remote_support import Collector, client_conf, make_records, run_our_client

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject_cn, key, issuer_cn, issuer_key, ca=False, ip=None):
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(_name(subject_cn)).issuer_name(_name(issuer_cn))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(minutes=5))
         .not_valid_after(now + datetime.timedelta(days=1))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ip:
        b = b.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip)),
                                                         x509.DNSName("localhost")]),
                            critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _write(path, cert=None, key=None):
    data = b""
    if cert is not None:
        data += cert.public_bytes(serialization.Encoding.PEM)
    if key is not None:
        data += key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    path.write_bytes(data)
    path.chmod(0o600)
    return str(path)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    files = {}
    for ca_name in ("ca", "evil"):
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _cert(f"{ca_name} root", ca_key, f"{ca_name} root", ca_key, ca=True)
        files[f"{ca_name}_ca"] = _write(d / f"{ca_name}-ca.pem", ca)
        for who, ip in (("server", "127.0.0.1"), ("client", None)):
            key = ec.generate_private_key(ec.SECP256R1())
            cert = _cert(f"{ca_name} {who}", key, f"{ca_name} root", ca_key, ip=ip)
            files[f"{ca_name}_{who}_cert"] = _write(d / f"{ca_name}-{who}.pem", cert)
            files[f"{ca_name}_{who}_key"] = _write(d / f"{ca_name}-{who}.key", key=key)
    return files


def server_ctx(pki):
    return server_context(TlsFiles(pki["ca_ca"], pki["ca_server_cert"], pki["ca_server_key"]))


def tls_client_text(pki, ca="ca", who="ca"):
    return (f"transport = tls\ntls_ca_file = {pki[f'{ca}_ca']}\n"
            f"tls_cert_file = {pki[f'{who}_client_cert']}\n"
            f"tls_key_file = {pki[f'{who}_client_key']}\n")


def test_mutual_authentication_delivers(tmp_path, pki):
    lines = make_records(100, tag="tls")
    with Collector(tls=server_ctx(pki)) as c:
        proc = run_our_client(client_conf(tmp_path, c.port, tls_client_text(pki)), lines)
        assert proc.returncode == 0, proc.stderr.decode()
        assert c.wait_for(lambda: len(c.lines) == 100)
        assert c.lines == lines
        assert any("TLS connection from" in m and "subject commonName=ca client" in m
                   for _, m in c.logs)


def test_client_cert_from_wrong_ca_refused_and_logged(tmp_path, pki):
    with Collector(tls=server_ctx(pki)) as c:
        proc = run_our_client(client_conf(tmp_path, c.port, tls_client_text(pki, who="evil")),
                              make_records(3))
        assert proc.returncode == 1
        assert c.wait_for(lambda: any("op=tls" in x for _, x in c.events))
        assert c.lines == []
        refused = [x for t, x in c.events if t == DAEMON_ACCEPT]
        assert refused and all(x.startswith("op=tls addr=") and x.endswith("res=no")
                               for x in refused)
        assert any("TLS connection from" in m and "rejected" in m for _, m in c.logs)


def test_client_without_certificate_refused(pki):
    with Collector(tls=server_ctx(pki)) as c:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(pki["ca_ca"])
        with socket.create_connection(("127.0.0.1", c.port), timeout=5) as raw:
            with pytest.raises((ssl.SSLError, OSError)):
                with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                    s.sendall(b"type=USER msg=audit(1.0:1): sneaky\n")
                    if not s.recv(100):   # TLS 1.3: the refusal arrives on first read
                        raise OSError("closed")
        assert c.wait_for(lambda: any("op=tls" in x for _, x in c.events))
        assert c.lines == []



def test_plain_client_to_tls_listener(tmp_path, pki):
    with Collector(tls=server_ctx(pki)) as c:
        proc = run_our_client(client_conf(tmp_path, c.port, "max_time_per_record = 2\n"),
                              make_records(2))
        assert proc.returncode == 1
        assert c.wait_for(lambda: any("op=tls" in x for _, x in c.events))
        assert c.lines == []


def test_client_refuses_server_from_unknown_ca(tmp_path, pki):
    with Collector(tls=server_ctx(pki)) as c:
        proc = run_our_client(client_conf(tmp_path, c.port, tls_client_text(pki, ca="evil")),
                              make_records(2))
        assert proc.returncode == 1
        assert b"TLS connection to 127.0.0.1 failed" in proc.stderr
        assert c.lines == []


def test_context_errors(tmp_path, pki):
    with pytest.raises(TlsSetupError, match="cannot load CA file"):
        client_context(TlsFiles(str(tmp_path / "none"), pki["ca_client_cert"],
                                pki["ca_client_key"]))
    with pytest.raises(TlsSetupError, match="cannot load certificate"):
        server_context(TlsFiles(pki["ca_ca"], pki["ca_server_cert"], pki["evil_server_key"]))

    class Cfg:
        transport = "tls"
        tls_ca_file = pki["ca_ca"]
        tls_cert_file = None
        tls_key_file = None
    with pytest.raises(TlsSetupError, match="needs tls_cert_file, tls_key_file"):
        server_context_from_daemon_config(Cfg())
    Cfg.transport = "tcp"
    assert server_context_from_daemon_config(Cfg()) is None
