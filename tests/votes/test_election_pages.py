"""Elections, area sources and tenants' proxies through the pages: staff draft the election,
owners tick candidates on the phone and the kiosk, paper ballots list the candidates, the live
view and the notice show who is elected, the roll shows where each area comes from."""

from __future__ import annotations

import io
import re

from tests.conftest import csrf_token, login
from tests.votes.test_area_and_proxies import set_areas, tenant_of
from tests.votes.test_elections_service import ELECTION
from tests.votes.test_participation_pages import resident_client
from tests.votes.test_votes_service import png, roll_by_unit


def test_staff_draft_an_election_and_bad_seats_name_the_field(client_as, community, votes):
    admin = client_as("volunteer")
    t = csrf_token(admin, "/votes/new")
    form = {"csrf_token": t, "title": "换届", "matter_1": "选举业委会", "item_1": "3", "seats_1": "9",
            "candidates_1": "陈一\n林二"}
    r = admin.post("/votes/new", data=form)
    assert r.status_code == 400 and 'data-field="seats_1"' in r.get_data(as_text=True)
    assert "林二" in r.get_data(as_text=True)  # what was typed is kept
    r = admin.post("/votes/new", data={**form, "seats_1": "1"})
    assert r.status_code == 302
    vote_id = int(r.headers["Location"].rsplit("/", 1)[1])
    m = votes.service.matters(vote_id)[0]
    assert m.is_election and m.seats == 1 and m.candidates == ["陈一", "林二"]
    page = admin.get(f"/votes/{vote_id}/edit").get_data(as_text=True)
    assert 'name="seats_1" inputmode="numeric" value="1"' in page and "陈一\n林二</textarea>" in page


def open_election(votes):
    vote = votes.service.save({"title": "业委会换届"}, ELECTION, "admin")
    votes.service.publish_roll(vote.id, "admin", correction_days=0)
    return votes.service.open(vote.id, "admin")


def test_owner_ticks_candidates_on_the_phone_too_many_is_refused(app, services, community, votes):
    vote = open_election(votes)
    zhao = resident_client(app, services, community[("2号楼", "102")][0])
    page = zhao.get(f"/me/votes/{vote.id}").get_data(as_text=True)
    assert 'name="m2_c3"' in page and "黄三" in page and 'data-seats="2"' in page
    t = csrf_token(zhao, f"/me/votes/{vote.id}")
    r = zhao.post(f"/me/votes/{vote.id}", data={"csrf_token": t, "m1": "yes", "m2_c1": "1", "m2_c2": "1",
                                                "m2_c3": "1"})
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and 'data-field="m2"' in body and "checked" in body
    r = zhao.post(f"/me/votes/{vote.id}", data={"csrf_token": t, "m1": "yes", "m2_c2": "1"})
    assert r.status_code == 200 and 'id="done"' in r.get_data(as_text=True)
    mine = zhao.get(f"/me/votes/{vote.id}").get_data(as_text=True)
    assert 'id="my-ballot"' in mine and "林二" in mine


def test_owner_votes_in_an_election_at_the_kiosk(app, users, services, community, votes):
    vote = open_election(votes)
    owner = community[("1号楼", "201")][0]
    pin = services.credentials.new_pin(owner.id, "test")
    kiosk = app.test_client()
    login(kiosk, "kiosk")
    t = csrf_token(kiosk, "/kiosk/votes/")
    page = kiosk.post("/kiosk/votes/", data={"csrf_token": t, "pin": pin}).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    assert 'name="m2_c1"' in page
    r = kiosk.post(f"/kiosk/votes/{vote.id}", data={"csrf_token": t, "token": token, "m1": "no", "m2_c1": "1",
                                                    "m2_c2": "1", "m2_c3": "1"})
    assert r.status_code == 400 and 'data-field="m2"' in r.get_data(as_text=True)
    r = kiosk.post(f"/kiosk/votes/{vote.id}", data={"csrf_token": t, "token": token, "m1": "no", "m2_c1": "1",
                                                    "m2_c3": "1"})
    assert r.status_code == 200
    entry = votes.ledger.entries(vote.id)[-1]
    assert entry["channel"] == "kiosk" and entry["choices"] == {"1": "no", "2": [1, 3]}


