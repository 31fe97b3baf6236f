import datetime

import pytest

from appliance.workorders.service import WorkOrderService


class FakeClock:
    def __init__(self, start=datetime.datetime(2026, 3, 2, 9, 0, 0)):  # a Monday
        self.t = start

    def __call__(self):
        return self.t

    def advance(self, **delta):
        self.t += datetime.timedelta(**delta)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def wo(runtime, clock):
    """The service on the runtime's database, with a clock the test moves."""
    service = WorkOrderService(runtime.db, runtime.services.audit, clock=clock)
    service.register_category("lamp", "路灯不亮", "Street lamp out", 48, default_assignee="电工老王",
                              group="devices")
    service.register_category("leak", "漏水", "Water leak", 4, group="devices")
    service.register_category("litter", "垃圾堆放", "Litter", 72, group="environment")
    return service


@pytest.fixture
def place(services):
    b = services.registry.save_building({"name": "3号楼"}, "t")
    u = services.registry.save_unit({"building_id": b.id, "number": "2单元301"}, "t")
    return {"building_id": b.id, "unit_id": u.id, "spot": "东侧路灯"}


@pytest.fixture
def resident(services, place):
    return services.registry.save_resident({"name": "王秀英", "phone": "13800138000", "unit_id": place["unit_id"]},
                                           "t")
