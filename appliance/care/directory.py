"""The community services directory (便民服务): canteen, housekeeping, repairs, clinics, with
hours and phone numbers, kept by staff and shown to staff and at the kiosk. Mixed into
:class:`appliance.care.service.CareService`."""

from __future__ import annotations

from appliance.db.base import find as find_row
from appliance.db.models import CommunityService
from appliance.db.models.care import SERVICE_KINDS
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_, gettext
from appliance.validation import clean_phone, clean_text

KIND_WORDS = {"canteen": N_("elders' canteen"), "housekeeping": N_("housekeeping"), "repairs": N_("home repairs"),
              "clinic": N_("clinic"), "other": N_("other services")}
MAX_ENTRIES = 200
MAX_OPEN_REQUESTS = 3  # a resident's own open 家政/维修 requests at a time
# Services a volunteer can ask to come to an elder's home: a work order for the provider.
REQUESTABLE = {"housekeeping": ("service_housekeeping", "家政服务", "Housekeeping at home"),
               "repairs": ("service_repairs", "维修上门", "Repairs at home")}


def service_kind_word(kind: str) -> str:
    return gettext(KIND_WORDS.get(kind, kind))


class Directory:
    def directory(self) -> list[CommunityService]:
        rows = list(CommunityService.select())
        rows.sort(key=lambda r: (SERVICE_KINDS.index(r.kind) if r.kind in SERVICE_KINDS else 99, r.name))
        return rows

    def save_service(self, data: dict, actor: str, service_id=None) -> CommunityService:
        kind = data.get("kind")
        if kind not in SERVICE_KINDS:
            raise ValidationError("Unknown kind of service: %(value)s", field="kind", value=str(kind)[:40])
        values = {"kind": kind, "name": clean_text(data.get("name"), "name", required=True, max_len=60),
                  "hours": clean_text(data.get("hours"), "hours", max_len=60),
                  "address": clean_text(data.get("address"), "address", max_len=100)}
        values["phone"] = clean_phone(clean_text(data.get("phone"), "phone", max_len=20), "phone", hotline=True)
        with self.db.atomic():
            if service_id is None:
                if CommunityService.select().count() >= MAX_ENTRIES:
                    raise ValidationError("The directory is full (%(n)s entries).", field="name", n=MAX_ENTRIES)
                row = CommunityService.create(updated_at=self.now(), **values)
                self.audit.record(actor, "create", "care.service", row.id, {"name": row.name})
            else:
                row = self._service(service_id)
                CommunityService.update(updated_at=self.now(), **values).where(CommunityService.id == row.id).execute()
                self.audit.record(actor, "update", "care.service", row.id, {"name": values["name"]})
        return self._service(row.id)

    def delete_service(self, service_id, actor: str) -> None:
        row = self._service(service_id)
        with self.db.atomic():
            row.delete_instance()
            self.audit.record(actor, "delete", "care.service", row.id, {"name": row.name})

    def _service(self, service_id) -> CommunityService:
        row = find_row(CommunityService, service_id)
        if row is None:
            raise NotFound("No such service.")
        return row

    def register_service_categories(self) -> None:
        for code, zh, en in REQUESTABLE.values():
            self.workorders.register_category(code, zh, en, 48, group="services")

    def requestable_services(self) -> list[CommunityService]:
        return [r for r in self.directory() if r.kind in REQUESTABLE]

    def request_service(self, resident_id, service_id, text: str, actor: str):
        """家政/维修上门 for an elder: a work order assigned to the provider, the elder as the
        reporter (the field policy decides what of them leaves), the volunteer on their behalf."""
        person = self.elder(resident_id)
        provider = self._service(service_id)
        if provider.kind not in REQUESTABLE:
            raise ValidationError("%(value)s does not come to people's homes.", field="service", value=provider.name)
        words = clean_text(text, "text", required=True, max_len=500)
        return self.workorders.open(source="volunteer_on_behalf", category=REQUESTABLE[provider.kind][0],
                                    description=words, actor=actor, reporter_id=person.id, on_behalf_by=actor,
                                    assignee=provider.name, place={"unit_id": person.household.unit_id})

    def request_service_myself(self, resident_id, service_id, text: str):
        """家政/维修上门 asked by a resident on her own phone (/me): a work order for the
        provider, to her own unit. A few open requests per person, so a stuck finger on a
        phone cannot flood the provider's list."""
        from appliance.db.models import Resident, WorkOrder, WorkOrderCategory
        from appliance.db.models.workorders import OPEN_STATUSES

        person = find_row(Resident, resident_id)
        if person is None:
            raise NotFound("No such resident.")
        provider = self._service(service_id)
        if provider.kind not in REQUESTABLE:
            raise ValidationError("%(value)s does not come to people's homes.", field="service", value=provider.name)
        words = clean_text(text, "text", required=True, max_len=500)
        categories = [c for c, _zh, _en in REQUESTABLE.values()]
        waiting = (WorkOrder.select().join(WorkOrderCategory)
                   .where(WorkOrder.reporter == person, WorkOrderCategory.code.in_(categories),
                          WorkOrder.status.in_(OPEN_STATUSES)).count())
        if waiting >= MAX_OPEN_REQUESTS:
            raise ValidationError("You already have %(n)s requests waiting; please wait for them.", field="text",
                                  n=waiting)
        return self.workorders.open(source="resident", category=REQUESTABLE[provider.kind][0], description=words,
                                    actor="resident", reporter_id=person.id, assignee=provider.name,
                                    place={"unit_id": person.household.unit_id})
