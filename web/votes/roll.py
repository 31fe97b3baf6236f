"""The voter roll pages: check it (staff see owners, the printed one only units and areas),
merge a multi-unit owner, correct a unit during the correction window, record deliveries."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from appliance.errors import LinliError
from appliance.votes.roll import fallback_count
from web.auth import READERS, STAFF, actor, roles
from web.votes import bp, votes


@bp.get("/<int:vote_id>/roll")
@roles(*READERS)
def roll(vote_id, error=None, status=200):
    v = votes()
    vote = v.service.get(vote_id)
    public = request.args.get("print") == "1"
    rows = v.roll.rows(vote.id)
    return render_template("votes/roll.html", vote=vote, rows=rows, public=public, fallback=fallback_count(rows),
                           suggestions=[] if public else v.roll.suggestions(vote.id), error=error), status


@bp.post("/<int:vote_id>/roll/merge")
@roles(*STAFF)
def roll_merge(vote_id):
    v = votes()
    try:
        v.roll.merge(v.service.get(vote_id), request.form.getlist("roll_id")[:100], actor())
    except LinliError as exc:
        return roll(vote_id, exc.message(), 400)
    return redirect(url_for("votes.roll", vote_id=vote_id))


@bp.post("/<int:vote_id>/roll/<int:roll_id>")
@roles(*STAFF)
def roll_correct(vote_id, roll_id):
    v = votes()
    try:
        v.roll.correct(v.service.get(vote_id), roll_id, request.form.to_dict(), actor())
    except LinliError as exc:
        return roll(vote_id, exc.message(), 400)
    return redirect(url_for("votes.roll", vote_id=vote_id))


@bp.get("/<int:vote_id>/delivery")
@roles(*READERS)
def delivery(vote_id, error=None, status=200):
    v = votes()
    vote = v.service.get(vote_id)
    return render_template("votes/delivery.html", vote=vote, rows=v.roll.rows(vote.id), error=error), status


@bp.post("/<int:vote_id>/delivery")
@roles(*STAFF)
def delivery_save(vote_id):
    v = votes()
    try:
        v.roll.mark_delivered(v.service.get(vote_id), request.form.getlist("roll_id")[:5000], "signed", actor())
    except LinliError as exc:
        return delivery(vote_id, exc.message(), 400)
    return redirect(url_for("votes.delivery", vote_id=vote_id))
