import io

import pytest
from PIL import Image

from tests.conftest import csrf_token


def phone_photo(width=1200, height=900, exif: bytes | None = None) -> bytes:
    img = Image.merge("RGB", [Image.effect_noise((max(1, width // 16), max(1, height // 16)), 80 + 20 * i)
                              .resize((width, height), Image.Resampling.BICUBIC) for i in range(3)])
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, **({"exif": exif} if exif else {}))
    return out.getvalue()


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}
    return exif.tobytes()


@pytest.fixture
def estate(services):
    reg = services.registry
    b3 = reg.save_building({"name": "3号楼"}, "t")
    b5 = reg.save_building({"name": "5号楼"}, "t")
    u = reg.save_unit({"building_id": b3.id, "number": "2单元301"}, "t")
    u5 = reg.save_unit({"building_id": b5.id, "number": "1单元101"}, "t")
    wang = reg.save_resident({"name": "王秀英", "phone": "13800138000", "unit_id": u.id, "move_in": "2020-01-01"}, "t")
    li = reg.save_resident({"name": "李建国", "phone": "13900139000", "unit_id": u5.id, "move_in": "2020-01-01"}, "t")
    return {"b3": b3, "b5": b5, "unit": u, "unit5": u5, "wang": wang, "li": li}


def resident_client(app, services, resident):
    pin = services.credentials.new_pin(resident.id, "t")
    client = app.test_client()
    r = client.post("/me/login", data={"phone": resident.phone, "pin": pin, "csrf_token": csrf_token(client, "/me/login")})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return client


@pytest.fixture
def wang_client(app, services, estate):
    return resident_client(app, services, estate["wang"])


@pytest.fixture
def li_client(app, services, estate):
    return resident_client(app, services, estate["li"])
