"""Grids (网格化): sets of buildings, each looked after by a grid worker (网格员), and their
tasks (inspection, visit, rectification). A task is a work order (source "grid", assigned to
the grid's worker, due on its date) plus a checklist and a written result; the monthly export
is the street office's sheet (task, grid, result, time). Mixed into
:class:`appliance.care.service.CareService`.
"""

from __future__ import annotations

import datetime
import io

from appliance.db.base import find as find_row
from appliance.db.models import Building, Grid, GridBuilding, GridTask, User, WorkOrder
from appliance.db.models.care import GRID_TASK_KINDS
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_, gettext
from appliance.validation import clean_text
from appliance.workorders.states import OPEN_STATUSES

KIND_WORDS = {"inspection": N_("inspection"), "visit": N_("home visit"), "rectification": N_("rectification")}
CATEGORIES = {"inspection": ("grid_inspection", "网格巡查", "Grid inspection"),
              "visit": ("grid_visit", "网格走访", "Grid home visit"),
              "rectification": ("grid_rectification", "网格整改", "Grid rectification")}
MAX_ITEMS = 30


def _cell(value: str) -> str:
    # Text typed by staff must stay text in Excel: "=..." would otherwise become a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def grid_kind_word(kind: str) -> str:
    return gettext(KIND_WORDS.get(kind, kind))


