"""Face entry for staff: enrolled count, threshold calibration view, false-accept reports,
and the consent records export (the processing record)."""

import csv
import io

from flask import Response, abort, redirect, render_template, request, url_for

from web.admin import bp
from web.auth import STAFF, actor, roles, services
from web.params import id_arg


def face():
    face = services().face
    if face is None:
        abort(404)
    return face.service


@bp.get("/face")
@roles(*STAFF)
def face_overview():
    service = face()
    spread = service.score_spread()
    buckets: dict[str, list[int]] = {}
    for column, values in enumerate((spread["genuine"], spread["nearest_other"])):
        for value in values:
            key = f"{int(value * 50) / 50:.2f}"  # 0.02-wide bins
            buckets.setdefault(key, [0, 0])[column] += 1
    return render_template("admin/face.html", overview=service.overview(), spread=spread,
                           buckets=sorted(buckets.items()), reports=service.false_accepts(),
                           consents=service.consent_records()[:20])


@bp.post("/face/false-accepts")
@roles(*STAFF)
def face_false_accept():
    resident_id = id_arg("resident_id", source=request.form)
    if resident_id is not None:
        services().registry.resident(resident_id)
    face().report_false_accept(resident_id, actor(), request.form.get("event_ref", ""),
                               request.form.get("note", ""))
    return redirect(url_for("admin.face_overview"))


@bp.get("/face/consents.csv")
@roles(*STAFF)
def face_consents_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["uuid", "resident_uuid", "notice_version", "channel", "given_by", "given_at", "guardian_name",
                     "guardian_relation", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    for c in face().consent_records():
        writer.writerow([c.uuid, c.resident_uuid, c.notice_version, c.channel, c.given_by, c.given_at,
                         c.guardian_name, c.guardian_relation, c.withdrawn_at or "", c.withdrawn_by,
                         c.withdrawal_reason])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=face-consents.csv"})
