"""Residents import (preview, then commit as a background job with progress) and export."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from flask import current_app, render_template, request, send_file
from flask_babel import gettext as _

from appliance.errors import LinliError
from web.admin import bp
from web.auth import READERS, STAFF, actor, roles, services

ALLOWED = (".xlsx", ".csv")


def _uploads() -> Path:
    folder = current_app.extensions["linli_config"].home / "uploads"
    folder.mkdir(exist_ok=True)
    return folder


@bp.get("/residents/import")
@roles(*STAFF)
def import_page():
    return render_template("admin/import.html")


@bp.post("/residents/import")
@roles(*STAFF)
def import_preview():
    """Stage the upload and check it (a dry run); the page then offers to commit it."""
    upload = request.files.get("file")
    suffix = Path(upload.filename or "").suffix.lower() if upload else ""
    if not upload or suffix not in ALLOWED:
        return render_template("admin/import.html", error=_("Choose an .xlsx or .csv file.")), 400
    staged = _uploads() / f"{uuid.uuid4().hex}{suffix}"
    upload.save(staged)
    try:
        report = services().residents_io.import_file(staged, actor(), dry_run=True)
    except LinliError as exc:
        staged.unlink(missing_ok=True)
        return render_template("admin/import.html", error=exc.message()), 400
    if not report.ok:
        staged.unlink(missing_ok=True)
    return render_template("admin/import.html", report=report, staged=staged.name if report.ok else None,
                           filename=upload.filename), 200 if report.ok else 400


@bp.post("/residents/import/commit")
@roles(*STAFF)
def import_commit():
    name = request.form.get("staged", "")
    # Only a name this page made (a uuid4 hex and the suffix) is looked up on disk.
    stem, dot, suffix = name.partition(".")
    valid = len(stem) == 32 and all(c in "0123456789abcdef" for c in stem) and dot and f".{suffix}" in ALLOWED
    staged = _uploads() / name if valid else None
    if staged is None or not staged.exists():
        return render_template("admin/import.html", error=_("The checked file is gone; upload it again.")), 400
    s = services()
    job = s.jobs.create("residents.import", created_by=actor())
    s.tasks.import_residents(job.id, str(staged), actor())
    return render_template("admin/_job.html", job=s.jobs.get(job.uuid))


@bp.get("/jobs/<job_uuid>")
@roles(*STAFF)
def job_status(job_uuid):
    return render_template("admin/_job.html", job=services().jobs.get(job_uuid))


@bp.get("/residents/export.<fmt>")
@roles(*READERS)
def export(fmt):
    if fmt not in ("xlsx", "csv"):
        return render_template("error.html", status=404, message=_("Page not found.")), 404
    template_only = request.args.get("template") == "1"
    tmp = Path(tempfile.mkdtemp(dir=_uploads())) / f"residents.{fmt}"
    services().residents_io.export_file(tmp, template_only=template_only)
    name = ("住户导入模板" if template_only else "住户名册") + f".{fmt}"
    handle = open(tmp, "rb")
    tmp.unlink()  # the open handle keeps the data; nothing is left behind in uploads/
    tmp.parent.rmdir()
    return send_file(handle, as_attachment=True, download_name=name, max_age=0)


