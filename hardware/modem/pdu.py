"""SMS-SUBMIT PDU encoding (3GPP TS 23.040 / 23.038) and the decoder the simulator uses.

We build PDUs ourselves because text mode (AT+CMGF=1) handles Chinese differently on
every dongle; PDU mode with UCS-2 behaves the same on all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hardware.modem.errors import PduError

# GSM 03.38 default alphabet, index = septet value. ESC (0x1B) introduces the extension table.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = {
    "\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F,
    "[": 0x3C, "~": 0x3D, "]": 0x3E, "|": 0x40, "€": 0x65,
}
_GSM7_INDEX = {ch: i for i, ch in enumerate(GSM7_BASIC) if ch != "\x1b"}
_GSM7_EXT_REVERSE = {v: k for k, v in GSM7_EXTENSION.items()}
ESC = 0x1B

DCS_GSM7 = 0x00
DCS_UCS2 = 0x08

# Single-part capacity and per-part capacity once a 6-octet concatenation header is present.
GSM7_SINGLE, GSM7_PART = 160, 153  # septets
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units
MAX_PARTS = 255

# First octet: SMS-SUBMIT, relative validity period present.
_MTI_SUBMIT = 0x01
_VPF_RELATIVE = 0x10
_SRR = 0x20
_UDHI = 0x40
VALIDITY_24H = 0xA7  # relative format: 12 h + (167 - 143) * 30 min

_IEI_CONCAT_8BIT = 0x00


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM7_INDEX or ch in GSM7_EXTENSION for ch in text)


def gsm7_septets(text: str) -> list[int]:
    out: list[int] = []
    for ch in text:
        if ch in _GSM7_INDEX:
            out.append(_GSM7_INDEX[ch])
        elif ch in GSM7_EXTENSION:
            out.extend((ESC, GSM7_EXTENSION[ch]))
        else:
            raise PduError(f"character {ch!r} is not in the GSM 7-bit alphabet")
    return out


def septets_to_text(septets: list[int]) -> str:
    chars: list[str] = []
    escaped = False
    for s in septets:
        if escaped:
            # Unknown extension codes fall back to the basic character (23.038 6.2.1.1).
            chars.append(_GSM7_EXT_REVERSE.get(s, GSM7_BASIC[s]))
            escaped = False
        elif s == ESC:
            escaped = True
        else:
            chars.append(GSM7_BASIC[s])
    return "".join(chars)


def pack_septets(septets: list[int], fill_bits: int = 0) -> bytes:
    acc, nbits = 0, fill_bits
    out = bytearray()
    for s in septets:
        acc |= (s & 0x7F) << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits > 0:
        out.append(acc & 0xFF)
    return bytes(out)


def unpack_septets(data: bytes, count: int, fill_bits: int = 0) -> list[int]:
    acc = int.from_bytes(data, "little") >> fill_bits
    if (len(data) * 8 - fill_bits) < count * 7:
        raise PduError("user data shorter than its length says")
    return [(acc >> (7 * i)) & 0x7F for i in range(count)]


def _fill_bits(udh_octets: int) -> int:
    return (7 - (udh_octets * 8) % 7) % 7


def normalize_number(number: str, default_country: str = "86") -> str:
    """Return the number in +<country><subscriber> form (short codes are kept as digits).

    Chinese mobile numbers are 11 digits starting with 1; residents type them without
    the country code, and the modem needs the international form for roaming SIMs.
    """
    raw = re.sub(r"[\s\-().]", "", number or "")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+"):
        digits = raw[1:]
        if not digits.isdigit() or not 6 <= len(digits) <= 15:
            raise PduError("phone number is not a valid international number")
        return raw
    if not raw.isdigit() or not 3 <= len(raw) <= 20:
        raise PduError("phone number must contain only digits (and an optional leading +)")
    if default_country == "86":
        if len(raw) == 11 and raw.startswith("1"):
            return "+86" + raw
        if raw.startswith("86") and len(raw) == 13 and raw[2] == "1":
            return "+" + raw
    # Service numbers such as 10086 or 12345 are dialled as they are.
    return raw


def encode_address(number: str) -> bytes:
    """TP-DA: digit count, type of address, swapped BCD semi-octets."""
    international = number.startswith("+")
    digits = number[1:] if international else number
    if not digits.isdigit():
        raise PduError("address must be digits")
    toa = 0x91 if international else 0x81
    padded = digits + ("F" if len(digits) % 2 else "")
    swapped = bytes(int(padded[i + 1] + padded[i], 16) for i in range(0, len(padded), 2))
    return bytes((len(digits), toa)) + swapped


def decode_address(data: bytes, offset: int) -> tuple[str, int]:
    ndigits, toa = data[offset], data[offset + 1]
    nbytes = (ndigits + 1) // 2
    body = data[offset + 2: offset + 2 + nbytes]
    if len(body) != nbytes:
        raise PduError("address truncated")
    if (toa & 0x70) == 0x50:  # alphanumeric sender, packed GSM 7-bit
        text = septets_to_text(unpack_septets(body, ndigits * 4 // 7))
        return text, offset + 2 + nbytes
    digits = "".join(f"{b & 0x0F:X}{b >> 4:X}" for b in body)[:ndigits]
    prefix = "+" if (toa & 0x70) == 0x10 else ""
    return prefix + digits, offset + 2 + nbytes


@dataclass(frozen=True)
class SubmitPdu:
    """One SMS-SUBMIT ready for AT+CMGS: ``hex`` includes a zero SMSC octet, ``length`` does not."""

    hex: str
    length: int
    part: int
    parts: int


def _split_gsm7(text: str, per_part: int) -> list[list[int]]:
    parts: list[list[int]] = [[]]
    for ch in text:
        code = gsm7_septets(ch)
        # An escape pair must stay in one part, or the receiver shows a stray character.
        if len(parts[-1]) + len(code) > per_part:
            parts.append([])
        parts[-1].extend(code)
    return parts


def _split_ucs2(text: str, per_part: int) -> list[bytes]:
    parts: list[bytes] = [b""]
    for ch in text:
        code = ch.encode("utf-16-be")  # astral characters become a surrogate pair, kept together
        if len(parts[-1]) + len(code) > per_part * 2:
            parts.append(b"")
        parts[-1] += code
    return parts


def encode_submit(
    number: str,
    text: str,
    *,
    reference: int = 0,
    status_report: bool = False,
    validity: int = VALIDITY_24H,
) -> list[SubmitPdu]:
    """Encode ``text`` to ``number`` as one or more SMS-SUBMIT PDUs.

    GSM 7-bit when every character fits the default alphabet, UCS-2 otherwise; long texts
    become a concatenated SMS whose parts share ``reference`` (0..255).
    """
    if not text:
        raise PduError("message text is empty")
    address = encode_address(number)
    gsm = is_gsm7(text)
    if gsm:
        septets = gsm7_septets(text)
        chunks = [septets] if len(septets) <= GSM7_SINGLE else _split_gsm7(text, GSM7_PART)
    else:
        encoded = text.encode("utf-16-be")
        chunks = [encoded] if len(encoded) <= UCS2_SINGLE * 2 else _split_ucs2(text, UCS2_PART)
    total = len(chunks)
    if total > MAX_PARTS:
        raise PduError(f"message needs {total} parts; at most {MAX_PARTS} are possible")

    pdus: list[SubmitPdu] = []
    for index, chunk in enumerate(chunks, start=1):
        udh = b""
        if total > 1:
            udh = bytes((5, _IEI_CONCAT_8BIT, 3, reference & 0xFF, total, index))
        first = _MTI_SUBMIT | _VPF_RELATIVE | (_UDHI if udh else 0) | (_SRR if status_report else 0)
        if gsm:
            body = pack_septets(chunk, _fill_bits(len(udh)) if udh else 0)
            udl = len(chunk) + (len(udh) * 8 + 6) // 7
        else:
            body = chunk
            udl = len(udh) + len(chunk)
        tpdu = (
            bytes((first, 0x00))  # TP-MR 0: the modem assigns the reference
            + address
            + bytes((0x00, DCS_GSM7 if gsm else DCS_UCS2, validity & 0xFF, udl))
            + udh
            + body
        )
        pdus.append(SubmitPdu(hex="00" + tpdu.hex().upper(), length=len(tpdu), part=index, parts=total))
    return pdus


@dataclass
class DecodedSubmit:
    number: str
    text: str
    dcs: int
    concat_ref: int | None = None
    part: int = 1
    parts: int = 1
    status_report: bool = False
    raw: bytes = field(default=b"", repr=False)


def decode_submit(pdu_hex: str, *, with_smsc: bool = True) -> DecodedSubmit:
    """Decode an SMS-SUBMIT PDU (as sent after AT+CMGS)."""
    try:
        data = bytes.fromhex(pdu_hex.strip())
    except ValueError as exc:
        raise PduError("PDU is not hexadecimal") from exc
    try:
        return _decode_submit(data, with_smsc)
    except IndexError as exc:
        raise PduError("PDU truncated") from exc


def _decode_submit(data: bytes, with_smsc: bool) -> DecodedSubmit:
    pos = 1 + data[0] if with_smsc else 0
    first = data[pos]
    if first & 0x03 != _MTI_SUBMIT:
        raise PduError("not an SMS-SUBMIT")
    pos += 2  # first octet, TP-MR
    number, pos = decode_address(data, pos)
    pos += 1  # TP-PID
    dcs = data[pos]
    pos += 1
    vpf = (first >> 3) & 0x03
    pos += {0: 0, 2: 1}.get(vpf, 7)
    udl = data[pos]
    ud = data[pos + 1:]
    udh = b""
    if first & _UDHI:
        udhl = ud[0]
        udh = ud[1: 1 + udhl]
        if len(udh) != udhl:
            raise PduError("user data header truncated")
    alphabet = (dcs >> 2) & 0x03 if dcs & 0xC0 == 0 else 0
    udh_octets = 1 + len(udh) if udh else 0
    if alphabet == 0:
        count = udl - ((udh_octets * 8 + 6) // 7 if udh else 0)
        septets = unpack_septets(ud[udh_octets:], count, _fill_bits(udh_octets) if udh else 0)
        text = septets_to_text(septets)
    elif alphabet == 2:
        body = ud[udh_octets:udl]
        if len(body) != udl - udh_octets:
            raise PduError("user data shorter than its length says")
        text = body.decode("utf-16-be", errors="surrogatepass")
    else:
        text = ud[udh_octets:udl].hex()
    decoded = DecodedSubmit(number=number, text=text, dcs=dcs, status_report=bool(first & _SRR), raw=data)
    i = 0
    while i + 1 < len(udh):
        iei, length = udh[i], udh[i + 1]
        value = udh[i + 2: i + 2 + length]
        if iei == _IEI_CONCAT_8BIT and length == 3:
            decoded.concat_ref, decoded.parts, decoded.part = value[0], value[1], value[2]
        elif iei == 0x08 and length == 4:
            decoded.concat_ref = (value[0] << 8) | value[1]
            decoded.parts, decoded.part = value[2], value[3]
        i += 2 + length
    return decoded


def ucs2_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


# -- delivery reports -------------------------------------------------------------

_MTI_STATUS_REPORT = 0x02


@dataclass(frozen=True)
class StatusReport:
    """An SMS-STATUS-REPORT: what became of the message with reference ``ref``."""

    ref: int
    number: str
    status: int

    @property
    def state(self) -> str:
        # 23.040 9.2.3.15: 0x00-0x1F completed, 0x20-0x3F still trying, the rest failed.
        if self.status <= 0x1F:
            return "delivered"
        if self.status <= 0x3F:
            return "pending"
        return "failed"


def _timestamp(year=26, month=1, day=1, hour=0, minute=0, second=0, tz_quarters=32) -> bytes:
    values = (year % 100, month, day, hour, minute, second, tz_quarters)
    return bytes(((v % 10) << 4) | (v // 10) for v in values)


def encode_status_report(ref: int, number: str, status: int) -> str:
    """Build an SMS-STATUS-REPORT as a network would deliver it (used by the simulator)."""
    tpdu = (
        bytes((_MTI_STATUS_REPORT, ref & 0xFF))
        + encode_address(number)
        + _timestamp()
        + _timestamp(second=5)
        + bytes((status & 0xFF,))
    )
    return "00" + tpdu.hex().upper()


def decode_status_report(pdu_hex: str) -> StatusReport:
    try:
        data = bytes.fromhex(pdu_hex.strip())
        pos = 1 + data[0]
        if data[pos] & 0x03 != _MTI_STATUS_REPORT:
            raise PduError("not an SMS-STATUS-REPORT")
        ref = data[pos + 1]
        number, pos = decode_address(data, pos + 2)
        status = data[pos + 14]  # after the service-centre and discharge timestamps
    except (ValueError, IndexError) as exc:
        raise PduError("status report PDU is malformed") from exc
    return StatusReport(ref=ref, number=number, status=status)
