"""Work-order categories (service codes): registered by features at every start, edited by
staff later. Mixed into :class:`appliance.workorders.service.WorkOrderService`."""

from __future__ import annotations

from appliance.db.models import User, WorkOrderCategory
from appliance.errors import ValidationError
from appliance.validation import clean_flag, clean_int, clean_text

MAX_DUE_HOURS = 720
STAFF_FIELDS = ("name_zh", "name_en", "due_hours", "default_assignee", "group")
# The box opens orders in these groups by itself (alarms, fire lane, parking, elder visits):
# switching one off would lose those orders, so staff may change them but not switch them off.
MACHINE_GROUPS = ("devices", "firelane", "parking", "care")


class CategoryRegistry:
    """Needs ``self.db``, ``self.audit`` and ``self.now()`` from the class it is mixed into."""

    def _known_categories(self) -> dict[str, WorkOrderCategory]:
        # One read of all rows serves every feature's registration at start; a row only goes
        # back to the database when it is new or its feature changed its words.
        known = getattr(self, "_category_cache", None)
        if known is None:
            known = {c.code: c for c in WorkOrderCategory.select()}
            self._category_cache = known
        return known

    def register_category(self, code: str, name_zh: str, name_en: str, due_hours: int,
                          default_assignee: str | None = None, group: str = "", actor: str = "system"):
        values = self._category_values({"name_zh": name_zh, "name_en": name_en, "due_hours": due_hours,
                                        "default_assignee": default_assignee or "", "group": group})
        code = clean_text(code, "code", required=True, max_len=40)
        known = self._known_categories()
        cached = known.get(code)
        if cached is not None and (cached.edited or all(getattr(cached, k) == v for k, v in values.items())):
            return cached
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
        known[code] = cat
        return cat

    def update_category(self, code: str, data: dict, actor: str):
        """A staff edit: names, due hours, default assignee, group, on/off; the code never changes."""
        cat = self.category(code)
        for name in ("name_zh", "due_hours"):
            if name in data and str(data[name] or "").strip() == "":
                raise ValidationError("This is required.", field=name)
        merged = {k: getattr(cat, k) for k in STAFF_FIELDS}
        merged.update({k: v for k, v in data.items() if k in merged})
        values = self._category_values(merged)
        assignee = values["default_assignee"]
        if assignee and assignee != cat.default_assignee and assignee not in self.account_names():
            raise ValidationError("No staff account is called %(value)s.", field="default_assignee",
                                  value=assignee)
        values["active"] = clean_flag(data.get("active", cat.active), "active")
        if cat.active and not values["active"] and (cat.group in MACHINE_GROUPS or values["group"] in MACHINE_GROUPS):
            raise ValidationError("The box opens these work orders by itself; it cannot be switched off. "
                                  "Change who gets them or the due time instead.", field="active")
        with self.db.atomic():
            WorkOrderCategory.update(edited=True, updated_at=self.now(), **values).where(
                WorkOrderCategory.id == cat.id).execute()
            self.audit.record(actor, "update", "workorder.category", cat.id, {"name": cat.code})
        fresh = WorkOrderCategory.get_by_id(cat.id)
        self._known_categories()[fresh.code] = fresh
        return fresh

    @staticmethod
    def account_names() -> list[str]:
        """Staff accounts that can be a category's default assignee."""
        return sorted({u.display_name or u.username for u in User.select().where(
            User.active == True, User.role.in_(("admin", "volunteer")))})  # noqa: E712

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
