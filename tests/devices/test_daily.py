"""Daily figures for the district hub: one outbox entry a day, no person's name in it."""

from __future__ import annotations

import datetime

from appliance.db.models import OutboxEntry
from appliance.devices.daily import KIND
from appliance.sync.policy import FieldPolicy
from tests.devices.conftest import EVENING


def test_yesterdays_figures_go_to_the_outbox_once(box, clock):
    _, feature = box
    svc = feature.service
    clock.at = EVENING
    for t in (18.0, 20.0):
        svc.sensors.handle("zigbee2mqtt/climate-1", f'{{"temperature": {t}, "battery": 90}}'.encode())
    for _ in range(181):  # half an hour of burning, in 10-second ticks
        svc.lamps.tick()
        clock.advance(seconds=10)
    clock.at = datetime.datetime(2026, 12, 5, 1, 0)
    svc.checkpoint()
    assert svc.daily.publish_yesterday() is True
    assert svc.daily.publish_yesterday() is False  # already queued
    entries = list(OutboxEntry.select().where(OutboxEntry.kind == KIND))
    assert len(entries) == 1
    payload = entries[0].payload
    assert payload["day"] == "2026-12-04"
    figures = {d["device"]: d["figures"] for d in payload["devices"]}
    assert figures["climate-1"]["temperature"] == {"n": 2, "mean": 19.0, "min": 18.0, "max": 20.0}
    assert figures["gate-2"]["on_hours"] == 0.5 and figures["gate-2"]["kwh"] == 0.05
    leaving = FieldPolicy(b"k" * 32).apply(payload, KIND)
    assert leaving == payload  # nothing in it the policy would have to strip
    assert "李工" not in str(payload) and "王师傅" not in str(payload)  # responsible people stay on the box
