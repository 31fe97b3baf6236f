"""Visits close the alert and its order, feed the monthly coverage, and keep health notes to
the paired volunteer and admins; what leaves the box is the alert and the monthly counts,
never the routine, the raw signals, the sensor ids or the elder's identity."""

from __future__ import annotations

import datetime
import json
import zlib

import pytest

from appliance.db.models import AuditLog, CareAlert, CareVisit, OutboxEntry, User, WorkOrder
from appliance.errors import ValidationError
from appliance.sync import envelope
from tests.care.conftest import gate_weeks


def batch_text(services) -> str:
    data, _entries = services.sync.next_batch()
    return zlib.decompress(envelope.parse(data).body).decode()


def test_a_visit_closes_the_alert_and_its_order(care, plan, elder, clock, sim):
    care.observe(f"resident:{elder.id}", "sos")
    alert = CareAlert.get()
    care.acknowledge(alert.id, "volunteer")
    visit = care.record_visit(elder.id, {"condition": "fair", "needs": "买药", "notes": "血压有点高"}, "volunteer")
    alert = CareAlert.get_by_id(alert.id)
    assert alert.closed_at is not None and alert.outcome == "help" and visit.alert_id == alert.id
    assert WorkOrder.get_by_id(alert.order_id).status == "closed"
    assert care.last_seen(elder) == clock.t


def test_health_notes_need_a_separate_consent(care, elder, users):
    care.save_plan(elder.id, {"consent_by": "女儿 李明"}, "admin")
    with pytest.raises(ValidationError) as err:
        care.record_visit(elder.id, {"notes": "糖尿病"}, "volunteer")
    assert err.value.field == "notes"
    assert CareVisit.select().count() == 0
    care.record_visit(elder.id, {"condition": "good", "needs": "换灯泡"}, "volunteer")
    assert CareVisit.get().needs == "换灯泡"


def test_notes_are_shown_only_to_the_paired_volunteer_and_admins_and_audited(care, plan, elder, services, users):
    care.record_visit(elder.id, {"notes": "膝盖疼"}, "volunteer")
    other = services.accounts.create("other", "volunteer", "correct-horse-1")
    assert care.visits(elder, other)[0]["notes"] is None
    assert care.visits(elder, User.get(User.username == "volunteer"))[0]["notes"] == "膝盖疼"
    assert care.visits(elder, User.get(User.username == "admin"))[0]["notes"] == "膝盖疼"
    readers = [r.actor for r in AuditLog.select().where(AuditLog.action == "read_notes")]
    assert readers == ["volunteer", "admin"]


def test_visit_plan_marks_overdue_and_coverage_counts_months(care, plan, elder, services, unit, clock):
    other = services.registry.save_resident({"name": "赵大爷", "unit_id": unit.id, "living_alone_elderly": "1"}, "t")
    care.record_visit(elder.id, {"at": clock.t - datetime.timedelta(days=40)}, "volunteer")
    rows = {r.resident.id: r for r in care.visit_plan()}
    assert rows[elder.id].overdue and rows[other.id].overdue and rows[other.id].last_visit is None
    care.record_visit(elder.id, {}, "volunteer")
    rows = {r.resident.id: r for r in care.visit_plan()}
    assert not rows[elder.id].overdue and rows[elder.id].visited_this_month and rows[other.id].overdue
    months = {m["month"]: m for m in care.coverage(3)}
    assert months["2026-03"] == {"month": "2026-03", "elders": 2, "visited": 1, "share": 0.5}
    assert months["2026-02"]["visited"] == 1  # the visit 40 days ago
    chart = care.coverage_chart(3)
    assert [b["pct"] for b in chart["bars"]] == [0, 50, 50] and not any(b["full"] for b in chart["bars"])
    assert "2026-03,2,1,50%" in care.coverage_csv(3).replace("\r", "")
    with pytest.raises(ValidationError):
        care.record_visit(elder.id, {"at": clock.t + datetime.timedelta(days=1)}, "volunteer")


def test_only_the_alert_and_monthly_counts_leave_the_box(care, plan, elder, services, clock, sim):
    gate_weeks(elder, clock.t)
    care.learn_routines()
    sim.call_answer = "no answer"
    clock.t = care.last_seen(elder) + datetime.timedelta(hours=30)
    (alert,) = care.tick()
    care.observe(plan.water_meter, "water", 12.5)
    care.record_visit(elder.id, {"condition": "good", "notes": "血压有点高", "needs": "买药"}, "volunteer")
    kinds = {e.kind for e in OutboxEntry.select()}
    assert {"care.alert", "care.coverage", "workorder.upsert"} <= kinds
    assert not any(k.startswith(("care.signal", "care.routine", "care.visit")) for k in kinds)
    text = batch_text(services)
    for secret in ("李桂兰", "13700137000", "13600136000", str(elder.uuid), plan.water_meter, "血压有点高", "买药",
                   "limit_hours", "silent_hours", '"hours"', "12.5"):
        assert secret not in text, secret
    pseudonym = services.sync.policy().pseudonym(str(elder.uuid))
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    alerts = [ln["p"] for ln in lines if ln.get("k") == "care.alert" or (ln.get("p") or {}).get("kind") == "silence"]
    assert alerts and all(a["resident"] == pseudonym for a in alerts)
    coverage = [ln["p"] for ln in lines if (ln.get("p") or {}).keys() == {"month", "elders", "visited"}]
    assert coverage == [{"month": "2026-03", "elders": 1, "visited": 1}]
