"""The votes pages through the Flask client: forms answer bad input with a named error, never 500."""

from __future__ import annotations

import io
import re

import pytest
import segno
from PIL import Image

from tests.conftest import csrf_token
from tests.votes.conftest import MATTERS


def token(client, path):
    return csrf_token(client, path)


def test_staff_create_a_vote_and_bad_input_names_the_field(client_as, community, votes):
    admin = client_as("volunteer")
    t = token(admin, "/votes/new")
    r = admin.post("/votes/new", data={"csrf_token": t, "title": "", "matter_1": "续聘"})
    assert r.status_code == 400 and 'data-field="title"' in r.get_data(as_text=True)
    r = admin.post("/votes/new", data={"csrf_token": t, "title": "年会", "matter_1": "续聘", "item_1": "12"})
    assert r.status_code == 400 and 'data-field="item_1"' in r.get_data(as_text=True)
    r = admin.post("/votes/new", data={"csrf_token": t, "title": "年会", "matter_1": "续聘", "item_1": "4",
                                       "rule": "silent", "warning": "", "closes_at": "garbage"})
    assert r.status_code == 400
    r = admin.post("/votes/new", data={"csrf_token": t, "title": "年会", "matter_1": "续聘", "item_1": "4",
                                       "matter_2": "加装电梯", "item_2": "7", "scope": ["2号楼"]})
    assert r.status_code == 302
    vote_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert [m.title for m in votes.service.matters(vote_id)] == ["续聘", "加装电梯"]
    assert votes.service.get(vote_id).scope == ["2号楼"]
    page = admin.get(f"/votes/{vote_id}").get_data(as_text=True)
    assert "加装电梯" in page
    r = admin.post(f"/votes/{vote_id}/step/publish_roll", data={"csrf_token": t, "correction_days": "x"})
    assert "error=" in r.headers["Location"] and votes.service.get(vote_id).status == "draft"
    r = admin.post(f"/votes/{vote_id}/step/publish_roll", data={"csrf_token": t, "correction_days": "0"})
    assert r.status_code == 302 and votes.service.get(vote_id).status == "roll"
    r = admin.post(f"/votes/{vote_id}/step/final", data={"csrf_token": t})  # not now: a plain message
    assert r.status_code == 302 and "error=" in r.headers["Location"]
    roll = admin.get(f"/votes/{vote_id}/roll?print=1").get_data(as_text=True)
    assert "2号楼 101" in roll and "王五" not in roll and "1号楼" not in roll


def test_garbage_never_500s(client_as, open_vote):
    admin = client_as("admin")
    t = token(admin, f"/votes/{open_vote.id}")
    for path, data in [
        (f"/votes/{open_vote.id}/paper", {"code": "LV1:1:99999999999999999999:x", "m1": "yes"}),
        (f"/votes/{open_vote.id}/paper", {"code": "\x00" * 300, "m1": "maybe"}),
        (f"/votes/{open_vote.id}/paper/999/confirm", {}),
        (f"/votes/{open_vote.id}/reverse", {"seq": "-1", "reason": "x"}),
        (f"/votes/{open_vote.id}/reverse", {"seq": "5", "reason": ""}),
        (f"/votes/{open_vote.id}/delivery", {"roll_id": ["abc", "99999999999999999999999"]}),
        (f"/votes/{open_vote.id}/roll/merge", {"roll_id": ["1"]}),
        (f"/votes/{open_vote.id}/roll/1", {"area": "nan", "reason": "x"}),
        (f"/votes/{open_vote.id}/step/nonsense", {}),
        ("/votes/99/step/open", {}),
    ]:
        r = admin.post(path, data={"csrf_token": t, **data})
        assert r.status_code in (302, 400, 404), (path, r.status_code)
    for path in (f"/votes/{open_vote.id}/export/x.exe", f"/votes/{open_vote.id}/scans/..%2Fsecret_key",
                 "/votes/12345", "/votes/1/export/ledger.jsonl"):
        assert admin.get(path).status_code in (200, 404), path
    r = admin.post(f"/votes/{open_vote.id}/paper", data={"csrf_token": t, "m1": "yes",
                                                         "scan": (io.BytesIO(b"\xff\xd8junk"), "a.jpg")})
    assert r.status_code == 400 and "data-field=\"code\"" in r.get_data(as_text=True)


