"""A box with the car gate switched on: entry barrier with a close relay, a ground loop and
a fire contact on gpiozero's MockFactory; an exit barrier with only its open relay."""

from __future__ import annotations

import pytest

from appliance.config import load_config

PARKING = """
[parking]
enabled = true
raise_pin = 5
lower_pin = 6
presence_pin = 16
fire_pin = 20
exit_raise_pin = 12
capacity = 3
"""


@pytest.fixture
def config(linli_home):
    (linli_home / "config.toml").write_text(PARKING, encoding="utf-8")
    cfg = load_config(linli_home)
    assert not cfg.problems, cfg.problems
    return cfg


@pytest.fixture
def parking(services):
    return services.parking


@pytest.fixture
def owner(services):
    reg = services.registry
    b = reg.save_building({"name": "3号楼"}, "test")
    u = reg.save_unit({"building_id": b.id, "number": "2单元302"}, "test")
    r = reg.save_resident({"name": "周建华", "unit_id": u.id, "move_in": "2019-05-01", "phone": "13900139000"},
                          "test")
    reg.add_vehicle(r.id, "京A12345", "test")
    return r


@pytest.fixture
def neighbour(services, owner):
    reg = services.registry
    r = reg.save_resident({"name": "吴芳", "unit_id": owner.household.unit_id, "move_in": "2019-05-01"}, "test")
    reg.add_vehicle(r.id, "京A12845", "test")
    return r
