"""SMS-DELIVER PDUs: the messages people send to the box, as the modem lists them with
AT+CMGL in PDU mode (and as the simulated dongle stores them)."""

from __future__ import annotations

from dataclasses import dataclass

from hardware.modem.errors import PduError
from hardware.modem.pdu import (_MTI_SUBMIT, _UDHI, _decode_submit, _timestamp, decode_address, encode_address,
                                 encode_submit)

_MTI_DELIVER = 0x00
_MMS_NO_MORE = 0x04


@dataclass
class DecodedDeliver:
    """An SMS-DELIVER (a message someone sent to the box) as AT+CMGL lists it."""

    sender: str
    text: str
    dcs: int
    concat_ref: int | None = None
    part: int = 1
    parts: int = 1


def encode_deliver(sender: str, text: str, *, reference: int = 0) -> list[str]:
    """Build the SMS-DELIVER PDUs a network hands the modem for ``text`` from ``sender``
    (used by the simulator; same alphabets and splitting as :func:`encode_submit`)."""
    out = []
    for submit in encode_submit(sender, text, reference=reference):
        tpdu = bytes.fromhex(submit.hex)[1:]  # without the zero SMSC octet
        first = tpdu[0]
        address_len = 2 + (tpdu[2] + 1) // 2
        oa = tpdu[2: 2 + address_len]
        pid, dcs = tpdu[2 + address_len], tpdu[3 + address_len]
        rest = tpdu[5 + address_len:]  # after the validity period: UDL and the user data
        deliver = bytes((_MTI_DELIVER | _MMS_NO_MORE | (first & _UDHI),)) + oa + bytes((pid, dcs)) + \
            _timestamp(26, 3, 1, 9, 30, 0) + rest
        out.append("00" + deliver.hex().upper())
    return out


def decode_deliver(pdu_hex: str) -> DecodedDeliver:
    """Decode an SMS-DELIVER PDU with its leading SMSC field (as +CMGL/+CMGR show it)."""
    try:
        data = bytes.fromhex(pdu_hex.strip())
    except ValueError as exc:
        raise PduError("PDU is not hexadecimal") from exc
    try:
        pos = 1 + data[0]
        first = data[pos]
        if first & 0x03 != _MTI_DELIVER:
            raise PduError("not an SMS-DELIVER")
        sender, pos = decode_address(data, pos + 1)
        dcs = data[pos + 1]
        pos += 2 + 7  # PID, DCS, service centre time stamp
        # The user data is laid out as in a SUBMIT: decode it with the same code.
        fake = bytes((0x00, _MTI_SUBMIT | (first & _UDHI), 0x00)) + encode_address("0") + \
            bytes((0x00, dcs)) + data[pos:]
        body = _decode_submit(fake, True)
    except IndexError as exc:
        raise PduError("PDU truncated") from exc
    return DecodedDeliver(sender=sender, text=body.text, dcs=dcs, concat_ref=body.concat_ref, part=body.part,
                          parts=body.parts)
