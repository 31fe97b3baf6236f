"""Notices: staff post for everyone or some buildings, pinned, important, expiring; district
notices from the downlink appear the same way; /me, the kiosk and the dashboard show them;
"已读" is one record per unit, counted per building."""

from __future__ import annotations

import datetime
import io

from appliance.db.models import DistrictNotice, Notice, NoticeRead
from tests.conftest import csrf_token
from tests.participation.conftest import phone_photo


def post(client, **fields):
    data = {"csrf_token": csrf_token(client, "/notices"), **fields}
    return client.post("/notices", data=data, content_type="multipart/form-data")


def test_staff_post_and_residents_see_only_their_buildings(client_as, wang_client, li_client, estate):
    vol = client_as("volunteer")
    assert post(vol, title="停水通知", body="周三 9:00–12:00 停水 <b>注意</b>", audience="all",
                picture=(io.BytesIO(phone_photo()), "n.jpg", "image/jpeg")).status_code == 302
    assert post(vol, title="3号楼电梯检修", audience="buildings", buildings=str(estate["b3"].id),
                pinned="1").status_code == 302
    wang = wang_client.get("/me/").get_data(as_text=True)
    li = li_client.get("/me/").get_data(as_text=True)
    assert "停水通知" in wang and "停水通知" in li
    assert "&lt;b&gt;注意&lt;/b&gt;" in wang
    assert "3号楼电梯检修" in wang and "3号楼电梯检修" not in li
    assert wang.index("3号楼电梯检修") < wang.index("停水通知")  # pinned first
    assert "停水通知" in vol.get("/").get_data(as_text=True)  # dashboard


def test_expired_and_withdrawn_notices_disappear(client_as, wang_client, services, estate):
    vol = client_as("volunteer")
    post(vol, title="旧通知", audience="all", expires=datetime.date.today().isoformat())
    n = Notice.get()
    assert "旧通知" in wang_client.get("/me/").get_data(as_text=True)
    Notice.update(expires_at=datetime.datetime.now() - datetime.timedelta(minutes=1)).execute()
    assert "旧通知" not in wang_client.get("/me/").get_data(as_text=True)
    Notice.update(expires_at=None).execute()
    vol.post(f"/notices/{n.id}/withdraw", data={"csrf_token": csrf_token(vol, "/notices")})
    assert "旧通知" not in wang_client.get("/me/").get_data(as_text=True)


def test_bad_notice_input_is_answered_and_nothing_is_written(client_as, estate):
    vol = client_as("volunteer")
    for fields, field in [({"title": ""}, "title"), ({"title": "x", "audience": "buildings"}, "buildings"),
                          ({"title": "x", "audience": "buildings", "buildings": "99999"}, "buildings"),
                          ({"title": "x", "expires": "2020-01-01"}, "expires"),
                          ({"title": "x", "expires": "garbage"}, "expires"),
                          ({"title": "x", "picture": (io.BytesIO(b"MZ\x90\x00exe"), "a.jpg", "image/jpeg")}, "photo")]:
        r = post(vol, **fields)
        assert r.status_code == 400 and f'data-field="{field}"' in r.get_data(as_text=True), fields
    assert Notice.select().count() == 0
    assert client_as("district").post("/notices", data={"title": "x"}).status_code in (400, 403)


def test_important_notice_read_once_per_unit_and_counted_per_building(client_as, app, services, wang_client, estate):
    from tests.participation.conftest import resident_client

    vol = client_as("volunteer")
    post(vol, title="业主大会通知", audience="all", important="1")
    n = Notice.get()
    # A second resident of the same unit
    spouse = services.registry.save_resident({"name": "张伟", "phone": "13600136000", "unit_id": estate["unit"].id,
                                              "move_in": "2020-01-01"}, "t")
    token = csrf_token(wang_client, "/me/")
    r = wang_client.post(f"/me/notices/{n.id}/read", data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    other = resident_client(app, services, spouse)
    other.post(f"/me/notices/{n.id}/read", data={"csrf_token": csrf_token(other, "/me/")})
    assert NoticeRead.select().count() == 1  # one unit, one record
    assert "已读" in other.get("/me/").get_data(as_text=True) or "✓" in other.get("/me/").get_data(as_text=True)
    page = vol.get("/notices").get_data(as_text=True)
    assert "3号楼 1/1" in page and "5号楼 0/1" in page
    assert wang_client.post("/me/notices/999999/read", data={"csrf_token": token}).status_code in (400, 404)


def test_district_notice_and_kiosk_rotation(client_as, services, estate):
    DistrictNotice.create(uuid="d-1", title="区里：防汛通知", body="注意防汛")
    services.participation.tick(1)  # the minute tick picks up what the district sent
    vol = client_as("volunteer")
    post(vol, title="小区停电", audience="all")
    post(vol, title="只给3号楼", audience="buildings", buildings=str(estate["b3"].id))
    shown = {services.participation.notices.kiosk_pick(t).title for t in range(6)}
    assert shown == {"区里：防汛通知", "小区停电"}  # the gate shows notices for everyone, in turn
    kiosk = client_as("kiosk")
    html = kiosk.get("/kiosk/").get_data(as_text=True)
    assert 'data-testid="kiosk-board"' in html


def test_gate_notice_is_read_aloud_and_others_are_not(client_as, app, services, estate):
    import wave

    vol = client_as("volunteer")
    post(vol, title="周三停水", body="9点到12点", audience="all")
    post(vol, title="只给3号楼", audience="buildings", buildings=str(estate["b3"].id))
    everyone, only3 = Notice.select().order_by(Notice.id)
    anonymous = app.test_client()
    r = anonymous.get(f"/notices/speech/n-{everyone.id}.wav")
    assert r.status_code == 200 and r.mimetype == "audio/wav"
    with wave.open(io.BytesIO(r.data)) as w:
        assert w.getnframes() / w.getframerate() > 1.0  # real speech, more than a second
    assert anonymous.get(f"/notices/speech/n-{only3.id}.wav").status_code == 404
    assert anonymous.get("/notices/speech/x-..%2f.wav").status_code == 404
    cached = list((services.config.home / "speech").glob("*.wav"))
    assert len(cached) == 1
    anonymous.get(f"/notices/speech/n-{everyone.id}.wav")
    assert list((services.config.home / "speech").glob("*.wav")) == cached  # rendered once
