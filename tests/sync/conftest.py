"""Fixtures for sync tests: broker, proxy, PostgreSQL, paired box and hub homes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from appliance.config import load_config
from appliance.hub.service import HubService
from appliance.hub.store import open_hub_db
from appliance.hub.usb import write_pairing
from appliance.runtime import build_runtime
from appliance.sync.pairing import pair_from_stick
from tests.sync.realparts import Mosquitto, Postgres, TcpProxy


@pytest.fixture
def mosquitto(tmp_path):
    folder = tmp_path / "broker"
    folder.mkdir()
    broker = Mosquitto(folder)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def proxy(mosquitto):
    p = TcpProxy(mosquitto.port)
    yield p
    p.close()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    pg = Postgres(tmp_path_factory.mktemp("pg"))
    pg.start()
    yield pg
    pg.stop()


def write_config(home: Path, text: str) -> None:
    (home / "config.toml").write_text(text, encoding="utf-8")


def box_config(box_id: str, port: int | None, extra: str = "") -> str:
    text = f'[box]\nid = "{box_id}"\n'
    if port:
        text += (f'[sync]\nmqtt_host = "127.0.0.1"\nmqtt_port = {port}\nresend_initial_s = 1.0\n'
                 f'resend_max_s = 4.0\nstatus_interval_s = 5\nmqtt_keepalive_s = 5\n{extra}\n')
    return text


def hub_config(port: int, db_url: str = "", worker: str = "") -> str:
    return (f'[hub]\nid = "district-1"\nmqtt_host = "127.0.0.1"\nmqtt_port = {port}\n'
            f'db_url = "{db_url}"\nworker_id = "{worker}"\n')


class Pair:
    """A box home and a hub home, paired by USB file, ready for live processes."""

    def __init__(self, tmp: Path, box_id: str = "box-a", port: int | None = None, db_url: str = "",
                 box_extra: str = ""):
        self.box_home = tmp / box_id
        self.hub_home = tmp / "hub"
        self.box_home.mkdir(parents=True, exist_ok=True)
        self.hub_home.mkdir(parents=True, exist_ok=True)
        self.box_id = box_id
        self.db_url = db_url
        write_config(self.box_home, box_config(box_id, port, box_extra))
        write_config(self.hub_home, hub_config(port or 1883, db_url))
        stick = tmp / "pairing-stick"
        hub = self.open_hub()
        write_pairing(hub, stick)
        rt = build_runtime(load_config(self.box_home), immediate_tasks=True, hardware=False)
        pair_from_stick(rt.services.sync, stick)
        rt.close()
        write_pairing(hub, stick)
        hub.db.close()

    def open_hub(self) -> HubService:
        return HubService(open_hub_db(self.db_url, self.hub_home), "district-1", self.hub_home)

    def hub_events(self, hub: HubService | None = None) -> list[int]:
        """The ``n`` of every access event the hub stored for this box, in seq order.

        Pass the hub service a test already holds: hub models are bound to one database
        at a time, so a second connection would take the binding from it."""
        own = hub is None
        hub = hub or self.open_hub()
        try:
            from appliance.hub.models import HubEntry

            rows = HubEntry.select(HubEntry.payload).where(HubEntry.box == self.box_id,
                                                           HubEntry.kind == "access.event").order_by(HubEntry.seq)
            return [r.payload["n"] for r in rows]
        finally:
            if own:
                hub.db.close()


def assert_exactly_once(pair: Pair, total: int) -> None:
    got = pair.hub_events()
    assert len(got) == total, f"hub has {len(got)} events, expected {total}"
    assert sorted(got) == list(range(total)), "missing or duplicated events"


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def pair_factory(tmp_path):
    return lambda **kw: Pair(tmp_path, **kw)


def read_json(path: Path):
    return json.loads(Path(path).read_text())