def test_paper_ballots_list_the_candidates_and_too_many_marks_read_invalid(client_as, community, votes):
    vote = open_election(votes)
    vol = client_as("volunteer")
    sheet = vol.get(f"/votes/{vote.id}/ballots/print").get_data(as_text=True)
    assert sheet.count('class="list election"') == 6 and "3. 黄三" in sheet
    row = roll_by_unit(votes, vote)["2号楼 102"]
    t = csrf_token(vol, f"/votes/{vote.id}/paper")
    r = vol.post(f"/votes/{vote.id}/paper", data={"csrf_token": t, "m1": "yes", "m2_c1": "1", "m2_c2": "1",
                                                  "m2_c3": "1", "scan": (io.BytesIO(png(
                                                      votes.ballots.paper_code(vote, row))), "b.png")},
                 content_type="multipart/form-data")
    assert r.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)<', r.get_data(as_text=True))
    page = vol.get(f"/votes/{vote.id}/paper").get_data(as_text=True)
    paper = re.search(r'data-paper="(\d+)".*?</div>', page, re.S).group(0)
    assert "2. 无效" in paper or "2. Invalid" in paper


def test_live_view_notice_and_roll_show_the_election_and_the_area_sources(client_as, services, community, votes):
    set_areas(services, "1号楼", "202", None, "99.00", None)
    vote = open_election(votes)
    for unit, marks in {("1号楼", "101"): (1, 2), ("1号楼", "102"): (1, 2), ("1号楼", "201"): (1, 2),
                        ("2号楼", "101"): (1, 3), ("2号楼", "102"): (2,)}.items():
        votes.ballots.cast_phone(vote.id, community[unit][0], {"m1": "yes", **{f"m2_c{n}": "1" for n in marks}})
    staff = client_as("volunteer")
    live = staff.get(f"/votes/{vote.id}/live").get_data(as_text=True)
    assert 'data-candidate="1" data-status="elected"' in live and 'data-candidate="3" data-status="failed"' in live
    assert 'data-testid="area-fallback"' in live
    roll = staff.get(f"/votes/{vote.id}/roll?print=1").get_data(as_text=True)
    assert 'data-source="surveyed"' in roll and roll.count('data-source="register"') == 5
    votes.service.close(vote.id, "admin")
    votes.service.publish_preliminary(vote.id, "admin")
    notice = staff.get(f"/votes/{vote.id}/notice").get_data(as_text=True)
    assert 'class="candidate" data-status="elected"' in notice and "陈一" in notice and 'id="area-fallback"' in notice
    assert "张三" not in notice


def test_staff_record_and_revoke_a_proxy_and_the_tenant_votes_on_the_phone(app, client_as, services, community,
                                                                         votes, open_vote):
    staff = client_as("volunteer")
    tenant = tenant_of(community)
    page = staff.get(f"/votes/{open_vote.id}/proxies").get_data(as_text=True)
    assert f'<option value="{tenant.id}"' in page
    t = csrf_token(staff, f"/votes/{open_vote.id}/proxies")
    r = staff.post(f"/votes/{open_vote.id}/proxies", data={"csrf_token": t, "resident": str(tenant.id),
                                                         "document": ""})
    assert r.status_code == 400 and 'data-field="document"' in r.get_data(as_text=True)
    r = staff.post(f"/votes/{open_vote.id}/proxies",
                   data={"csrf_token": t, "resident": str(tenant.id), "document": "王五书面委托 2026-12-01",
                         "scan": (io.BytesIO(png("委托书")), "p.png")}, content_type="multipart/form-data")
    assert r.status_code == 302
    phone = resident_client(app, services, tenant)
    ballot = phone.get(f"/me/votes/{open_vote.id}").get_data(as_text=True)
    assert 'id="proxy-note"' in ballot and 'id="ballot"' in ballot and "王五书面委托" in ballot
    pt = csrf_token(phone, f"/me/votes/{open_vote.id}")
    r = phone.post(f"/me/votes/{open_vote.id}", data={"csrf_token": pt, "m1": "yes", "m2": "abstain"})
    assert r.status_code == 200
    assert 'id="cast-by-proxy"' in phone.get(f"/me/votes/{open_vote.id}").get_data(as_text=True)
    ledger = staff.get(f"/votes/{open_vote.id}/ledger").get_data(as_text=True)
    assert 'class="proxy"' in ledger
    proxy_id = re.search(r'data-proxy="(\d+)"', staff.get(f"/votes/{open_vote.id}/proxies").get_data(
        as_text=True)).group(1)
    r = staff.post(f"/votes/{open_vote.id}/proxies/{proxy_id}/revoke", data={"csrf_token": t, "reason": "收回"})
    assert r.status_code == 400 and 'id="list-error"' in r.get_data(as_text=True)  # already used


