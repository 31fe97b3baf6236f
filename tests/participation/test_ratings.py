"""星级评价: once per household and month, anonymous to staff, the public page beside facts."""

from __future__ import annotations

import datetime

from appliance.db.models import AuditLog, Rating
from tests.conftest import csrf_token

ALL_FOUR = {"cleaning": "4", "security": "4", "repairs": "4", "greenery": "4", "attitude": "4"}


def rate(client, **stars):
    return client.post("/me/rate", data={"csrf_token": csrf_token(client, "/me/rate"), **stars})


def test_household_rates_once_a_month_and_nobody_can_tell_who(app, services, wang_client, li_client, estate):
    from tests.participation.conftest import resident_client

    assert rate(wang_client, **ALL_FOUR).status_code == 302
    assert rate(li_client, **dict(ALL_FOUR, cleaning="2")).status_code == 302
    # Same household (another member): refused; no row added.
    spouse = services.registry.save_resident({"name": "张伟", "phone": "13600136000", "unit_id": estate["unit"].id,
                                              "move_in": "2020-01-01"}, "t")
    other = resident_client(app, services, spouse)
    assert "已完成" in other.get("/me/rate").get_data(as_text=True)
    r = rate(other, **ALL_FOUR)
    assert r.status_code == 400 and "已经评过" in r.get_data(as_text=True)
    assert Rating.select().count() == 10
    # Nothing stored names a household, resident or time; nothing was audited.
    for row in Rating.select():
        assert str(estate["wang"].id) != row.household and len(row.household) == 64
    assert not hasattr(Rating, "created_at") and not hasattr(Rating, "resident")
    assert AuditLog.select().where(AuditLog.entity == "rating").count() == 0
    page = app.test_client().get("/ratings").get_data(as_text=True)  # public, no login
    assert "王秀英" not in page and "李建国" not in page
    assert 'data-aspect="cleaning">3.0<' in page and 'data-aspect="security">4.0<' in page
    assert "2 户参与评价" in page


def test_bad_stars_are_refused_naming_the_aspect(wang_client):
    for stars, field in [(dict(ALL_FOUR, repairs="6"), "repairs"), (dict(ALL_FOUR, greenery=""), "greenery"),
                         (dict(ALL_FOUR, attitude="x' OR 1"), "attitude")]:
        r = rate(wang_client, **stars)
        assert r.status_code == 400 and f'data-field="{field}"' in r.get_data(as_text=True)
    assert Rating.select().count() == 0


def test_public_page_shows_facts_from_the_work_orders(app, services, estate):
    wo = services.workorders
    reports = services.participation.reports
    quick = reports.submit(category="lamp", description="a", place={"building_id": estate["b3"].id})
    late = reports.submit(category="leak", description="b", place={"building_id": estate["b3"].id})
    from appliance.db.models import WorkOrder

    now = datetime.datetime.now()
    wo.transition(quick.id, "fixed", "volunteer")
    wo.transition(late.id, "fixed", "volunteer")
    WorkOrder.update(created_at=now - datetime.timedelta(days=3), due_at=now - datetime.timedelta(days=2)).where(
        WorkOrder.id == late.id).execute()
    period = now.strftime("%Y-%m")
    facts = services.participation.ratings.facts(period)
    assert (facts["fixed"], facts["on_time_pct"]) == (2, 50)
    page = app.test_client().get("/ratings").get_data(as_text=True)
    section = page[page.index(f'data-period="{period}"'):]
    assert '<dd data-testid="on-time">50%</dd>' in section
    assert '<dd data-testid="median-days">1.5</dd>' in section
