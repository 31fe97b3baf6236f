"""Objections (询异) to the preliminary result: the office writes each one down during the window
and answers it; the final result waits for every answer."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from appliance.errors import LinliError
from web.auth import READERS, STAFF, actor, roles
from web.votes import bp, votes


@bp.get("/<int:vote_id>/objections")
@roles(*READERS)
def objections(vote_id, errors=None, form=None, status=200):
    v = votes()
    vote = v.service.get(vote_id)
    return render_template("votes/objections.html", vote=vote, objections=v.objections.list(vote.id),
                           units=[f"{r.building} {r.number}" for r in v.roll.rows(vote.id)],
                           errors=errors or {}, form=form or {}, done=request.args.get("done", "")[:20]), status


@bp.post("/<int:vote_id>/objections")
@roles(*STAFF)
def objection_record(vote_id):
    try:
        votes().objections.record(vote_id, request.form.to_dict(), actor())
    except LinliError as exc:
        return objections(vote_id, {getattr(exc, "field", None) or "form": exc.message()}, request.form, 400)
    return redirect(url_for("votes.objections", vote_id=vote_id, done="recorded"))


@bp.post("/<int:vote_id>/objections/<int:objection_id>/answer")
@roles(*STAFF)
def objection_answer(vote_id, objection_id):
    try:
        votes().objections.answer(vote_id, objection_id, request.form.to_dict(), actor())
    except LinliError as exc:
        return objections(vote_id, {"list": exc.message(), "list_id": objection_id}, None, 400)
    return redirect(url_for("votes.objections", vote_id=vote_id, done="answered"))


# --- correcting the count after an upheld objection ---------------------------------------------
@bp.post("/<int:vote_id>/objections/<int:objection_id>/reopen")
@roles(*STAFF)
def objection_reopen(vote_id, objection_id):
    try:
        votes().corrections.reopen(vote_id, objection_id, request.form.to_dict(), actor())
    except LinliError as exc:
        return objections(vote_id, {"list": exc.message(), "list_id": objection_id}, None, 400)
    return redirect(url_for("votes.correction", vote_id=vote_id))


@bp.get("/<int:vote_id>/correction")
@roles(*READERS)
def correction(vote_id, error=None, field=None, status=200):
    v = votes()
    vote = v.service.get(vote_id)
    return render_template("votes/correction.html", vote=vote, pending=v.corrections.pending(vote),
                           matters=v.service.matters(vote.id), entries=v.ledger.entries(vote.id),
                           units=[f"{r.building} {r.number}" for r in v.roll.rows(vote.id)],
                           error=error, field=field, form=request.form if error else {},
                           done=request.args.get("done", "")[:20]), status


@bp.post("/<int:vote_id>/correction")
@roles(*STAFF)
def correction_save(vote_id):
    try:
        votes().corrections.correct(vote_id, request.form.to_dict(), actor())
    except LinliError as exc:
        return correction(vote_id, exc.message(), getattr(exc, "field", None), 400)
    return redirect(url_for("votes.correction", vote_id=vote_id, done="saved"))
