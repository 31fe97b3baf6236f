"""The district sees each community's monthly ratings (averages only; they travel through the
real outbox and signed batches) beside the facts measured from that community's work orders."""

from __future__ import annotations

import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.db.models import WorkOrder
from appliance.sync import batch as batchfmt
from appliance.sync.keys import public_text
from tests.conftest import PASSWORD, login
from tests.participation.test_district import hub_runtime  # noqa: F401  (fixture)
from tests.participation.test_district_notices import ship


def test_district_compares_ratings_with_facts_across_communities(hub_runtime):  # noqa: F811
    from web import create_app

    s = hub_runtime.services
    app = create_app(hub_runtime.config, s, testing=True)
    s.accounts.create("district", "district", PASSWORD, display_name="District")
    s.hub.register_box(s.box_id, s.sync.public_key)
    s.sync.pin_hub("district-1", s.hub.public_key)
    reg = s.registry
    b = reg.save_building({"name": "3号楼"}, "t")
    people = [reg.save_resident({"name": f"赵小满{i}", "phone": f"1380013800{i}",
                                 "unit_id": reg.save_unit({"building_id": b.id, "number": f"10{i}"}, "t").id,
                                 "move_in": "2020-01-01"}, "t") for i in range(2)]
    s.participation.ratings.rate(people[0].id, {"cleaning": "5", "security": "4", "repairs": "2", "greenery": "4",
                                                "attitude": "5"})
    s.participation.ratings.rate(people[1].id, {"cleaning": "3", "security": "4", "repairs": "3", "greenery": "4",
                                                "attitude": "4"})
    reports = s.participation.reports
    late = reports.submit(category="leak", description="楼道漏水", place={"building_id": b.id})
    WorkOrder.update(due_at=datetime.datetime.now() - datetime.timedelta(hours=2)).where(WorkOrder.id == late.id).execute()
    s.workorders.add_note(late.id, "催办", True, "volunteer")
    done = reports.submit(category="lamp", description="路灯不亮", place={"building_id": b.id})
    s.workorders.transition(done.id, "fixed", "volunteer", note="已换灯泡")

    # A second community, with one broken value that must not break the page.
    key = Ed25519PrivateKey.generate()
    s.hub.register_box("box-b", public_text(key))

    other = batchfmt.Entry(1, "b-1", "rating.month", int(datetime.datetime.now().timestamp()), {
        "period": "2026-11", "households": 7, "aspects": {"cleaning": 2.5, "security": "<b>9</b>", "repairs": 4.25}})
    s.hub.receive(batchfmt.build([other], "box-b", key, 65536)[0], "test")
    ship(s)

    c = app.test_client()
    assert login(c, "district").status_code == 302
    html = c.get("/district/ratings").get_data(as_text=True)
    mine = html[html.index(f'data-box="{s.box_id}"'):]
    mine = mine[:mine.index("</section>")]
    assert 'data-aspect="repairs"' in mine and ">\n        2.5</td>" in mine  # (2 + 3) / 2
    assert '<b class="danger">1</b>' in mine  # the leak is overdue now
    assert 'data-testid="on-time">100%' in mine
    theirs = html[html.index('data-box="box-b"'):]
    theirs = theirs[:theirs.index("</section>")]
    assert "2026-11" in theirs and ">\n        4.25</td>" in theirs
    assert "<b>9</b>" not in html and "&lt;b&gt;" not in theirs  # a bad value shows as "-", never as markup
    assert "赵小满" not in html and "1380013800" not in html
