"""What staff keep up to date for residents' phones and the kiosk: the elders' canteen menu
(长者食堂 dishes and price per meal and day) and the community's own entries in the
waste-sorting guide (a local item, a corrected bin, or a built-in item hidden). Mixed into
:class:`appliance.care.service.CareService`."""

from __future__ import annotations

import datetime

from appliance.care.waste import BINS, search
from appliance.db.base import find as find_row
from appliance.db.models import MealMenu, WasteItem
from appliance.db.models.care import MEALS
from appliance.errors import NotFound, ValidationError
from appliance.validation import clean_text

MENU_AHEAD_DAYS = 14
MAX_WASTE_ITEMS = 500


class LocalGuide:
    # --- canteen menu ---------------------------------------------------------------------------
    def save_menu(self, day, meal: str, dishes: str, price: str, actor: str) -> MealMenu | None:
        """Write (or, with nothing in it, remove) the menu of one meal. Days from yesterday to
        two weeks ahead: the kitchen corrects today's and plans the next ones."""
        if not isinstance(day, datetime.date):
            raise ValidationError("Not a date (use 2024-03-01): %(value)s", field="day", value=str(day)[:20])
        today = self.now().date()
        if not today - datetime.timedelta(days=1) <= day <= today + datetime.timedelta(days=MENU_AHEAD_DAYS):
            raise ValidationError("Menus can be written from yesterday to %(n)s days ahead.", field="day",
                                  n=MENU_AHEAD_DAYS)
        if meal not in MEALS:
            raise ValidationError("Unknown meal: %(value)s", field="meal", value=str(meal)[:20])
        dishes = clean_text(dishes, "dishes", max_len=120)
        price = clean_text(price, "price", max_len=40)
        with self.db.atomic():
            row = MealMenu.get_or_none(MealMenu.day == day, MealMenu.meal == meal)
            if not dishes and not price:
                if row is not None:
                    row.delete_instance()
                    self.audit.record(actor, "delete", "care.menu", row.id, {"date": day.isoformat(), "kind": meal})
                return None
            values = {"dishes": dishes, "price": price, "updated_by": actor, "updated_at": self.now()}
            if row is None:
                row = MealMenu.create(day=day, meal=meal, **values)
            else:
                MealMenu.update(**values).where(MealMenu.id == row.id).execute()
            self.audit.record(actor, "update", "care.menu", row.id, {"date": day.isoformat(), "kind": meal})
        return MealMenu.get_by_id(row.id)

    def menus(self, days: list[datetime.date]) -> dict[tuple[datetime.date, str], MealMenu]:
        if not days:
            return {}
        return {(r.day, r.meal): r for r in MealMenu.select().where(MealMenu.day.in_(days))}

    # --- waste-sorting guide ----------------------------------------------------------------------
    def waste_search(self, query: str) -> list[dict]:
        local = [(r.name, r.kind, r.note, r.hidden) for r in WasteItem.select()]
        return search(query, self.settings.waste_city, local)

    def waste_items(self) -> list[WasteItem]:
        return list(WasteItem.select().order_by(WasteItem.name))

    def save_waste_item(self, data: dict, actor: str) -> WasteItem:
        name = "".join(clean_text(data.get("name"), "name", required=True, max_len=20).split())
        hidden = str(data.get("hidden") or "") in ("1", "on", "true")
        kind = str(data.get("kind") or "")
        if not hidden and kind not in BINS:
            raise ValidationError("Choose the bin.", field="kind")
        note = clean_text(data.get("note"), "note", max_len=60)
        values = {"kind": "" if hidden else kind, "note": note, "hidden": hidden, "updated_by": actor,
                  "updated_at": self.now()}
        with self.db.atomic():
            row = WasteItem.get_or_none(WasteItem.name == name)
            if row is None:
                if WasteItem.select().count() >= MAX_WASTE_ITEMS:
                    raise ValidationError("The guide has %(n)s local entries already.", field="name",
                                          n=MAX_WASTE_ITEMS)
                row = WasteItem.create(name=name, **values)
            else:
                WasteItem.update(**values).where(WasteItem.id == row.id).execute()
            self.audit.record(actor, "update", "care.waste", row.id, {"name": name})
        return WasteItem.get_by_id(row.id)

    def delete_waste_item(self, item_id, actor: str) -> None:
        row = find_row(WasteItem, item_id)
        if row is None:
            raise NotFound("No such entry.")
        with self.db.atomic():
            row.delete_instance()
            self.audit.record(actor, "delete", "care.waste", row.id, {"name": row.name})
