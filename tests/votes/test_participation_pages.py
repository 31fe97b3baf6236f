"""Suggestions and consultations through the pages: a resident on /me, staff moderating."""

from __future__ import annotations

import io
import re

from PIL import Image

from tests.conftest import csrf_token
from tests.web.test_me_pages import sign_in


def resident_client(app, services, person):
    pin = services.credentials.new_pin(person.id, "t")
    c = app.test_client()
    assert sign_in(c, person.phone, pin).status_code == 302
    return c


def test_resident_posts_staff_publish_others_support_once(app, services, community, client_as):
    zhang = resident_client(app, services, community[("1号楼", "101")][0])
    t = csrf_token(zhang, "/me/votes/suggestions")
    r = zhang.post("/me/votes/suggestions", data={"csrf_token": t, "text": ""})
    assert r.status_code == 400 and 'data-field="text"' in r.get_data(as_text=True)
    png = io.BytesIO()
    Image.new("RGB", (50, 50), "blue").save(png, "PNG")
    r = zhang.post("/me/votes/suggestions", data={"csrf_token": t, "text": "车棚需要充电桩\n谢谢",
                                                  "photo": (io.BytesIO(png.getvalue()), "p.png")},
                   content_type="multipart/form-data")
    assert r.status_code == 302
    staff = client_as("volunteer")
    page = staff.get("/votes/suggestions").get_data(as_text=True)
    sid = re.search(r'class="card suggestion" data-id="(\d+)"', page).group(1)
    photo = re.search(r'/votes/photos/([0-9a-f]{32})\b', page).group(0)
    assert staff.get(photo).status_code == 200
    st = csrf_token(staff, "/votes/suggestions")
    assert staff.post(f"/votes/suggestions/{sid}/decline", data={"csrf_token": st}).status_code == 400
    assert staff.post(f"/votes/suggestions/{sid}/bogus", data={"csrf_token": st}).status_code == 400
    assert staff.post(f"/votes/suggestions/{sid}/publish", data={"csrf_token": st, "reply": "已联系物业"}).status_code == 302
    li = resident_client(app, services, community[("1号楼", "201")][0])
    lt = csrf_token(li, "/me/votes/suggestions")
    for _ in range(2):
        assert li.post(f"/me/votes/suggestions/{sid}/support", data={"csrf_token": lt}).status_code == 302
    page = li.get("/me/votes/suggestions").get_data(as_text=True)
    assert "1号楼住户" in page and "+1 (1)" in page and "张三" not in page and "已联系物业" in page


def test_consultation_from_staff_to_residents_to_a_vote(app, services, community, client_as):
    staff = client_as("volunteer")
    st = csrf_token(staff, "/votes/consultations")
    r = staff.post("/votes/consultations", data={"csrf_token": st, "topic": "电梯", "days": "0"})
    assert r.status_code == 400
    r = staff.post("/votes/consultations", data={"csrf_token": st, "topic": "电梯", "days": "7",
                                                 "proposal_1": "加装电梯", "item_1": "9"})
    assert r.status_code == 302
    cid = r.headers["Location"].rsplit("/", 1)[1]
    wang = resident_client(app, services, community[("2号楼", "101")][0])
    wt = csrf_token(wang, f"/me/votes/consultations/{cid}")
    assert wang.post(f"/me/votes/consultations/{cid}/comment", data={"csrf_token": wt, "text": "支持"}).status_code == 302
    page = wang.get(f"/me/votes/consultations/{cid}").get_data(as_text=True)
    pid = re.search(r'/support/(\d+)', page).group(1)
    assert wang.post(f"/me/votes/consultations/{cid}/support/{pid}", data={"csrf_token": wt}).status_code == 302
    assert wang.post(f"/me/votes/consultations/{cid}/support/99999", data={"csrf_token": wt}).status_code == 400
    page = staff.get(f"/votes/consultations/{cid}").get_data(as_text=True)
    assert "2号楼住户" in page and "王五" not in page
    assert staff.post(f"/votes/consultations/{cid}/summary", data={"csrf_token": st, "summary": "同意"}).status_code == 302
    r = staff.post(f"/votes/consultations/{cid}/vote", data={"csrf_token": st})
    assert r.status_code == 302 and r.headers["Location"].endswith("/edit")
