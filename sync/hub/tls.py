"""The hub's own certificate authority and server certificate (no public CA needed).

Devices pin the CA: its pin is ``sha256:`` + the hex SHA-256 of the CA certificate's DER
bytes, printed by ``himaya-hub init`` and typed or scanned at enrolment. The CA key stays
in the data folder (owner-only) to issue a new server certificate when the hub's names
change; the server certificate is re-issued by ``init --host …`` without changing the pin.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT, CA_KEY = "ca.pem", "ca.key"
SERVER_CERT, SERVER_KEY = "server.pem", "server.key"
DEFAULT_HOSTS = ("localhost", "127.0.0.1")
CA_YEARS, SERVER_DAYS = 20, 825


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path

    @classmethod
    def in_folder(cls, data: Path) -> "TlsFiles":
        data = Path(data)
        return cls(data / CA_CERT, data / CA_KEY, data / SERVER_CERT, data / SERVER_KEY)


def pin_of(ca_pem: bytes | str) -> str:
    """The CA pin: ``sha256:`` + hex of the certificate's DER encoding."""
    raw = ca_pem.encode("ascii") if isinstance(ca_pem, str) else ca_pem
    der = x509.load_pem_x509_certificate(raw).public_bytes(serialization.Encoding.DER)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Himaya hub"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def create_ca(files: TlsFiles) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    name = _name("Himaya hub CA")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write_private(files.ca_key, _key_pem(key))
    _write_private(files.ca_cert, cert.public_bytes(serialization.Encoding.PEM))


def _alt_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def issue_server_certificate(files: TlsFiles, hosts: list[str] | tuple[str, ...]) -> None:
    """A server certificate for ``hosts`` (names or IP addresses), signed by the hub's CA."""
    ca_key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError("the hub's CA key is not an EC key")
    key = ec.generate_private_key(ec.SECP256R1())
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    hosts = list(dict.fromkeys(hosts)) or list(DEFAULT_HOSTS)
    cert = (x509.CertificateBuilder().subject_name(_name(hosts[0])).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=SERVER_DAYS))
            .add_extension(x509.SubjectAlternativeName([_alt_name(h) for h in hosts]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=True, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write_private(files.server_key, _key_pem(key))
    _write_private(files.server_cert, cert.public_bytes(serialization.Encoding.PEM)
                   + files.ca_cert.read_bytes())


def ensure_tls(data: Path, hosts: list[str] | tuple[str, ...]) -> tuple[TlsFiles, bool]:
    """The CA (created once) and a fresh server certificate; returns the files and if the CA is new."""
    files = TlsFiles.in_folder(data)
    created = not files.ca_cert.exists()
    if created:
        create_ca(files)
    issue_server_certificate(files, hosts)
    return files, created