class Grids:
    def register_grid_categories(self) -> None:
        for code, zh, en in CATEGORIES.values():
            self.workorders.register_category(code, zh, en, 72, group="grid")

    def grids(self) -> list[Grid]:
        return list(Grid.select().order_by(Grid.name))

    def grid(self, grid_id) -> Grid:
        row = find_row(Grid, grid_id)
        if row is None:
            raise NotFound("No such grid.")
        return row

    def grid_buildings(self, grid) -> list[Building]:
        return [gb.building for gb in GridBuilding.select().where(GridBuilding.grid == grid)]

    def save_grid(self, data: dict, actor: str, grid_id=None) -> Grid:
        name = clean_text(data.get("name"), "name", required=True, max_len=40)
        worker = clean_text(data.get("worker"), "worker", max_len=100)
        if worker and not User.select().where(User.username == worker, User.active == True).exists():  # noqa: E712
            raise ValidationError("No staff account named %(value)s.", field="worker", value=worker[:40])
        ids = []
        for raw in data.get("buildings") or []:
            building = find_row(Building, raw)
            if building is None:
                raise ValidationError("No such building.", field="buildings")
            ids.append(building.id)
        with self.db.atomic():
            grid = self.grid(grid_id) if grid_id is not None else None
            clash = Grid.get_or_none(Grid.name == name)
            if clash is not None and (grid is None or clash.id != grid.id):
                raise ValidationError("A grid named %(value)s already exists.", field="name", value=name)
            taken = (GridBuilding.select().join(Grid).where(GridBuilding.building.in_(ids))
                     .where(Grid.id != (grid.id if grid else 0)).first()) if ids else None
            if taken is not None:
                raise ValidationError("%(building)s is already in grid %(grid)s.", field="buildings",
                                      building=taken.building.name, grid=taken.grid.name)
            if grid is None:
                grid = Grid.create(name=name, worker=worker, created_at=self.now())
                self.audit.record(actor, "create", "care.grid", grid.id, {"name": name})
            else:
                Grid.update(name=name, worker=worker).where(Grid.id == grid.id).execute()
                GridBuilding.delete().where(GridBuilding.grid == grid).execute()
                self.audit.record(actor, "update", "care.grid", grid.id, {"name": name})
            for bid in dict.fromkeys(ids):
                GridBuilding.create(grid=grid, building=bid)
        return Grid.get_by_id(grid.id)

    def create_task(self, grid_id, data: dict, actor: str) -> GridTask:
        grid = self.grid(grid_id)
        kind = data.get("kind")
        if kind not in GRID_TASK_KINDS:
            raise ValidationError("Unknown task kind: %(value)s", field="kind", value=str(kind)[:40])
        title = clean_text(data.get("title"), "title", required=True, max_len=100)
        lines = [clean_text(x, "checklist", max_len=100) for x in str(data.get("checklist") or "").splitlines()]
        items = [x for x in lines if x]
        if len(items) > MAX_ITEMS:
            raise ValidationError("At most %(n)s checklist lines.", field="checklist", n=MAX_ITEMS)
        due = data.get("due")
        if due is not None and not isinstance(due, datetime.date):
            raise ValidationError("Not a date.", field="due")
        if due is not None and due < self.now().date():
            raise ValidationError("The due date has passed already.", field="due")
        buildings = self.grid_buildings(grid)
        place = {"building_id": buildings[0].id} if len(buildings) == 1 else None
        with self.db.atomic():
            order = self.workorders.open(
                source="grid", category=CATEGORIES[kind][0], description=f"{grid.name}: {title}", actor=actor,
                place=place, assignee=grid.worker or None,
                due_at=datetime.datetime.combine(due, datetime.time(18)) if due else None)
            task = GridTask.create(grid=grid, order=order, kind=kind, title=title, created_at=self.now(),
                                   checklist=[{"item": x, "done": False} for x in items])
            self.audit.record(actor, "create", "care.grid_task", task.id, {"name": title})
        return task

    def task(self, task_id) -> GridTask:
        row = find_row(GridTask, task_id)
        if row is None:
            raise NotFound("No such grid task.")
        return row

    def tick_item(self, task_id, index: int, done: bool, actor: str) -> GridTask:
        task = self.task(task_id)
        items = list(task.checklist)
        if not isinstance(index, int) or not 0 <= index < len(items):
            raise ValidationError("No such checklist line.", field="item")
        if task.done_at is not None:
            raise ValidationError("This task is finished.", field="item")
        items[index] = dict(items[index], done=bool(done))
        with self.db.atomic():
            GridTask.update(checklist=items).where(GridTask.id == task.id).execute()
            if task.order.status in ("new", "accepted"):
                self.workorders.transition(task.order_id, "in_progress", actor)
        return self.task(task.id)

    def finish_task(self, task_id, result: str, actor: str) -> GridTask:
        task = self.task(task_id)
        words = clean_text(result, "result", required=True, max_len=1000)
        if task.done_at is not None:
            raise ValidationError("This task is finished.", field="result")
        open_items = [i["item"] for i in task.checklist if not i.get("done")]
        if open_items:
            raise ValidationError("Tick every checklist line first: %(items)s", field="result",
                                  items="、".join(open_items[:5]))
        with self.db.atomic():
            GridTask.update(result=words, done_at=self.now()).where(GridTask.id == task.id).execute()
            self.workorders.transition(task.order_id, "fixed", actor, note=words, public=False)
            self.audit.record(actor, "finish", "care.grid_task", task.id, {"name": task.title})
        return self.task(task.id)

    def grid_tasks(self, worker: str | None = None, open_only: bool = True) -> list[GridTask]:
        query = GridTask.select(GridTask, WorkOrder, Grid).join(WorkOrder).switch(GridTask).join(Grid)
        if open_only:
            query = query.where(GridTask.done_at.is_null())
        if worker:
            query = query.where(Grid.worker == worker)
        rows = list(query)
        rows.sort(key=lambda t: (not self.task_overdue(t), t.order.due_at or datetime.datetime.max, t.id))
        return rows

    def task_overdue(self, task: GridTask) -> bool:
        order = task.order
        return (task.done_at is None and order.status in OPEN_STATUSES and order.due_at is not None
                and order.due_at < self.now())

    def grid_month_xlsx(self, month: datetime.date) -> bytes:
        """The street office's monthly sheet: task, grid, result, time (one row per task)."""
        from openpyxl import Workbook

        start = month.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1)
        rows = (GridTask.select(GridTask, Grid).join(Grid)
                .where(GridTask.created_at >= start, GridTask.created_at < end).order_by(GridTask.created_at))
        wb = Workbook()
        ws = wb.active
        ws.title = start.strftime("%Y-%m")
        ws.append([gettext("Task"), gettext("Grid"), gettext("Result"), gettext("Time")])
        for t in rows:
            ws.append([f"{grid_kind_word(t.kind)}：{t.title}", _cell(t.grid.name), _cell(t.result or gettext("not done")),
                       (t.done_at or t.created_at).strftime("%Y-%m-%d %H:%M")])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
