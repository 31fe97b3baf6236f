"""Reading the messages stored on the SIM: AT+CMGL=4 in PDU mode lists them, long messages
are joined from their parts, and each is deleted (AT+CMGD) once read, because a SIM holds only
a few dozen. Parts of a long message still missing stay on the SIM until they arrive; an
unreadable PDU is deleted and logged so it cannot block the storage."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from hardware.modem.deliver import decode_deliver
from hardware.modem.errors import PduError

logger = logging.getLogger(__name__)

_CMGL_RE = re.compile(r"^\+CMGL:\s*(\d+)")


@dataclass
class ReceivedSms:
    """A text message someone sent to the box (long ones joined from their parts)."""

    sender: str
    text: str
    indexes: list[int]


def read_inbox(command) -> list[ReceivedSms]:
    """``command`` sends one AT command and returns its information lines (Modem.command)."""
    lines = command("AT+CMGL=4")
    found = []
    for line, following in zip(lines, lines[1:] + [""]):
        m = _CMGL_RE.match(line)
        if not m:
            continue
        index = int(m.group(1))
        try:
            found.append((index, decode_deliver(following)))
        except PduError:
            logger.warning("unreadable SMS at index %s deleted", index)
            command(f"AT+CMGD={index}")
    groups: dict[tuple, list] = {}
    for index, msg in found:
        key = (msg.sender, msg.concat_ref, msg.parts) if msg.parts > 1 else (msg.sender, None, index)
        groups.setdefault(key, []).append((index, msg))
    out = []
    for items in groups.values():
        parts = {m.part: (i, m) for i, m in items}
        if len(parts) < items[0][1].parts:
            continue  # the rest of a long message is still on its way
        ordered = [parts[n] for n in sorted(parts)]
        for index, _msg in ordered:
            command(f"AT+CMGD={index}")
        out.append(ReceivedSms(ordered[0][1].sender, "".join(m.text for _i, m in ordered), [i for i, _m in ordered]))
    return out
