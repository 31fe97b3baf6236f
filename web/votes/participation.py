"""Staff pages for 有话要说 suggestions (moderate: publish, reply, merge, decline with a reason;
post one for a resident without a phone) and e协商 consultations (open, summarise, make a vote)."""

from __future__ import annotations

from flask import redirect, render_template, request, send_file, url_for

from appliance.errors import LinliError
from web.auth import READERS, STAFF, actor, roles, services
from web.votes import bp, votes

MAX_PHOTO = 8 * 1024 * 1024
PROPOSAL_ROWS = 5


def _upload(name: str) -> bytes | None:
    f = request.files.get(name)
    return f.read(MAX_PHOTO + 1) if f and f.filename else None


@bp.get("/suggestions")
@roles(*READERS)
def suggestions(errors=None, status=200):
    s = votes().suggestions
    return render_template("votes/suggestions.html", pending=s.pending(), published=s.published(),
                           buildings=services().registry.buildings(), errors=errors or {}), status


@bp.post("/suggestions")
@roles(*STAFF)
def suggestion_post():
    try:
        votes().suggestions.post(None, request.form.get("text"), _upload("photo"), actor(),
                                 building_id=request.form.get("building"))
    except LinliError as exc:
        return suggestions({getattr(exc, "field", None) or "form": exc.message()}, 400)
    return redirect(url_for("votes.suggestions"))


@bp.post("/suggestions/<int:suggestion_id>/<action>")
@roles(*STAFF)
def suggestion_moderate(suggestion_id, action):
    try:
        votes().suggestions.moderate(suggestion_id, action, request.form.to_dict(), actor())
    except LinliError as exc:
        return suggestions({f"s{suggestion_id}": exc.message()}, 400)
    return redirect(url_for("votes.suggestions"))


@bp.get("/photos/<name>")
@roles(*READERS)
def photo(name):
    return send_file(votes().suggestions.photo_path(name), mimetype="image/jpeg")


@bp.get("/consultations")
@roles(*READERS)
def consultations(errors=None, form=None, status=200):
    return render_template("votes/consultations.html", consultations=votes().consultations.list(),
                           errors=errors or {}, form=form or {}, rows=PROPOSAL_ROWS), status


@bp.post("/consultations")
@roles(*STAFF)
def consultation_create():
    proposals = [{"text": request.form.get(f"proposal_{i}"), "item": request.form.get(f"item_{i}")}
                 for i in range(1, PROPOSAL_ROWS + 1)]
    try:
        c = votes().consultations.create(request.form.to_dict(), proposals, actor())
    except LinliError as exc:
        return consultations({getattr(exc, "field", None) or "form": exc.message()}, request.form, 400)
    return redirect(url_for("votes.consultation", consultation_id=c.id))


@bp.get("/consultations/<int:consultation_id>")
@roles(*READERS)
def consultation(consultation_id, error=None, status=200):
    return render_template("votes/consultation.html", error=error,
                           **votes().consultations.detail(consultation_id)), status


@bp.post("/consultations/<int:consultation_id>/summary")
@roles(*STAFF)
def consultation_summary(consultation_id):
    try:
        votes().consultations.summarise(consultation_id, request.form.get("summary"), actor())
    except LinliError as exc:
        return consultation(consultation_id, exc.message(), 400)
    return redirect(url_for("votes.consultation", consultation_id=consultation_id))


@bp.post("/consultations/<int:consultation_id>/vote")
@roles(*STAFF)
def consultation_vote(consultation_id):
    try:
        vote = votes().consultations.to_vote(consultation_id, actor())
    except LinliError as exc:
        return consultation(consultation_id, exc.message(), 400)
    return redirect(url_for("votes.edit", vote_id=vote.id))
