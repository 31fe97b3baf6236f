"""Modem errors: final result codes of the AT dialogue become exceptions with a reason."""

from __future__ import annotations

from hardware.errors import HardwareError

# The codes a dongle in the field actually returns (3GPP TS 27.007 9.2, 27.005 3.2.5).
CME_MESSAGES = {
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    13: "SIM failure",
    14: "SIM busy",
    16: "incorrect password",
    30: "no network service",
    31: "network timeout",
    32: "network not allowed - emergency calls only",
    100: "unknown error",
}
CMS_MESSAGES = {
    300: "ME failure",
    301: "SMS service of ME reserved",
    302: "operation not allowed",
    303: "operation not supported",
    304: "invalid PDU mode parameter",
    305: "invalid text mode parameter",
    310: "SIM not inserted",
    311: "SIM PIN required",
    313: "SIM failure",
    314: "SIM busy",
    320: "memory failure",
    322: "memory full",
    330: "SMSC address unknown",
    331: "no network service",
    332: "network timeout",
    340: "no +CNMA acknowledgement expected",
    500: "unknown error",
}
# Errors after which trying again later may succeed (network, SIM busy); the rest need a person.
TRANSIENT_CME = {14, 30, 31, 100}
TRANSIENT_CMS = {300, 314, 331, 332, 500}


class ModemError(HardwareError):
    """The modem is absent, unresponsive or refused a command."""


class ModemPortError(ModemError):
    """The serial port itself failed (dongle unplugged or reset by the USB bus)."""


class PduError(ModemError, ValueError):
    """A message or number cannot be encoded, or a PDU cannot be decoded."""


class ModemTimeout(ModemError):
    """No final result code arrived in time."""


class ModemCommandError(ModemError):
    """The modem answered ERROR, +CME ERROR or +CMS ERROR."""

    kind = "ERROR"
    messages: dict[int, str] = {}
    transient_codes: set[int] = set()

    def __init__(self, command: str, code: int | None = None, text: str | None = None):
        self.command = command
        self.code = code
        self.reason = text or (self.messages.get(code, "unknown error") if code is not None else "error")
        self.refs_sent: list[int] = []
        detail = f"{self.kind} {code}" if code is not None else self.kind
        super().__init__(f"{command}: {detail} ({self.reason})")

    @property
    def transient(self) -> bool:
        return self.code in self.transient_codes


class CmeError(ModemCommandError):
    kind = "+CME ERROR"
    messages = CME_MESSAGES
    transient_codes = TRANSIENT_CME


class CmsError(ModemCommandError):
    kind = "+CMS ERROR"
    messages = CMS_MESSAGES
    transient_codes = TRANSIENT_CMS


def parse_error_line(command: str, line: str) -> ModemCommandError | None:
    """Turn a final error line into an exception, or None when the line is not an error."""
    line = line.strip()
    if line == "ERROR":
        return ModemCommandError(command)
    for prefix, cls in (("+CME ERROR:", CmeError), ("+CMS ERROR:", CmsError)):
        if line.startswith(prefix):
            value = line[len(prefix):].strip()
            if value.isdigit():
                return cls(command, int(value))
            # Verbose mode (AT+CMEE=2) sends the text instead of the number.
            code = next((c for c, m in cls.messages.items() if m.lower() == value.lower()), None)
            return cls(command, code, value or None)
    return None
