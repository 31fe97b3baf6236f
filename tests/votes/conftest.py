"""A small community in the register and a vote on it, through the real services."""

from __future__ import annotations

import pytest


def make_community(services, layout=None):
    """layout: {building: [(unit, area or None, [(name, phone, role)])]} -> {(building, unit): [residents]}."""
    reg = services.registry
    layout = layout or {
        "1号楼": [("101", "80.50", [("张三", "13800000001", "owner")]),
                 ("102", "60.00", [("张三", "13800000001", "owner")]),
                 ("201", "90.25", [("李四", "13800000002", "owner"), ("李四妻", "13800000012", "owner")]),
                 ("202", "100.00", [])],
        "2号楼": [("101", "70.00", [("王五", "13800000003", "owner"), ("租客", "13800000004", "tenant")]),
                 ("102", "75.00", [("赵六", "13800000005", "owner")])],
    }
    people = {}
    for bname, units in layout.items():
        b = reg.save_building({"name": bname}, "test")
        for number, area, residents in units:
            u = reg.save_unit({"building_id": b.id, "number": number, "area_m2": area}, "test")
            people[(bname, number)] = [reg.save_resident({"name": n, "unit_id": u.id, "phone": p, "role": role,
                                                          "move_in": "2020-01-01"}, "test")
                                       for n, p, role in residents]
    return people


MATTERS = [{"title": "续聘物业公司", "item": "4"}, {"title": "加装电梯", "item": "7"}]


@pytest.fixture
def community(services):
    return make_community(services)


@pytest.fixture
def votes(services):
    return services.votes


@pytest.fixture
def open_vote(votes, community):
    vote = votes.service.save({"title": "2026年业主大会", "rule": "strict"}, MATTERS, "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=0)
    return votes.service.open(vote.id, "admin")
