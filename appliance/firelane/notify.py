"""How incidents reach people: the notifier protocol and a simulated notifier.

A notifier hands one notice to the network: an SMS, or for the owner a voice call that
speaks the notice where the modem can, falling back to SMS. ``appliance.firelane.modem``
adapts the 4G modem driver to this; the simulated one keeps a history for tests and boxes
without a modem.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from appliance.errors import LinliError
from appliance.i18n import gettext as _

logger = logging.getLogger(__name__)


class NotifyError(LinliError):
    """The message could not be handed to the network (modem down, no signal)."""


@dataclass(frozen=True)
class Delivery:
    """How a notice went out: ``channel`` is "sms" or "call" (spoken in a call)."""

    channel: str
    ref: str
    detail: str = ""


class Notifier(Protocol):
    def send(self, number: str, text: str, *, voice: bool = False) -> Delivery:
        """Send one (possibly long) notice; ``voice`` asks for a spoken call first.

        Raises NotifyError when nothing reached the network."""

    def health(self) -> tuple[bool, str]:
        """(ok, detail) for /healthz."""

    def reports(self) -> list[tuple[int, str, str]]:
        """SMS delivery reports since the last call: (reference, number, state), where state
        is delivered, pending or failed; the reference is one part of ``Delivery.ref``."""

    def received(self) -> list[tuple[str, str]]:
        """Text messages people sent to the box since the last call: (sender, text)."""


@dataclass
class SentMessage:
    number: str
    text: str
    ref: str


@dataclass
class SimulatedNotifier:
    """Records every message and call; ``fail_next`` makes the next sends raise, like a modem
    with no signal; ``voice`` says whether calls can speak (and are answered)."""

    sent: list[SentMessage] = field(default_factory=list)
    calls: list[SentMessage] = field(default_factory=list)
    fail_next: int = 0
    voice: bool = False
    waiting_reports: list[tuple[int, str, str]] = field(default_factory=list)  # what the network will report
    incoming: list[tuple[str, str]] = field(default_factory=list)  # (sender, text) people will send

    def send(self, number: str, text: str, *, voice: bool = False) -> Delivery:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise NotifyError("simulated modem: no network")
        if voice and self.voice:
            ref = f"call-{len(self.calls) + 1}"
            self.calls.append(SentMessage(number, text, ref))
            logger.info("simulated call %s spoke a notice (%d characters)", ref, len(text))
            return Delivery("call", ref, "answered, spoken")
        ref = str(len(self.sent) + 1)
        self.sent.append(SentMessage(number, text, ref))
        logger.info("simulated SMS %s sent (%d characters)", ref, len(text))
        return Delivery("sms", ref, "voice not supported" if voice else "")

    def send_sms(self, number: str, text: str) -> str:
        return self.send(number, text).ref

    def health(self) -> tuple[bool, str]:
        return True, _("Practice modem (no real SMS): %(sms)s SMS and %(calls)s calls so far.",
                       sms=len(self.sent), calls=len(self.calls)), "simulated notifier"

    def report(self, ref: str, state: str = "delivered") -> None:
        """The network's delivery report for the SMS with reference ``ref``."""
        number = next(m.number for m in self.sent if m.ref == ref)
        self.waiting_reports.append((int(ref), number, state))

    def reports(self) -> list[tuple[int, str, str]]:
        out, self.waiting_reports = self.waiting_reports, []
        return out

    def received(self) -> list[tuple[str, str]]:
        out, self.incoming = self.incoming, []
        return out

    def close(self) -> None:
        pass


@dataclass
class NoModem:
    """The notifier when no modem is configured (firelane.modem = "off"): every notice fails,
    so the incident page shows why nobody was texted and the volunteer's badge still rises."""

    reason: str = "no 4G modem configured (firelane.modem = off)"

    def send(self, number: str, text: str, *, voice: bool = False) -> Delivery:
        raise NotifyError(self.reason)

    def health(self) -> tuple[bool, str]:
        return True, _("Off: nobody is texted about the fire lane; the overview still shows blocked lanes."), \
            self.reason

    def reports(self) -> list[tuple[int, str, str]]:
        return []

    def received(self) -> list[tuple[str, str]]:
        return []

    def close(self) -> None:
        pass
