"""The broker CA the hub made (``linli hub broker-ca``), carried on the pairing stick: the box
keeps its own copy and pins it for TLS to the broker when ``[sync] mqtt_ca_file`` names none,
so the installer has nothing to copy by hand."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from appliance.errors import LinliError
from appliance.i18n import N_

FILE_NAME = "broker-ca.pem"
MAX_BYTES = 64 * 1024


class BadBrokerCa(LinliError):
    msgid = N_("The broker certificate on the stick (%(file)s) is not a CA certificate: %(reason)s.")


def read_ca(path: Path) -> tuple[bytes, str]:
    """The PEM bytes and their SHA-256 fingerprint; raises when it is not one CA certificate."""
    path = Path(path)
    data = path.read_bytes()[:MAX_BYTES + 1]
    if len(data) > MAX_BYTES:
        raise BadBrokerCa(file=str(path), reason="too big")
    try:
        cert = x509.load_pem_x509_certificate(data)
        ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        ca = False
    except ValueError as exc:
        raise BadBrokerCa(file=str(path), reason="not PEM") from exc
    if not ca:
        raise BadBrokerCa(file=str(path), reason="not a CA")
    der = cert.public_bytes(serialization.Encoding.DER)
    return cert.public_bytes(serialization.Encoding.PEM), hashlib.sha256(der).hexdigest()


def pin(pem: bytes, sync_dir: Path) -> Path:
    target = Path(sync_dir) / FILE_NAME
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(pem)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target


def with_pinned_ca(cfg, sync_dir: Path):
    """``cfg`` with the pinned CA as ``mqtt_ca_file`` when TLS is on and none is configured."""
    pinned = Path(sync_dir) / FILE_NAME
    if getattr(cfg, "mqtt_tls", False) and not cfg.mqtt_ca_file and pinned.is_file():
        return dataclasses.replace(cfg, mqtt_ca_file=str(pinned))
    return cfg
