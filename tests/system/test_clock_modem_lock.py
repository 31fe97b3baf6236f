"""The clock reads the 4G network's time through the fire lane's notifier, on the simulated
dongle's pty: under the notifier's lock, so the clock never talks on the AT port while a call
rings or an SMS goes out, and it does not open a second session on the port."""

from __future__ import annotations

import datetime
import threading
import time

import pytest

from appliance.firelane.modem import ModemNotifier
from appliance.firelane.setup import FireLaneFeature
from appliance.system.clock_setup import modem_time
from hardware.modem import Modem, SimulatedModem

NITZ = datetime.datetime(2026, 12, 4, 9, 30, tzinfo=datetime.timezone.utc)


@pytest.fixture
def dongle():
    with SimulatedModem(rings_before_answer=6) as sim:
        sim.network_time = NITZ
        yield sim


@pytest.fixture
def notifier(dongle):
    def open_modem():
        modem = Modem(dongle.port, command_timeout=2.0, sms_timeout=10.0)
        modem.open()
        return modem

    n = ModemNotifier(open_modem, answer_timeout_s=20.0, description="simulated modem")
    yield n
    n.close()


def _span(commands: list[str], first: str, last: str) -> tuple[int, int]:
    start = next(i for i, c in enumerate(commands) if c.startswith(first))
    end = max(i for i, c in enumerate(commands) if c.startswith(last))
    return start, end


def test_the_clock_waits_while_a_call_rings_and_reads_the_time_after(dongle, notifier):
    results: list = []
    call = threading.Thread(target=lambda: results.append(
        notifier.send("13800000000", "消防通道被堵，请挪车", voice=True)))
    call.start()
    deadline = time.monotonic() + 5
    while not any(c.startswith("ATD") for c in dongle.commands) and time.monotonic() < deadline:
        time.sleep(0.02)
    asked_during = notifier.network_time(wait_s=0.5)  # the call holds the port: skip this time
    call.join(30)
    assert asked_during is None and results and results[0].channel == "call"
    assert notifier.network_time() == NITZ
    dial, hangup = _span(dongle.commands, "ATD", "ATH")
    assert not any(c.startswith(("AT+CCLK", "AT+CTZU")) for c in dongle.commands[dial:hangup + 1])


def test_an_sms_in_parts_is_never_interleaved_with_the_clock(dongle, notifier):
    text = "消防通道被堵，请立即挪车。" * 20  # several parts
    sms = threading.Thread(target=lambda: notifier.send("13800000000", text))
    times: list = []
    sms.start()
    while sms.is_alive():
        times.append(notifier.network_time(wait_s=20))
        time.sleep(0.01)
    sms.join()
    assert times and all(t == NITZ for t in times)
    first, last = _span(dongle.commands, "AT+CMGS", "AT+CMGS")
    assert sum(c.startswith("AT+CMGS") for c in dongle.commands) >= 3
    assert not any(c.startswith(("AT+CCLK", "AT+CTZU")) for c in dongle.commands[first:last + 1])


def test_the_clock_goes_through_the_fire_lanes_notifier(dongle, notifier):
    class Lane:
        pass

    class Ctx:
        def find(self, kind):
            feature = FireLaneFeature.__new__(FireLaneFeature)
            feature.lane = Lane()
            feature.lane.notifier = notifier
            return feature if kind is FireLaneFeature else None

    class Cfg:
        class firelane:  # noqa: N801 (the config section's shape)
            modem = "serial"
            modem_port = "/dev/no-such-port"  # a second session of its own would fail here

    read = modem_time(Cfg, Ctx())
    assert read() == NITZ
    assert dongle.commands.count("AT+CCLK?") == 1
