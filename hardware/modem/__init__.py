"""SMS and voice calls through a USB 4G dongle, plus a simulated dongle on a pty."""

from hardware.modem.errors import (
    CmeError,
    CmsError,
    ModemCommandError,
    ModemError,
    ModemPortError,
    ModemTimeout,
    PduError,
)
from hardware.modem.modem import Modem
from hardware.modem.voice import CallResult
from hardware.modem.pdu import StatusReport, decode_submit, encode_submit, normalize_number
from hardware.modem.simulated import SentSms, SimCall, SimulatedModem

__all__ = [
    "CallResult",
    "CmeError",
    "CmsError",
    "Modem",
    "ModemCommandError",
    "ModemError",
    "ModemPortError",
    "ModemTimeout",
    "PduError",
    "SentSms",
    "SimCall",
    "SimulatedModem",
    "StatusReport",
    "decode_submit",
    "encode_submit",
    "normalize_number",
]
