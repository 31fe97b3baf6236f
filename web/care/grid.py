"""Grid pages (phone first): the worker's tasks (overdue in red, first), one task with its
checklist and result, grids and new tasks for admins, the street office's monthly sheet."""

from __future__ import annotations

import datetime

from flask import Blueprint, Response, redirect, render_template, request, send_file, url_for

from appliance.care.grid import grid_kind_word
from appliance.db.models.care import GRID_TASK_KINDS
from appliance.errors import LinliError, NotFound
from web.auth import STAFF, actor, load_user, roles, services
from web.params import BadParameter, date_arg, id_arg, int_arg, text_arg

bp = Blueprint("grid", __name__, url_prefix="/grid")
bp.add_app_template_filter(grid_kind_word, "grid_kind")


def care():
    return services().care


@bp.get("/")
@roles(*STAFF)
def tasks():
    return _tasks_page()


def _tasks_page(error=None, field=None, form=None, status=200):
    user = load_user()
    mine = None if user.role == "admin" else user.username
    rows = care().grid_tasks(mine)
    return render_template("care/grid_tasks.html", tasks=rows, late={t.id for t in rows if care().task_overdue(t)},
                           grids=care().grids(), kinds=GRID_TASK_KINDS, error=error, error_field=field,
                           form=form or {}, buildings=services().registry.buildings()
                           if user.role == "admin" else []), status


def _back(action, task_id=None):
    try:
        action()
    except NotFound:
        raise
    except LinliError as exc:
        if task_id is not None:
            return _task_page(task_id, exc.message(), getattr(exc, "field", None), request.form, 400)
        return _tasks_page(exc.message(), getattr(exc, "field", None), request.form, 400)
    if task_id is not None:
        return redirect(url_for("care.grid.task", task_id=task_id))
    return redirect(url_for("care.grid.tasks"))


@bp.post("/grids")
@roles("admin")
def save_grid():
    data = {"name": text_arg("name", 40, source=request.form), "worker": text_arg("worker", 100, source=request.form),
            "buildings": request.form.getlist("buildings")[:200]}
    return _back(lambda: care().save_grid(data, actor()))


@bp.post("/tasks")
@roles("admin")
def new_task():
    def create():
        data = {"kind": request.form.get("kind", "")[:20], "title": text_arg("title", 100, source=request.form),
                "checklist": request.form.get("checklist", "")[:4000], "due": date_arg("due", source=request.form)}
        care().create_task(id_arg("grid", source=request.form), data, actor())

    return _back(create)


def _task_page(task_id, error=None, field=None, form=None, status=200):
    task = care().task(task_id)
    return render_template("care/grid_task.html", task=task, late=care().task_overdue(task), error=error,
                           error_field=field, form=form or {}, photos=care().task_photos(task)), status


@bp.get("/task/<int:task_id>")
@roles(*STAFF)
def task(task_id):
    return _task_page(task_id)


@bp.post("/task/<int:task_id>/item")
@roles(*STAFF)
def item(task_id):
    index = int_arg("index", -1, lo=-1, hi=1000, source=request.form)
    done = request.form.get("done") == "1"
    return _back(lambda: care().tick_item(task_id, index, done, actor()), task_id)


@bp.post("/task/<int:task_id>/finish")
@roles(*STAFF)
def finish(task_id):
    return _back(lambda: care().finish_task(task_id, request.form.get("result", "")[:2000], actor()), task_id)


@bp.get("/export.xlsx")
@roles("admin", "district")
def export():
    raw = request.args.get("month", "")[:7]
    try:
        month = datetime.date.fromisoformat(raw + "-01") if raw else care().now().date()
    except ValueError:
        raise BadParameter("month") from None
    data = care().grid_month_xlsx(month)
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=grid-{month:%Y-%m}.xlsx"})


@bp.post("/task/<int:task_id>/photos")
@roles(*STAFF)
def add_photos(task_id):
    # Read at most the store's limit + 1 byte per file: a larger one is refused by size, not read whole.
    limit = int(services().config.participation.photo_max_mb * 1024 * 1024) + 1
    uploads = [f.read(limit) for f in request.files.getlist("photo")[:8] if f and f.filename]
    return _back(lambda: care().add_task_photos(task_id, uploads, actor()), task_id)


@bp.post("/photo/<int:photo_id>/delete")
@roles(*STAFF)
def delete_photo(photo_id):
    return _back(lambda: care().delete_task_photo(photo_id, actor()), care().task_photo(photo_id).task_id)


@bp.get("/photo/<name>")
@roles("admin", "volunteer", "district")
def photo(name):
    stem, _, kind = name.partition(".")
    if kind not in ("jpg", "t.jpg"):
        raise NotFound("No such photo.")
    return send_file(care().task_photo_path(stem, thumb=kind == "t.jpg"), mimetype="image/jpeg", max_age=3600)
