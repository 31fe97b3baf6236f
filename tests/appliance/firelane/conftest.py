import datetime

import pytest

from appliance.firelane.notify import SimulatedNotifier
from appliance.firelane.lane import FireLane

OWNER_PHONE = "13800138000"
DUTY_PHONE = "13900139000"


class FakeClock:
    def __init__(self):
        self.t = datetime.datetime(2026, 5, 4, 8, 0, 0)

    def __call__(self):
        return self.t

    def advance(self, seconds):
        self.t += datetime.timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def notifier():
    return SimulatedNotifier()


@pytest.fixture
def firelane(runtime, notifier, clock, tmp_path):
    s = runtime.services
    return FireLane(runtime.db, s.audit, notifier, tmp_path / "evidence", "幸福里", clock=clock)


@pytest.fixture
def owner(services):
    reg = services.registry
    b = reg.save_building({"name": "3号楼"}, "test")
    u = reg.save_unit({"building_id": b.id, "number": "2单元301"}, "test")
    r = reg.save_resident({"name": "王伟", "phone": OWNER_PHONE, "unit_id": u.id}, "test")
    reg.add_vehicle(r.id, "京A12345", "test")
    return r
