"""Ed25519 keys: the box's own pair (made once, 0600 in the data dir) and the pinned hub key.

Everything that crosses a channel is signed; the verifying side holds the other end's
public key from pairing, so a message from anyone else is "foreign" and refused.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from appliance.errors import LinliError
from appliance.files import read_or_create_private
from appliance.i18n import N_


class BadSignature(LinliError):
    msgid = N_("The signature does not match: the data was changed or comes from an unknown sender.")


def load_or_create_private_key(path: Path) -> Ed25519PrivateKey:
    pem = read_or_create_private(Path(path), lambda: Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return serialization.load_pem_private_key(pem, password=None)


def public_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte public key as base64 text (what pairing files and databases hold)."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_from_text(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError) as exc:
        raise LinliError("The public key is not valid.") from exc


def fingerprint(text: str) -> str:
    """A short hex fingerprint people can compare by eye on two screens."""
    digest = hashlib.sha256(base64.b64decode(text)).hexdigest()[:16]
    return " ".join(digest[i:i + 4] for i in range(0, 16, 4))


def verify(public: Ed25519PublicKey, signature: bytes, data: bytes) -> None:
    try:
        public.verify(signature, data)
    except InvalidSignature as exc:
        raise BadSignature() from exc