def test_paper_ballot_typed_by_one_and_checked_by_another(client_as, open_vote, votes):
    row = next(r for r in votes.roll.rows(open_vote.id) if r.number == "102" and r.building == "2号楼")
    code = votes.ballots.paper_code(open_vote, row)
    buf = io.BytesIO()
    segno.make(code, error="m").save(buf, kind="png", scale=8, border=4)
    vol = client_as("volunteer")
    t = token(vol, f"/votes/{open_vote.id}/paper")
    r = vol.post(f"/votes/{open_vote.id}/paper", data={"csrf_token": t, "m1": "yes", "m2": "no",
                                                      "scan": (io.BytesIO(buf.getvalue()), "ballot.png")},
                 content_type="multipart/form-data")
    assert r.status_code == 302
    page = vol.get(f"/votes/{open_vote.id}/paper").get_data(as_text=True)
    paper_id = re.search(r'data-paper="(\d+)"', page).group(1)
    r = vol.post(f"/votes/{open_vote.id}/paper/{paper_id}/confirm", data={"csrf_token": t})
    assert r.status_code == 400 and "两人核对" in r.get_data(as_text=True)
    admin = client_as("admin")
    r = admin.post(f"/votes/{open_vote.id}/paper/{paper_id}/confirm",
                   data={"csrf_token": token(admin, f"/votes/{open_vote.id}/paper")})
    assert r.status_code == 302 and "done=counted" in r.headers["Location"]
    ledger = admin.get(f"/votes/{open_vote.id}/ledger").get_data(as_text=True)
    assert 'id="chain-ok"' in ledger and "2号楼 102" in ledger and "volunteer / admin" in ledger
    scan = re.search(r'/votes/\d+/scans/([0-9a-f]+\.png)', page).group(0)
    with Image.open(io.BytesIO(admin.get(scan).data)) as shown:  # a clean copy of the same picture
        assert shown.size == Image.open(io.BytesIO(buf.getvalue())).size
    assert admin.get(scan + "/original").data == buf.getvalue()
    export = admin.get(f"/votes/{open_vote.id}/export/ballots.csv").get_data(as_text=True)
    assert "2号楼 102,1. 续聘物业公司,赞成" in export


def test_district_reads_but_cannot_change(client_as, open_vote):
    district = client_as("district")
    assert district.get(f"/votes/{open_vote.id}").status_code == 200
    t = token(district, f"/votes/{open_vote.id}")
    assert district.post(f"/votes/{open_vote.id}/step/close", data={"csrf_token": t}).status_code == 403


def test_a_resident_ballot_with_a_matter_left_out_is_refused_naming_it(app, services, community, open_vote):
    from tests.votes.test_participation_pages import resident_client

    zhao = resident_client(app, services, community[("2号楼", "102")][0])
    t = csrf_token(zhao, f"/me/votes/{open_vote.id}")
    r = zhao.post(f"/me/votes/{open_vote.id}", data={"csrf_token": t, "m1": "yes"})
    assert r.status_code == 400 and 'data-field="m2"' in r.get_data(as_text=True)
    r = zhao.post(f"/me/votes/{open_vote.id}", data={"csrf_token": t, "m1": "yes", "m2": "no"})
    assert r.status_code == 200 and 'id="done"' in r.get_data(as_text=True)
    tenant = resident_client(app, services, community[("2号楼", "101")][1])
    page = tenant.get(f"/me/votes/{open_vote.id}").get_data(as_text=True)
    assert 'id="not-on-roll"' in page and 'id="ballot"' not in page
    assert tenant.get("/me/votes/99999").status_code == 404


def test_owners_check_their_area_on_the_phone_while_the_roll_is_published(app, services, community, votes):
    from tests.votes.test_participation_pages import resident_client

    vote = votes.service.save({"title": "名册核对"}, MATTERS, "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=7)
    li = resident_client(app, services, community[("1号楼", "201")][0])
    assert "名册核对" in li.get("/me/votes/").get_data(as_text=True)
    page = li.get(f"/me/votes/{vote.id}").get_data(as_text=True)
    assert 'id="check-roll"' in page and "90.25" in page and 'id="ballot"' not in page
    assert votes.roll.undelivered(vote.id)  # reading the roll is not the ballot's delivery


def test_with_two_votes_open_the_kiosk_lets_the_resident_choose(app, users, services, votes, open_vote, community):
    from tests.conftest import csrf_token, login

    second = votes.service.save({"title": "增设充电桩", "rule": "strict"}, [{"title": "充电桩", "item": "9"}], "admin")
    votes.service.publish_roll(second.id, "admin", correction_days=0)
    votes.service.open(second.id, "admin")
    owner = community[("2号楼", "102")][0]
    pin = services.credentials.new_pin(owner.id, "test")
    kiosk = app.test_client()
    login(kiosk, "kiosk")
    token = csrf_token(kiosk, "/kiosk/votes/")
    page = kiosk.post("/kiosk/votes/", data={"csrf_token": token, "pin": pin}).get_data(as_text=True)
    assert "2026年业主大会" in page and "增设充电桩" in page and 'id="vote-choose"' in page
    import re

    ballot_token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    ballot = kiosk.post(f"/kiosk/votes/{second.id}/ballot", data={"csrf_token": token, "token": ballot_token})
    assert ballot.status_code == 200 and "充电桩" in ballot.get_data(as_text=True)
    assert 'id="ballot"' in ballot.get_data(as_text=True)
