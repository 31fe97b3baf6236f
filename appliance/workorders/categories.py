"""Work-order categories (service codes): registered by features at every start, edited by
staff later. Mixed into :class:`appliance.workorders.service.WorkOrderService`."""

from __future__ import annotations

from appliance.db.models import WorkOrderCategory
from appliance.errors import ValidationError
from appliance.validation import clean_flag, clean_int, clean_text

MAX_DUE_HOURS = 24 * 365


class CategoryRegistry:
    """Needs ``self.db``, ``self.audit`` and ``self.now()`` from the class it is mixed into."""

    def register_category(self, code: str, name_zh: str, name_en: str, due_hours: int,
                          default_assignee: str | None = None, group: str = "", actor: str = "system"):
        values = self._category_values({"name_zh": name_zh, "name_en": name_en, "due_hours": due_hours,
                                        "default_assignee": default_assignee or "", "group": group})
        code = clean_text(code, "code", required=True, max_len=40)
        with self.db.atomic():
            cat = WorkOrderCategory.get_or_none(WorkOrderCategory.code == code)
            if cat is None:
                cat = WorkOrderCategory.create(code=code, updated_at=self.now(), **values)
                self.audit.record(actor, "create", "workorder.category", cat.id, {"name": name_zh})
            elif not cat.edited and any(getattr(cat, k) != v for k, v in values.items()):
                WorkOrderCategory.update(updated_at=self.now(), **values).where(
                    WorkOrderCategory.id == cat.id).execute()
                cat = WorkOrderCategory.get_by_id(cat.id)
                self.audit.record(actor, "update", "workorder.category", cat.id, {"name": name_zh})
        return cat

    def update_category(self, code: str, data: dict, actor: str):
        cat = self.category(code)
        merged = {k: getattr(cat, k) for k in ("name_zh", "name_en", "due_hours", "default_assignee", "group")}
        merged.update({k: v for k, v in data.items() if k in merged})
        values = self._category_values(merged)
        values["active"] = clean_flag(data.get("active", cat.active), "active")
        with self.db.atomic():
            WorkOrderCategory.update(edited=True, updated_at=self.now(), **values).where(
                WorkOrderCategory.id == cat.id).execute()
            self.audit.record(actor, "update", "workorder.category", cat.id, {"name": cat.code})
        return WorkOrderCategory.get_by_id(cat.id)

    @staticmethod
    def _category_values(data: dict) -> dict:
        return {"name_zh": clean_text(data.get("name_zh"), "name_zh", required=True, max_len=60),
                "name_en": clean_text(data.get("name_en"), "name_en", max_len=60),
                "due_hours": clean_int(data.get("due_hours"), "due_hours", min=1, max=MAX_DUE_HOURS) or 72,
                "default_assignee": clean_text(data.get("default_assignee"), "default_assignee", max_len=100),
                "group": clean_text(data.get("group"), "group", max_len=40)}

    def category(self, code: str) -> WorkOrderCategory:
        cat = WorkOrderCategory.get_or_none(WorkOrderCategory.code == str(code)[:40])
        if cat is None:
            raise ValidationError("Unknown category: %(value)s", field="category", value=str(code)[:40])
        return cat

    def categories(self, active_only: bool = True) -> list[WorkOrderCategory]:
        query = WorkOrderCategory.select().order_by(WorkOrderCategory.group, WorkOrderCategory.code)
        if active_only:
            query = query.where(WorkOrderCategory.active == True)  # noqa: E712
        return list(query)
