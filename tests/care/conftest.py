import datetime

import pytest

from appliance.care.service import CareService, CareSettings
from appliance.db.models import AccessEvent
from appliance.firelane.setup import FireLaneFeature
from tests.ringing import ring_without_waiting


class FakeClock:
    def __init__(self, start=datetime.datetime(2026, 3, 30, 9, 0, 0)):  # a Monday
        self.t = start

    def __call__(self):
        return self.t

    def advance(self, **delta):
        self.t += datetime.timedelta(**delta)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sim(runtime):
    """The simulated 4G dongle on a pty: it keeps every call (and what was spoken) and SMS."""
    modem = runtime.feature(FireLaneFeature).simulated_modem
    ring_without_waiting(runtime.feature(FireLaneFeature).lane.notifier)
    return modem


@pytest.fixture
def care(runtime, clock):
    """The care service on the runtime's database and modem, with a clock the test moves."""
    return CareService(runtime.db, runtime.services.audit, runtime.services.workorders,
                       runtime.feature(FireLaneFeature).lane.notifier, CareSettings(ack_minutes=60), clock=clock)


@pytest.fixture
def unit(services):
    b = services.registry.save_building({"name": "5号楼"}, "t")
    return services.registry.save_unit({"building_id": b.id, "number": "1单元102"}, "t")


@pytest.fixture
def elder(services, unit):
    return services.registry.save_resident({"name": "李桂兰", "phone": "13700137000", "unit_id": unit.id,
                                            "living_alone_elderly": "1", "birth_year": "1941"}, "t")


@pytest.fixture
def plan(care, elder, users, clock):
    clock.advance(days=-28)
    made = care.save_plan(elder.id, {"consent_by": "self", "health_consent": "1", "volunteer": "volunteer",
                                     "family_name": "李明", "family_phone": "13600136000",
                                     "water_meter": "0x00158d0001a2b3c4"}, "admin")
    clock.advance(days=28)
    return made


def gate_weeks(elder, end: datetime.datetime, days: int = 28, hours=(8, 11, 16, 19)):
    """Weeks of gate passes as the access log writes them: out and back a few times a day."""
    rows = []
    start = end.replace(hour=0, minute=0, second=0) - datetime.timedelta(days=days)
    for d in range(days):
        for h in hours:
            at = start + datetime.timedelta(days=d, hours=h, minutes=(d * 7) % 40)
            if at < end:
                rows.append({"at": at, "method": "pin", "granted": True, "reason": "ok", "resident": elder.id,
                             "source": "gate"})
    AccessEvent.insert_many(rows).execute()
    return rows
