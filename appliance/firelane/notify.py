"""How incidents reach people: the SMS notifier protocol and a simulated one.

The 4G modem driver (hardware/modem) will provide the real implementation; until it is on
main the runtime uses the simulated notifier, which keeps a history for tests and the demo.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

logger = logging.getLogger(__name__)


class NotifyError(Exception):
    """The message could not be handed to the network (modem down, no signal)."""


class Notifier(Protocol):
    def send_sms(self, number: str, text: str) -> str:
        """Send one (possibly long) SMS; returns a reference, raises NotifyError."""


@dataclass
class SentMessage:
    number: str
    text: str
    ref: str


@dataclass
class SimulatedNotifier:
    """Records every message; `fail_next` makes the next sends raise, like a modem with no signal."""

    sent: list[SentMessage] = field(default_factory=list)
    fail_next: int = 0

    def send_sms(self, number: str, text: str) -> str:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise NotifyError("simulated modem: no network")
        ref = f"sim-{len(self.sent) + 1}"
        self.sent.append(SentMessage(number, text, ref))
        logger.info("simulated SMS %s sent (%d characters)", ref, len(text))
        return ref
