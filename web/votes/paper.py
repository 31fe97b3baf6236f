"""Paper ballots (print per unit with a QR code; one person types a filled ballot in with its
scan, a second checks it), the ledger with its refused entries and reversals, the notice
(公示) and the files anyone can re-count from."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, send_file, url_for

from appliance.errors import LinliError, NotFound
from web.access.credentials import qr_svg
from web.auth import READERS, STAFF, actor, roles
from web.params import int_arg
from web.votes import bp, votes

MAX_SCAN = 8 * 1024 * 1024


@bp.get("/<int:vote_id>/ballots/print")
@roles(*STAFF)
def print_ballots(vote_id):
    v = votes()
    vote = v.service.get(vote_id)
    building = request.args.get("building", "")[:50]
    rows = [r for r in v.roll.rows(vote.id) if not building or r.building == building]
    sheets = [(r, qr_svg(v.ballots.paper_code(vote, r)), v.ballots.paper_code(vote, r)) for r in rows]
    return render_template("votes/print_ballots.html", vote=vote, sheets=sheets, matters=v.service.matters(vote.id))


@bp.get("/<int:vote_id>/paper")
@roles(*READERS)
def paper(vote_id, errors=None, form=None, status=200, done=None):
    v = votes()
    vote = v.service.get(vote_id)
    return render_template("votes/paper.html", vote=vote, matters=v.service.matters(vote.id),
                           pending=v.ballots.pending(vote.id), errors=errors or {}, form=form or {},
                           done=done or request.args.get("done", "")[:200]), status


@bp.post("/<int:vote_id>/paper")
@roles(*STAFF)
def paper_enter(vote_id):
    upload = request.files.get("scan")
    scan = upload.read(MAX_SCAN + 1) if upload else None
    try:
        votes().ballots.enter_paper(vote_id, request.form.to_dict(), scan, actor())
    except LinliError as exc:
        return paper(vote_id, {getattr(exc, "field", None) or "form": exc.message()}, request.form, 400)
    return redirect(url_for("votes.paper", vote_id=vote_id, done="entered"))


@bp.post("/<int:vote_id>/paper/<int:paper_id>/confirm")
@roles(*STAFF)
def paper_confirm(vote_id, paper_id):
    try:
        result = votes().ballots.confirm_paper(vote_id, paper_id, actor())
    except LinliError as exc:
        return paper(vote_id, {"pending": exc.message()}, None, 400)
    return redirect(url_for("votes.paper", vote_id=vote_id, done="counted" if result.accepted else "duplicate"))


@bp.post("/<int:vote_id>/paper/<int:paper_id>/reject")
@roles(*STAFF)
def paper_reject(vote_id, paper_id):
    try:
        votes().ballots.reject_paper(vote_id, paper_id, request.form.get("reason", ""), actor())
    except LinliError as exc:
        return paper(vote_id, {"pending": exc.message()}, None, 400)
    return redirect(url_for("votes.paper", vote_id=vote_id, done="rejected"))


@bp.get("/<int:vote_id>/scans/<name>")
@roles(*READERS)
def scan(vote_id, name):
    path = votes().ballots.scan_for_view(vote_id, name)
    response = send_file(path, mimetype="image/png" if path.suffix == ".png" else "image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:vote_id>/scans/<name>/original")
@roles("admin")
def scan_original(vote_id, name):
    path = votes().ballots.scan_original(vote_id, name, actor())  # a changed file: the error page says so
    response = send_file(path, mimetype="image/png" if path.suffix == ".png" else "image/jpeg",
                         as_attachment=True, download_name=f"vote-{vote_id}-original-{path.name}")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-SHA256"] = path.name.split(".")[0]
    return response


@bp.get("/<int:vote_id>/ledger")
@roles(*READERS)
def ledger(vote_id, error=None, status=200):
    v = votes()
    vote = v.service.get(vote_id)
    return render_template("votes/ledger.html", vote=vote, entries=v.ledger.entries(vote.id),
                           problems=v.ledger.verify(vote), heads=v.ledger.daily_heads(vote.id), error=error,
                           scans=v.ballots.scan_names(vote.id)), status


@bp.post("/<int:vote_id>/reverse")
@roles(*STAFF)
def reverse(vote_id):
    try:
        votes().ballots.reverse(vote_id, int_arg("seq", 0, lo=0, hi=10**9, source=request.form),
                                request.form.get("reason", ""), actor())
    except LinliError as exc:
        return ledger(vote_id, exc.message(), 400)
    return redirect(url_for("votes.ledger", vote_id=vote_id))


@bp.get("/<int:vote_id>/notice")
@roles(*READERS)
def notice(vote_id):
    v = votes()
    vote = v.service.get(vote_id)
    published = vote.result if vote.status in ("preliminary", "final") else None
    return render_template("votes/notice.html", vote=vote, summary=published or v.service.result_summary(vote),
                           heads=v.ledger.daily_heads(vote.id), matters=v.service.matters(vote.id))


EXPORTS = {"ledger.jsonl": ("ledger_text", "application/x-ndjson"), "roll.csv": ("roll_csv", "text/csv"),
           "ballots.csv": ("ballots_csv", "text/csv"),
           "results.xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


@bp.get("/<int:vote_id>/export/<name>")
@roles(*READERS)
def export(vote_id, name):
    if name not in EXPORTS:
        raise NotFound()
    method, mimetype = EXPORTS[name]
    body = getattr(votes().exporter, method)(vote_id)
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename=vote-{vote_id}-{name}"})
