"""Fixtures for the devices feature: a box with two lamp circuits and four sensors, a test
clock, gpiozero's MockFactory pins, and (for the MQTT tests) a real mosquitto."""

from __future__ import annotations

import datetime

import pytest

from appliance.config import load_config
from appliance.devices.setup import DevicesFeature
from appliance.i18n import set_locale
from appliance.runtime import build_runtime
from tests.sync.realparts import Mosquitto

CONFIG = """
[devices]
latitude = 26.08
longitude = 119.30
dim_at = "00:00"
dim_level = 0.5
all_night_dates = ["2027-02-06"]
fault_after_s = 10
mqtt_host = "{host}"
mqtt_port = {port}
chirpstack = true
{extra}

[[devices.lamps]]
name = "east-1"
place = "3号楼东侧"
relay_pin = 5
dim_pin = 12
current_pin = 13
watts = 200
responsible = "王师傅"

[[devices.lamps]]
name = "gate-2"
place = "北门"
relay_pin = 6
watts = 100
responsible = "王师傅"

[[devices.sensors]]
name = "leak-b3"
kind = "water_leak"
place = "3号楼地下室"
responsible = "李工"
responsible_phone = "13800138000"
interval_h = 1

[[devices.sensors]]
name = "manhole-7"
kind = "tilt"
place = "7号井盖"
responsible = "市政张"
interval_h = 2

[[devices.sensors]]
name = "garbage-n"
kind = "garbage"
place = "北垃圾屋"
responsible = "保洁刘"
interval_h = 1

[[devices.sensors]]
name = "climate-1"
kind = "climate"
place = "配电房"
responsible = "李工"
interval_h = 1
"""

# 2026-12-04 in Fuzhou: sunset 17:10, so the lamps go on at 17:20 and off at 06:25.
EVENING = datetime.datetime(2026, 12, 4, 17, 30)
NOON = datetime.datetime(2026, 12, 4, 12, 0)


class TestClock:
    def __init__(self, at: datetime.datetime):
        self.at = at

    def __call__(self) -> datetime.datetime:
        return self.at

    def advance(self, **kw) -> None:
        self.at += datetime.timedelta(**kw)


def write_box(home, port: int | None = None, extra: str = "") -> None:
    text = CONFIG.format(host="127.0.0.1" if port else "", port=port or 1883, extra=extra)
    (home / "config.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def clock():
    return TestClock(NOON)


def build(home, clock):
    set_locale("zh_CN")
    cfg = load_config(home)
    assert not cfg.problems, cfg.problems
    rt = build_runtime(cfg, immediate_tasks=True, hardware=True)
    feature = rt.feature(DevicesFeature)
    feature.clock.fn = clock
    return rt, feature


@pytest.fixture
def box(linli_home, clock):
    write_box(linli_home)
    rt, feature = build(linli_home, clock)
    yield rt, feature
    rt.close()


@pytest.fixture
def mosquitto(tmp_path):
    folder = tmp_path / "broker"
    folder.mkdir()
    broker = Mosquitto(folder)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def devices_extra() -> str:
    """More ``[devices]`` settings for the box (a test module overrides this fixture)."""
    return ""


@pytest.fixture
def live_box(linli_home, clock, mosquitto, devices_extra):
    """The box with its MQTT link started against the real broker (no background loop: the
    tests tick by hand on the test clock)."""
    write_box(linli_home, mosquitto.port, devices_extra)
    rt, feature = build(linli_home, clock)
    link = feature.service.link
    link.start()
    assert link.subscribed.wait(10), "the box did not reach the broker"
    yield rt, feature
    rt.close()
