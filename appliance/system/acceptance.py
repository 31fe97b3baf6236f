"""The acceptance table (智慧社区建设指标, basic tier): the rows a district checks before it
pays, each with pass/fail and the evidence.

Rows the box can measure are measured live each time the table is shown; the others are
filled by staff with their evidence and kept (``acceptance_entry``). Row wording follows the
basic tier's infrastructure, service and management rows as the district's checklist groups
them; the 90 % thresholds are the checklist's "联网率、完好率 ≥ 90%". A district with its own
wording prints this table beside its form: the keys are stable.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable

from peewee import fn

from appliance.db.base import now
from appliance.db.models import (AccessEvent, AcceptanceEntry, FaceConsent, FaceTemplate, Household, Resident,
                                 Unit)
from appliance.errors import ValidationError
from appliance.i18n import N_, gettext
from appliance.sync.outbox import append

THRESHOLD = 0.9
STATUSES = ("pass", "fail", "na")


@dataclass(frozen=True)
class Row:
    key: str
    group: str
    title: str
    requirement: str
    measured: bool


ROWS = (
    Row("infra.cctv_gate", N_("Infrastructure"), N_("CCTV at the community's gates"),
        N_("Every gate covered; networked and working rate ≥ 90%"), False),
    Row("infra.cctv_parking", N_("Infrastructure"), N_("CCTV in the car parks"),
        N_("Car parks covered; networked and working rate ≥ 90%"), False),
    Row("infra.cctv_roads", N_("Infrastructure"), N_("CCTV on the main roads"),
        N_("Main roads covered; networked and working rate ≥ 90%"), False),
    Row("infra.cctv_firelane", N_("Infrastructure"), N_("CCTV on the fire lanes"),
        N_("Fire lanes covered; working rate ≥ 90%"), True),
    Row("infra.firelane_watch", N_("Infrastructure"), N_("Fire-lane occupation alarm"),
        N_("Vehicles in a fire lane are detected and the owner is notified"), True),
    Row("infra.access", N_("Infrastructure"), N_("Smart access control at the gates"),
        N_("Residents enter with PIN, QR or card (face optional); entries are logged"), True),
    Row("infra.network", N_("Infrastructure"), N_("Connected to the district platform"),
        N_("Data reaches the district platform (4G or USB) at least daily"), True),
    Row("infra.sensors", N_("Infrastructure"), N_("Sensors and smart lamps online"),
        N_("IoT devices online rate ≥ 90%"), False),
    Row("service.registry", N_("Services"), N_("Resident register"),
        N_("Units with registered residents ≥ 90%"), True),
    Row("service.face_consent", N_("Services"), N_("Face data with separate consent"),
        N_("Every face template has a valid separate consent"), True),
    Row("service.participation", N_("Services"), N_("Resident participation"),
        N_("Residents report, vote and rate online"), False),
    Row("mgmt.backup", N_("Management"), N_("Data backup"), N_("A backup at most 2 days old"), True),
    Row("mgmt.health", N_("Management"), N_("Equipment in working order"),
        N_("Every subsystem of the box reports OK"), True),
    Row("mgmt.training", N_("Management"), N_("Staff can run the system"),
        N_("Property staff and volunteers trained; contact for repairs named"), False),
)
ROW_KEYS = {r.key for r in ROWS}


def _rate(ok: int, total: int) -> str:
    return f"{ok}/{total} ({ok / total:.0%})" if total else "0/0"


class AcceptanceTable:
    def __init__(self, config, health, sync=None, last_backup: Callable[[], object] | None = None,
                 clock=datetime.datetime.now):
        self.config = config
        self.health = health
        self.sync = sync
        self.last_backup = last_backup or (lambda: None)
        self.clock = clock

    def rows(self) -> list[dict]:
        report = self.health.report()["subsystems"]
        entries = {e.row_key: e for e in AcceptanceEntry.select()}
        out = []
        for row in ROWS:
            if row.measured:
                status, figure, evidence = getattr(self, "_" + row.key.replace(".", "_"))(report)
                source = "box"
            else:
                entry = entries.get(row.key)
                status = entry.status if entry else "open"
                figure = ""
                evidence = entry.evidence if entry else ""
                source = f"{entry.updated_by} {entry.updated_at:%Y-%m-%d}" if entry else ""
            # Translated here, not in the template: the requirements contain "%" signs.
            out.append({"key": row.key, "group": gettext(row.group), "title": gettext(row.title),
                        "requirement": gettext(row.requirement), "measured": row.measured, "status": status,
                        "figure": figure, "evidence": gettext(evidence) if row.measured else evidence,
                        "source": source})
        return out

    def summary(self, rows: list[dict]) -> dict:
        counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("pass", "fail", "na", "open")}
        counts["total"] = len(rows)
        return counts

    def fill(self, key: str, status: str, evidence: str, actor: str) -> None:
        if key not in ROW_KEYS or next(r for r in ROWS if r.key == key).measured:
            raise ValidationError(N_("This row is measured by the box and cannot be filled by hand."), field="key")
        if status not in STATUSES:
            raise ValidationError(N_("Choose pass, fail or not applicable."), field="status")
        evidence = (evidence or "").strip()
        if status == "pass" and not evidence:
            raise ValidationError(N_("A passed row needs its evidence (where, how many, which document)."),
                                  field="evidence")
        if len(evidence) > 2000:
            raise ValidationError(N_("The evidence can have at most %(n)s characters."), field="evidence", n=2000)
        with AcceptanceEntry._meta.database.atomic():
            AcceptanceEntry.insert(row_key=key, status=status, evidence=evidence, updated_at=now(),
                                   updated_by=actor).on_conflict(
                conflict_target=[AcceptanceEntry.row_key],
                update={AcceptanceEntry.status: status, AcceptanceEntry.evidence: evidence,
                        AcceptanceEntry.updated_at: now(), AcceptanceEntry.updated_by: actor}).execute()
            # The district sees each staff entry with its evidence (same transaction: both or neither).
            append("acceptance.row", {"key": key, "status": status, "evidence": evidence, "by": actor,
                                      "at": now().isoformat()})

    def send_to_district(self, actor: str) -> int:
        """The whole table as it stands now, measured rows included, into the outbox."""
        rows = self.rows()
        table = [{k: r[k] for k in ("key", "status", "figure", "evidence", "measured")} for r in rows]
        with AcceptanceEntry._meta.database.atomic():
            append("acceptance.table", {"rows": table, "summary": self.summary(rows), "by": actor,
                                        "at": now().isoformat()})
        return len(table)

    # --- measured rows: (status, figure, evidence) ----------------------------------------
    def _cameras(self, report) -> tuple[int, int, list[str]]:
        names = [c.get("name") for c in self.config.firelane.cameras if isinstance(c, dict)]
        ok = [n for n in names if report.get(f"camera {n}", {}).get("ok")]
        return len(ok), len(names), names

    def _infra_cctv_firelane(self, report):
        ok, total, names = self._cameras(report)
        if not total:
            return "fail", "0", N_("no fire-lane camera is configured")
        status = "pass" if ok / total >= THRESHOLD else "fail"
        return status, _rate(ok, total), ", ".join(f"{n}: {report.get(f'camera {n}', {}).get('detail', '-')}"
                                                   for n in names)

    def _infra_firelane_watch(self, report):
        ok, total, _names = self._cameras(report)
        on = self.config.firelane.enabled and not self.config.safe_mode
        status = "pass" if on and ok else "fail"
        return status, _rate(ok, total), N_("fire-lane watch on") if on else N_("fire-lane watch off")

    def _infra_access(self, report):
        since = self.clock() - datetime.timedelta(days=7)
        events = AccessEvent.select().where(AccessEvent.at >= since)
        total = events.count()
        granted = events.where(AccessEvent.granted == True).count()  # noqa: E712
        methods = sorted({e.method for e in events.select(AccessEvent.method).distinct()})
        gate_ok = report.get("gate", {}).get("ok", True)
        status = "pass" if self.config.gate.enabled and total and gate_ok else "fail"
        from appliance.access.report import METHOD_LABELS

        words = "、".join(gettext(METHOD_LABELS.get(m, m)) for m in methods) or "-"
        return status, str(total), gettext("7 days: %(granted)s of %(total)s let in; ways used: %(methods)s",
                                           granted=granted, total=total, methods=words)

    def _infra_network(self, report):
        if self.sync is None or not self.sync.paired:
            return "fail", "-", N_("not paired with the district hub")
        status = self.sync.status()
        last = status.get("last_contact") or status.get("last_ack_at") or ""
        backlog = status.get("backlog", 0)
        ok = bool(last) and backlog < 10000
        return ("pass" if ok else "fail"), str(backlog), gettext(
            "last contact %(last)s; %(n)s records waiting to be sent", last=str(last)[:16] or "-", n=backlog)

    def _service_registry(self, report):
        units = Unit.select().count()
        living = Resident.select().where(Resident.move_out.is_null(True))
        occupied = (Household.select(fn.COUNT(fn.DISTINCT(Household.unit))).join(Resident)
                    .where(Resident.move_out.is_null(True)).scalar() or 0)
        residents = living.count()
        status = "pass" if units and occupied / units >= THRESHOLD else "fail"
        return status, _rate(occupied, units), gettext("%(residents)s residents in %(units)s units",
                                                        residents=residents, units=units)

    def _service_face_consent(self, report):
        templates = FaceTemplate.select().count()
        valid = (FaceTemplate.select().join(FaceConsent)
                 .where(FaceConsent.withdrawn_at.is_null(True)).count())
        status = "pass" if valid == templates else "fail"
        return status, _rate(valid, templates), gettext("%(n)s face templates, %(valid)s with a valid consent",
                                                        n=templates, valid=valid)

    def _mgmt_backup(self, report):
        last = self.last_backup()
        if last is None:
            return "fail", "-", N_("no backup yet")
        try:
            age = self.clock() - datetime.datetime.fromisoformat(last.created)
        except ValueError:
            return "fail", "-", last.name
        return ("pass" if age <= datetime.timedelta(days=2) else "fail"), last.created.replace("T", " "), last.name

    def _mgmt_health(self, report):
        failing = [name for name, r in report.items() if not r["ok"]]
        ok = len(report) - len(failing)
        return ("pass" if not failing else "fail"), _rate(ok, len(report)), ", ".join(failing) or "OK"
