"""Reading the messages stored on the SIM: AT+CMGL=4 in PDU mode lists them, long messages
are joined from their parts, and each is deleted (AT+CMGD) once read, because a SIM holds only
a few dozen. Parts of a long message still missing stay on the SIM until they arrive, but not
for ever: once the first part has waited ``give_up_after`` seconds the parts that did arrive are
delivered (marked incomplete, "…" where a part is missing) and deleted, so a lost part neither
fills the SIM nor swallows the reply. An unreadable PDU is deleted and logged so it cannot
block the storage."""

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
    incomplete: bool = False


def read_inbox(command, waiting: dict | None = None, now: float = 0.0,
               give_up_after: float | None = None) -> list[ReceivedSms]:
    """``command`` sends one AT command and returns its information lines (Modem.command).

    ``waiting`` maps each incomplete long message to when it was first seen (``now`` on the
    caller's clock); the caller keeps it between calls. Without it, parts wait indefinitely."""
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
    for key, items in groups.items():
        parts = {m.part: (i, m) for i, m in items}
        total = items[0][1].parts
        incomplete = len(parts) < total
        if incomplete:
            if waiting is None or give_up_after is None:
                continue
            first_seen = waiting.setdefault(key, now)
            if now - first_seen < give_up_after:
                continue  # the rest of a long message is still on its way
            logger.warning("long SMS gave up waiting for %s of its %s parts", total - len(parts), total)
        if waiting is not None:
            waiting.pop(key, None)
        ordered = [parts[n] for n in sorted(parts)]
        for index, _msg in ordered:
            command(f"AT+CMGD={index}")
        text = "".join(parts[n][1].text if n in parts else "…" for n in range(1, total + 1)) if incomplete \
            else "".join(m.text for _i, m in ordered)
        out.append(ReceivedSms(ordered[0][1].sender, text, [i for i, _m in ordered], incomplete))
    if waiting is not None:
        for key in set(waiting) - set(groups):
            del waiting[key]  # deleted elsewhere (or the SIM was changed): forget it
    return out
