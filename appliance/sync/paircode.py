"""Pairing by one-time code over MQTT, for boxes the district cannot reach with a stick.

The hub prints a code (``linli hub pair-code``); someone types it on the box
(``linli sync pair-code CODE``). Both sides derive a key from the code (PBKDF2, so an
eavesdropper cannot try all codes quickly) and MAC their public keys with it: the hub
accepts only a box that knows an unused code, the box pins only a hub key MACed with it.
"""

from __future__ import annotations

import hashlib
import hmac
import json

ITERATIONS = 200_000
SALT = b"linli-pair-v1"


def code_key(code: str) -> bytes:
    digits = "".join(ch for ch in code if ch.isdigit())
    return hashlib.pbkdf2_hmac("sha256", digits.encode(), SALT, ITERATIONS)


def _mac(key: bytes, *parts: str) -> str:
    return hmac.new(key, "|".join(parts).encode(), hashlib.sha256).hexdigest()


def box_request(key: bytes, box_id: str, public_key: str, name: str = "") -> bytes:
    return json.dumps({"box": box_id, "public_key": public_key, "name": name,
                       "mac": _mac(key, "box", box_id, public_key)}).encode()


def check_box_request(key: bytes, request: dict) -> bool:
    expected = _mac(key, "box", str(request.get("box")), str(request.get("public_key")))
    return hmac.compare_digest(expected, str(request.get("mac", "")))


def hub_reply(key: bytes, hub_id: str, public_key: str, box_id: str) -> bytes:
    return json.dumps({"hub": hub_id, "public_key": public_key, "mac": _mac(key, "hub", hub_id, public_key, box_id)}
                      ).encode()


def check_hub_reply(key: bytes, reply: dict, box_id: str) -> bool:
    expected = _mac(key, "hub", str(reply.get("hub")), str(reply.get("public_key")), box_id)
    return hmac.compare_digest(expected, str(reply.get("mac", "")))
