"""A believable demo community: buildings, units with floor area, households, residents,
vehicles with valid plates and staff accounts. Seeded, so every demo box looks the same."""

from __future__ import annotations

import datetime
import random

from appliance.db.models import Building, Household, Resident, Unit, Vehicle
from appliance.registry.service import resident_payload
from appliance.sync import outbox
from models.plates.validate import validate_plate

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华玉兰红梅国强志强海燕春梅桂兰德明淑珍凤英"
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

DEMO_ACCOUNTS = [
    # (user name, role, password, display name) — shown on the login page in demo mode only.
    ("admin", "admin", "linli-admin", "管理员"),
    ("volunteer", "volunteer", "linli-volunteer", "志愿者 小王"),
    ("district", "district", "linli-district", "街道 李科长"),
    ("kiosk", "kiosk", "linli-kiosk-1", "大门 终端"),
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _plate(rng: random.Random) -> str:
    while True:
        if rng.random() < 0.25:  # small new-energy: province + letter + D/F + 5
            plate = "京" + rng.choice("ABCEFGHJKLMNPQ") + rng.choice("DF") + "".join(
                rng.choice(PLATE_CHARS) for _ in range(1)) + "".join(rng.choice("0123456789") for _ in range(4))
        else:
            plate = "京" + rng.choice("ABCEFGHJKLMNPQ") + "".join(rng.choice(PLATE_CHARS) for _ in range(5))
        if validate_plate(plate).valid:
            return plate


def create_demo(db, accounts, residents_target: int = 200, seed: int = 7) -> dict:
    rng = random.Random(seed)
    made = {"buildings": 0, "units": 0, "residents": 0, "vehicles": 0, "accounts": 0}
    with db.atomic():
        for username, role, password, display in DEMO_ACCOUNTS:
            if all(u.username != username for u in accounts.list()):
                accounts.create(username, role, password, display_name=display, actor="demo")
                made["accounts"] += 1
        if Resident.select().exists():
            return made  # a community is already registered: never mix demo people into it
        buildings = []
        for n in range(1, 7):
            b, created = Building.get_or_create(name=f"{n}号楼", defaults={"address": f"幸福里小区{n}号楼", "floors": 6})
            buildings.append(b)
            made["buildings"] += int(created)
        plates: set[str] = set(v.plate for v in Vehicle.select())
        while made["residents"] < residents_target:
            b = rng.choice(buildings)
            entrance, floor, door = rng.randint(1, 3), rng.randint(1, 6), rng.randint(1, 2)
            number = f"{entrance}单元{floor}0{door}"
            unit, created = Unit.get_or_create(
                building=b, number=number,
                defaults={"floor": floor, "area_m2": rng.choice((48.5, 56.2, 62.0, 71.8, 85.3, 92.6))})
            if not created:
                continue
            made["units"] += 1
            household = Household.create(unit=unit, name=f"{b.name}{number}")
            surname = rng.choice(SURNAMES)
            size = rng.choice((1, 2, 2, 3, 3, 4))
            for i in range(size):
                elderly_alone = size == 1 and rng.random() < 0.5
                age = rng.randint(68, 90) if elderly_alone else rng.choice((rng.randint(30, 65), rng.randint(5, 17)) if i > 1 else (rng.randint(30, 75),))
                r = Resident.create(
                    household=household,
                    name=surname + _name(rng)[1:],
                    phone="1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9)),
                    role="owner" if i == 0 else "family",
                    move_in=datetime.date(rng.randint(1995, 2024), rng.randint(1, 12), rng.randint(1, 28)),
                    birth_year=datetime.date.today().year - age,
                    living_alone_elderly=elderly_alone,
                    minor=age < 18,
                    disability=rng.random() < 0.03,
                )
                outbox.append("resident.upsert", resident_payload(r))
                made["residents"] += 1
                if i == 0 and rng.random() < 0.45:
                    plate = _plate(rng)
                    if plate not in plates:
                        plates.add(plate)
                        Vehicle.create(resident=r, plate=plate, kind=validate_plate(plate).kind or "")
                        made["vehicles"] += 1
    return made
