"""What people type or scan at the kiosk: PINs, card numbers and signed QR codes.

QR format (fits a small QR code, readable by any USB scanner)::

    LQ1:<kind>:<id, 32 hex>:<version>:<expires, unix seconds>:<Ed25519 signature, base64url>

kind ``r`` = a resident's personal code (``version`` must match the credential, so
re-issuing a code retires every printed copy), ``v`` = a visitor pass (``version`` 0).
The signature covers everything before the last colon. Verification is offline.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from appliance.errors import LinliError

PREFIX = "LQ1"
MAX_INPUT = 512
_QR = re.compile(r"LQ1:([rv]):([0-9a-f]{32}):([0-9]{1,6}):([0-9]{1,10}):([A-Za-z0-9_-]{86})")
_DIGITS = re.compile(r"[0-9]+")


class CodeInvalid(LinliError):
    """``reason`` is the access-log reason code."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__("This code is not valid.")


@dataclass(frozen=True)
class QrToken:
    kind: str
    ident: str
    version: int
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_qr(keys, kind: str, ident: str, version: int, expires: int) -> str:
    if kind not in ("r", "v") or not re.fullmatch(r"[0-9a-f]{32}", ident):
        raise ValueError("bad QR token fields")
    body = f"{PREFIX}:{kind}:{ident}:{int(version)}:{int(expires)}"
    return f"{body}:{_b64(keys.sign(body.encode()))}"


def parse_qr(keys, text: str) -> QrToken:
    """Return the token or raise :class:`CodeInvalid` (reason ``malformed`` or ``bad_signature``)."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        raise CodeInvalid("malformed")
    match = _QR.fullmatch(text.strip())
    if not match:
        raise CodeInvalid("malformed")
    kind, ident, version, expires, sig = match.groups()
    body = text.strip().rsplit(":", 1)[0]
    try:
        signature = _unb64(sig)
    except ValueError:
        raise CodeInvalid("malformed") from None
    if len(signature) != 64 or not keys.verify(signature, body.encode()):
        raise CodeInvalid("bad_signature")
    return QrToken(kind, ident, int(version), int(expires))


def clean_pin(text, length: int) -> str | None:
    """The PIN if ``text`` is exactly ``length`` ASCII digits, else None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    return text if len(text) == length and text.isascii() and _DIGITS.fullmatch(text) else None


def clean_card(text) -> str | None:
    """Card readers type 4-20 digits (leading zeros matter); anything else is not a card."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    return text if 4 <= len(text) <= 20 and text.isascii() and _DIGITS.fullmatch(text) else None


def looks_like_qr(text: str) -> bool:
    return isinstance(text, str) and text.strip().upper().startswith(PREFIX + ":")