def test_a_revoked_proxy_takes_the_ballot_away_from_the_tenant(app, client_as, services, community, votes,
                                                               open_vote):
    tenant = tenant_of(community)
    proxy = votes.proxies.record(open_vote.id, {"resident": str(tenant.id), "document": "委托"}, None, "volunteer")
    staff = client_as("admin")
    t = csrf_token(staff, f"/votes/{open_vote.id}/proxies")
    r = staff.post(f"/votes/{open_vote.id}/proxies/{proxy.id}/revoke", data={"csrf_token": t, "reason": "业主收回"})
    assert r.status_code == 302
    phone = resident_client(app, services, tenant)
    page = phone.get(f"/me/votes/{open_vote.id}").get_data(as_text=True)
    assert 'id="not-on-roll"' in page and 'id="ballot"' not in page
    pt = csrf_token(phone, f"/me/votes/{open_vote.id}")
    r = phone.post(f"/me/votes/{open_vote.id}", data={"csrf_token": pt, "m1": "yes", "m2": "no"})
    assert r.status_code == 400 and not votes.ledger.entries(open_vote.id)


def test_garbage_on_the_new_forms_never_500s(client_as, community, votes, open_vote):
    staff = client_as("admin")
    t = csrf_token(staff, f"/votes/{open_vote.id}/proxies")
    for path, data in [(f"/votes/{open_vote.id}/proxies", {"resident": "abc", "document": "x"}),
                       (f"/votes/{open_vote.id}/proxies", {"resident": "9" * 30, "document": "x" * 999}),
                       (f"/votes/{open_vote.id}/proxies/999/revoke", {"reason": "x"}),
                       ("/votes/999/proxies", {"resident": "1", "document": "x"}),
                       ("/votes/new", {"title": "x", "matter_1": "m", "item_1": "3", "seats_1": "x" * 50,
                                       "candidates_1": "\x00"}),
                       ("/votes/new", {"title": "x", "matter_1": "m", "item_1": "3", "seats_1": "2",
                                       "candidates_1": "甲\n" * 5000})]:
        r = staff.post(path, data={"csrf_token": t, **data})
        assert r.status_code in (302, 400, 404), (path, r.status_code)
    assert staff.get("/votes/999/proxies").status_code == 404


def test_staff_enter_surveyed_and_contract_areas_on_the_unit_form(client_as, community, votes):
    from appliance.db.models import Unit

    unit = Unit.get(Unit.number == "202")
    admin = client_as("admin")
    page = admin.get(f"/units/{unit.id}").get_data(as_text=True)
    assert 'name="surveyed_area_m2"' in page and 'name="contract_area_m2"' in page
    t = csrf_token(admin, f"/units/{unit.id}")
    form = {"csrf_token": t, "building_id": str(unit.building_id), "number": "202", "area_m2": "",
            "surveyed_area_m2": "x", "contract_area_m2": "101.5"}
    r = admin.post(f"/units/{unit.id}", data=form)
    assert r.status_code == 400 and 'surveyed_area_m2' in r.get_data(as_text=True)
    r = admin.post(f"/units/{unit.id}", data={**form, "surveyed_area_m2": ""})
    assert r.status_code == 302
    vote = votes.service.save({"title": "t"}, ELECTION, "admin")
    votes.service.publish_roll(vote.id, "admin")
    row = roll_by_unit(votes, vote)["1号楼 202"]
    assert (row.area, row.area_source) == (10150, "contract")
