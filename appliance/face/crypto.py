"""Encryption at rest for face templates: AES-256-GCM with the box's face key file.

The key lives in ``$LINLI_HOME/keys/face_templates.key`` (mode 0600), created once. Each
ciphertext is bound to its resident's UUID (associated data), so a template row copied onto
another resident does not decrypt.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from appliance.errors import LinliError
from appliance.files import read_or_create_private
from appliance.i18n import N_

KEY_FILE = Path("keys") / "face_templates.key"
NONCE_BYTES = 12


class TemplateKeyError(LinliError):
    msgid = N_("The face template key is missing or damaged; face entry is off until residents enroll again.")


def load_or_create_key(home: Path) -> bytes:
    key = read_or_create_private(Path(home) / KEY_FILE, lambda: secrets.token_bytes(32))
    if len(key) != 32:
        raise TemplateKeyError()
    return key


class TemplateCipher:
    def __init__(self, key: bytes):
        self._aead = AESGCM(key)

    @staticmethod
    def _context(resident_uuid: str) -> bytes:
        return f"linli-face-template:{resident_uuid}".encode()

    def encrypt(self, embedding: np.ndarray, resident_uuid: str) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        plain = np.asarray(embedding, dtype="<f4").tobytes()
        return nonce + self._aead.encrypt(nonce, plain, self._context(resident_uuid))

    def decrypt(self, blob: bytes, resident_uuid: str) -> np.ndarray:
        try:
            plain = self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], self._context(resident_uuid))
        except InvalidTag as exc:
            raise TemplateKeyError() from exc
        return np.frombuffer(plain, dtype="<f4").copy()
