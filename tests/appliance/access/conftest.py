"""A small community with a gate on mock pins, for the access tests."""

from __future__ import annotations

import datetime

import pytest


class Clock:
    """The access service's wall clock, movable by tests."""

    def __init__(self):
        self.t = datetime.datetime(2026, 11, 23, 10, 0, 0)  # a Monday morning

    def __call__(self):
        return self.t


@pytest.fixture
def clock(services):
    c = Clock()
    services.access.now = c
    return c


@pytest.fixture
def access(services, clock):
    return services.access


@pytest.fixture
def people(services):
    reg = services.registry
    b = reg.save_building({"name": "1号楼"}, "test")
    u = reg.save_unit({"building_id": b.id, "number": "1单元101"}, "test")
    made = {}
    for name, move_in, move_out in (("张三", "2020-01-01", ""), ("李四", "2020-01-01", "2026-06-30"),
                                    ("王五", "2027-01-01", "")):
        made[name] = reg.save_resident({"name": name, "unit_id": u.id, "move_in": move_in, "move_out": move_out},
                                       "test")
    return made


def relay_events(runtime):
    return [kind for kind in runtime.services.access.gate.events() if kind == "opened"]
