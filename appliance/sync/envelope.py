"""The one signed wire format, for batches (box -> hub), acks and downlink (hub -> box).

    b"LNL1" | kind (1 byte) | u32 header length | header JSON | u32 body length | body | Ed25519 signature (64)

The signature covers every byte before it. The same bytes travel as an MQTT payload or
as a file on a USB stick. A truncated or padded message fails the length checks before
the signature is even looked at; a changed one fails the signature.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

from appliance.errors import LinliError
from appliance.i18n import N_
from appliance.sync.keys import verify

MAGIC = b"LNL1"
SIG_LEN = 64
SCHEMA_VERSION = 1
UPLINK, ACK, DOWNLINK = b"U", b"A", b"D"
_U32 = struct.Struct(">I")


class BadEnvelope(LinliError):
    msgid = N_("The sync data is damaged or incomplete (%(reason)s).")


@dataclass
class Envelope:
    kind: bytes
    header: dict
    body: bytes
    signed: bytes  # the bytes the signature covers
    signature: bytes


def pack(kind: bytes, header: dict, body: bytes, private_key) -> bytes:
    head = json.dumps(header, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    signed = MAGIC + kind + _U32.pack(len(head)) + head + _U32.pack(len(body)) + body
    return signed + private_key.sign(signed)


def parse(data: bytes) -> Envelope:
    """Split without trusting anything; call :func:`check` with the sender's key next."""
    if len(data) < len(MAGIC) + 1 + 4 + 4 + SIG_LEN or data[:4] != MAGIC:
        raise BadEnvelope(reason="not a Linli message")
    kind = data[4:5]
    pos = 5
    (head_len,) = _U32.unpack_from(data, pos)
    pos += 4
    if pos + head_len + 4 + SIG_LEN > len(data):
        raise BadEnvelope(reason="truncated")
    try:
        header = json.loads(data[pos:pos + head_len])
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadEnvelope(reason="header") from exc
    if not isinstance(header, dict):
        raise BadEnvelope(reason="header")
    pos += head_len
    (body_len,) = _U32.unpack_from(data, pos)
    pos += 4
    if pos + body_len + SIG_LEN != len(data):
        raise BadEnvelope(reason="truncated" if pos + body_len + SIG_LEN > len(data) else "trailing data")
    body = data[pos:pos + body_len]
    return Envelope(kind, header, body, data[:-SIG_LEN], data[-SIG_LEN:])


def check(env: Envelope, public_key, kind: bytes) -> Envelope:
    if env.kind != kind:
        raise BadEnvelope(reason="wrong message type")
    verify(public_key, env.signature, env.signed)
    if env.header.get("v") != SCHEMA_VERSION:
        raise BadEnvelope(reason="schema version %s" % env.header.get("v"))
    return env
