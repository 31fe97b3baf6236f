"""Every change is audited and queued for the district in the same transaction; what leaves
the box about the reporter follows the field policy (checked on the signed batch bytes)."""

from __future__ import annotations

import json
import zlib

from appliance.db.models import AuditLog, OutboxEntry
from appliance.sync import envelope


def batch_lines(services) -> list[dict]:
    data, _entries = services.sync.next_batch()
    body = zlib.decompress(envelope.parse(data).body).decode()
    return [json.loads(line) for line in body.splitlines() if line.strip()]


def batch_text(services) -> str:
    data, _entries = services.sync.next_batch()
    return zlib.decompress(envelope.parse(data).body).decode()


def work(wo, resident, place):
    order = wo.open(source="volunteer_on_behalf", category="lamp", description="楼道灯坏了", actor="volunteer",
                    place=place, reporter_id=resident.id, reporter_phone="13912345678", on_behalf_by="volunteer")
    wo.assign(order.id, "电工小张", "admin")
    wo.add_note(order.id, "已买灯泡", True, "volunteer")
    wo.add_note(order.id, "住户说话难听", False, "volunteer")
    wo.transition(order.id, "fixed", "volunteer")
    return order


def test_each_change_goes_to_the_outbox_with_the_order_state(wo, resident, place):
    order = work(wo, resident, place)
    entries = list(OutboxEntry.select().where(OutboxEntry.kind == "workorder.upsert").order_by(OutboxEntry.seq))
    assert [e.payload["note"]["kind"] for e in entries] == ["opened", "assign", "note", "note", "status"]
    last = entries[-1].payload
    assert last["uuid"] == str(order.uuid) and last["status"] == "fixed" and last["assignee"] == "电工小张"
    assert last["building"] == "3号楼" and last["unit"] == "2单元301" and last["on_behalf"] is True


def test_reporter_identity_and_internal_notes_stay_on_the_box_by_default(services, wo, resident, place):
    order = work(wo, resident, place)
    text = batch_text(services)
    for secret in ("王秀英", "13912345678", "13800138000", str(resident.uuid), "住户说话难听"):
        assert secret not in text, secret
    assert order.number in text and "已买灯泡" in text and "楼道灯坏了" in text
    pseudonym = services.sync.policy().pseudonym(str(resident.uuid))
    reporters = [line["p"]["reporter"] for line in batch_lines(services) if "p" in line and line["p"].get("reporter")]
    assert reporters and all(r == {"resident": pseudonym} for r in reporters)


def test_names_and_phones_leave_only_when_the_policy_allows(config, services, wo, resident, place):
    work(wo, resident, place)
    config.sync.share_phones = True
    text = batch_text(services)
    assert "13912345678" in text and "王秀英" not in text
    config.sync.share_names = True
    assert "王秀英" in batch_text(services)


def test_a_resident_acting_leaves_as_resident_not_a_row_id(services, wo, resident, place):
    order = work(wo, resident, place)
    wo.transition(order.id, "reopened", f"resident:{resident.id}", note="还是不亮")
    last = OutboxEntry.select().order_by(OutboxEntry.seq.desc()).first().payload
    assert last["note"]["actor"] == "resident" and last["note"]["text"] == "还是不亮"


def test_every_change_is_audited_in_words(services, wo, resident, place, users):
    order = work(wo, resident, place)
    dup = wo.open(source="staff", category="lamp", description="同一盏灯", actor="admin")
    wo.merge(dup.id, order.id, "admin")
    rows = list(AuditLog.select().where(AuditLog.entity == "workorder").order_by(AuditLog.id))
    assert [(r.actor, r.action) for r in rows] == [
        ("volunteer", "open"), ("admin", "assign"), ("volunteer", "note"), ("volunteer", "note"),
        ("volunteer", "status"), ("admin", "open"), ("admin", "merge")]
    sentences = [e.sentence for e in services.audit.latest(limit=7)]
    assert any(order.number in s and "工单" in s for s in sentences), sentences
    assert not any("住户说话难听" in json.dumps(r.detail, ensure_ascii=False) for r in rows)


def test_health_line_counts_overdue(runtime, services, clock):
    services.workorders.register_category("leak", "漏水", "Water leak", 1)
    line = services.health.report()["subsystems"]["work orders"]
    assert line["ok"] and line["detail"] == "没有逾期"
    order = services.workorders.open(source="sensor", category="leak", description="漏水", actor="system")
    # due in an hour; move it into the past as a clock would
    from appliance.db.models import WorkOrder
    import datetime

    WorkOrder.update(due_at=datetime.datetime.now() - datetime.timedelta(minutes=5)).where(
        WorkOrder.id == order.id).execute()
    line = services.health.report()["subsystems"]["work orders"]
    assert line["ok"] and line["detail"] == "1 张逾期"
