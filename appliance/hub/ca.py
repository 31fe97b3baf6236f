"""A certificate authority made by the hub for its broker's TLS, so a district needs no
outside CA: the hub keeps the CA key, signs the broker's server certificate for the names
and addresses boxes use, and gives boxes the CA certificate to pin at pairing (on the
pairing stick). Running it again re-issues the server certificate under the same CA, so
boxes already paired keep trusting the broker."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from appliance.errors import LinliError
from appliance.files import write_private
from appliance.i18n import N_

CA_DAYS = 20 * 365
SERVER_DAYS = 5 * 365


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Linli"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def fingerprint(cert_pem: bytes) -> str:
    cert = x509.load_pem_x509_certificate(cert_pem)
    digest = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 16, 2))


def make_broker_certs(folder: Path, hub_id: str, hosts: list[str], now: datetime.datetime | None = None) -> dict:
    """ca.crt, ca.key (0600), server.crt, server.key (0600) in ``folder``; the CA is made once."""
    hosts = [h.strip() for h in hosts if h and h.strip()]
    if not hosts:
        raise LinliError(N_("Give at least one name or address boxes use to reach the broker (--host)."))
    folder = Path(folder)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    ca_key_path, ca_crt_path = folder / "ca.key", folder / "ca.crt"
    if ca_key_path.exists() and ca_crt_path.exists():
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(ca_crt_path.read_bytes())
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        subject = _name(f"Linli hub {hub_id} broker CA")
        ca_cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                key_cert_sign=True, crl_sign=True, encipher_only=False,
                                                decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
                   .sign(ca_key, hashes.SHA256()))
        write_private(ca_key_path, _key_pem(ca_key))
        ca_crt_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (x509.CertificateBuilder().subject_name(_name(hosts[0])).issuer_name(ca_cert.subject)
              .public_key(server_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(hours=1))
              .not_valid_after(min(now + datetime.timedelta(days=SERVER_DAYS), ca_cert.not_valid_after_utc))
              .add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    write_private(folder / "server.key", _key_pem(server_key))
    (folder / "server.crt").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    return {"ca": ca_crt_path, "cert": folder / "server.crt", "key": folder / "server.key",
            "fingerprint": fingerprint(ca_crt_path.read_bytes())}
