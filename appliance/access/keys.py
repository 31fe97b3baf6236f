"""The box's Ed25519 signing key (QR passes; the same key can sign sync batches) and the
keyed hash used to look up PINs and cards.

PINs are 6 digits: any hash of them can be brute-forced offline in a second, so a slow
hash buys nothing. Instead they are HMAC-ed with a key that lives only in the data
folder (derived from the box secret), so a copied database alone reveals nothing, and
the kiosk finds the owner with one indexed query.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from appliance.files import read_or_create_private

KEY_FILE = "box_ed25519.pem"


def load_or_create_signing_key(home: Path) -> Ed25519PrivateKey:
    path = Path(home) / KEY_FILE
    pem = read_or_create_private(path, lambda: Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return key


class BoxKeys:
    def __init__(self, signing_key: Ed25519PrivateKey, secret: str):
        self.signing_key = signing_key
        self.public_key: Ed25519PublicKey = signing_key.public_key()
        self._lookup_key = hmac.new(secret.encode(), b"linli access lookup v1", hashlib.sha256).digest()
        self._pseudonym_key = hmac.new(secret.encode(), b"linli access pseudonym v1", hashlib.sha256).digest()

    def sign(self, data: bytes) -> bytes:
        return self.signing_key.sign(data)

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self.public_key.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def lookup(self, kind: str, secret_value: str) -> str:
        return hmac.new(self._lookup_key, f"{kind}:{secret_value}".encode(), hashlib.sha256).hexdigest()

    def pseudonym(self, resident_uuid) -> str:
        """Stable per box and resident, meaningless elsewhere: what leaves the box instead of a name."""
        return hmac.new(self._pseudonym_key, str(resident_uuid).encode(), hashlib.sha256).hexdigest()[:20]
