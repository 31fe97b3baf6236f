"""Residents vote on their own phone (/me/votes): the open votes for their unit, a ballot with
big 赞成/反对/弃权 buttons, their ballot afterwards. Opening a ballot records its delivery."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from appliance.errors import LinliError
from web.auth import services
from web.me import resident_required

bp = Blueprint("votes", __name__, url_prefix="/votes")


@bp.get("/")
@resident_required
def home(resident):
    return render_template("votes/me_list.html", votes=services().votes.service.open_votes())


@bp.get("/<int:vote_id>")
@resident_required
def ballot(resident, vote_id, error=None, field=None, status=200):
    data = services().votes.ballots.open_ballot(vote_id, resident)
    return render_template("votes/me_ballot.html", error=error, field=field, form=request.form, **data), status


@bp.post("/<int:vote_id>")
@resident_required
def cast(resident, vote_id):
    try:
        result = services().votes.ballots.cast_phone(vote_id, resident, request.form.to_dict())
    except LinliError as exc:
        return ballot(resident, vote_id, exc.message(), getattr(exc, "field", None), 400)
    return render_template("votes/me_done.html", result=result, vote=services().votes.service.get(vote_id))
