"""Field policy: what personal data may leave the box, applied when a batch is serialised.

Default (config ``[sync]``): events carry a pseudonymous resident id instead of the
resident's uuid, counts and incidents leave as they are, plates leave (incidents need
them); names and phone numbers leave only when the district has enabled it; face data
never leaves, whatever the config says (DESIGN.md privacy rule 4).
"""

from __future__ import annotations

import hashlib
import hmac

# Keys that hold face or image data anywhere in a payload; removed at every depth.
FACE_KEYS = frozenset({"template", "embedding", "face", "face_template", "face_embedding", "photo", "image",
                       "face_image", "snapshot", "enrollment_photo", "liveness"})
NAME_KEYS = frozenset({"name", "resident_name", "owner_name", "display_name", "guardian_name"})
PHONE_KEYS = frozenset({"phone", "owner_phone", "mobile", "guardian_phone"})
PLATE_KEYS = frozenset({"plate"})
RESIDENT_ID_KEYS = frozenset({"resident_uuid", "resident_id"})


class FieldPolicy:
    def __init__(self, pseudonym_key: bytes, share_names: bool = False, share_phones: bool = False,
                 share_plates: bool = True, pseudonym=None):
        self._key = pseudonym_key
        self._pseudonym_fn = pseudonym
        self.share_names = share_names
        self.share_phones = share_phones
        self.share_plates = share_plates
        self._pseudonyms: dict[str, str] = {}

    def pseudonym(self, resident_id) -> str:
        # Stable per box so the district can count visits per person without knowing who.
        key = str(resident_id)
        value = self._pseudonyms.get(key)
        if value is None:
            value = (self._pseudonym_fn(key) if self._pseudonym_fn
                     else hmac.new(self._key, key.encode(), hashlib.sha256).hexdigest()[:12])
            self._pseudonyms[key] = value
        return value

    def apply(self, payload, kind: str = ""):
        if kind.startswith("resident.") and isinstance(payload, dict) and not self.share_names:
            # A register row's own uuid identifies the person as surely as a resident id.
            payload = dict(payload)
            if "uuid" in payload:
                payload["resident_uuid"] = payload.pop("uuid")
        if isinstance(payload, list):
            return [self.apply(item) for item in payload]
        if not isinstance(payload, dict):
            return payload
        out = {}
        for key, value in payload.items():
            k = key.lower()
            if k in FACE_KEYS or k.startswith("face_"):
                continue
            if k in NAME_KEYS and not self.share_names:
                continue
            if k in PHONE_KEYS and not self.share_phones:
                continue
            if k in PLATE_KEYS and not self.share_plates:
                continue
            if k in RESIDENT_ID_KEYS:
                if value is not None:
                    out["resident"] = self.pseudonym(value)
                continue
            out[key] = self.apply(value)
        return out
