"""A text to the responsible person that fails (no network in the plant room) is tried again
later, backing off, a bounded number of times; every attempt is in the history."""

from __future__ import annotations

from appliance.devices import sms
from appliance.firelane.setup import FireLaneFeature
from tests.devices.test_sensors import orders, wait_for, z2m  # noqa: F401  (fixture)


class Ticks:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_failed_text_is_sent_on_a_later_attempt(live_box, z2m):  # noqa: F811
    rt, feature = live_box
    modem = rt.feature(FireLaneFeature).simulated_modem
    texts = feature.texts
    ticks = texts.monotonic = Ticks()
    modem.network = False  # the dongle has no signal
    z2m.leak("leak-b3", wet=True)
    assert wait_for(lambda: len(orders("dev_water_leak")) == 1)
    assert texts.send_waiting() == 1
    assert texts.history[-1][2] != "sent" and texts.history[-1][3] == 1
    assert texts.waiting_retries() == 1 and modem.sent == []
    ticks.t += sms.RETRY_DELAYS_S[0] - 1
    assert texts.send_waiting() == 0  # not due yet: no hammering the modem
    modem.network = True  # the signal is back
    ticks.t += 2
    assert texts.send_waiting() == 1
    assert texts.history[-1][2:] == ("sent", 2)
    assert texts.waiting_retries() == 0
    assert len(modem.sent) == 1 and modem.sent[0].number.endswith("13800138000")


def test_retries_are_bounded_and_back_off(live_box, z2m):  # noqa: F811
    rt, feature = live_box
    modem = rt.feature(FireLaneFeature).simulated_modem
    texts = feature.texts
    ticks = texts.monotonic = Ticks()
    modem.network = False
    z2m.leak("leak-b3", wet=True)
    assert wait_for(lambda: len(orders("dev_water_leak")) == 1)
    texts.send_waiting()
    waits = []
    for delay in sms.RETRY_DELAYS_S:
        waits.append(delay)
        ticks.t += delay
        assert texts.send_waiting() == 1
    assert waits == sorted(waits) and waits[0] < waits[-1]  # backing off
    attempts = [h[3] for h in texts.history if h[2] != "given up"]
    assert attempts == list(range(1, sms.MAX_ATTEMPTS + 1))
    assert texts.history[-1][2] == "given up" and texts.waiting_retries() == 0
    ticks.t += 10_000
    assert texts.send_waiting() == 0  # nothing more after giving up
    assert modem.sent == []
