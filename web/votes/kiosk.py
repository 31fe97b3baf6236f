"""Voting at the gate kiosk (/kiosk/votes): the PIN, then the ballot with big buttons. The
kiosk keeps no resident session: a three-minute signed pass carries the PIN's owner from
the PIN page to the ballot."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from appliance.errors import LinliError
from web.auth import load_user, roles, services

bp = Blueprint("votes", __name__, url_prefix="/votes")


@bp.app_context_processor
def _vote_button():
    # Called only by the kiosk's home page template, so other pages pay nothing.
    return {"kiosk_vote_open": lambda: bool(services().votes.service.open_votes())}


def _kiosk() -> str:
    user = load_user()
    return user.username if user else "kiosk"


@bp.get("/")
@roles("kiosk")
def home(error=None, status=200):
    return render_template("votes/kiosk_pin.html", error=error), status


@bp.post("/")
@roles("kiosk")
def pin():
    try:
        resident, token, open_votes = services().votes.ballots.kiosk_sign_in(request.form.get("pin", "")[:32],
                                                                               _kiosk())
    except LinliError as exc:
        return home(exc.message(), 400)
    if len(open_votes) > 1:  # several votes open for this unit: the resident picks one
        return render_template("votes/kiosk_choose.html", votes=open_votes, token=token)
    return _ballot(open_votes[0].id, token)


def _ballot(vote_id, token, error=None, form=None, status=200, field=None):
    v = services().votes
    vote = v.service.get(vote_id)
    return render_template("votes/kiosk_ballot.html", vote=vote, token=token, error=error, field=field,
                           matters=v.service.matters(vote.id), form=form or {}), status


@bp.post("/<int:vote_id>/ballot")
@roles("kiosk")
def ballot(vote_id):
    """The ballot of the vote picked on the choice page (the pass is checked when it is cast)."""
    try:
        return _ballot(vote_id, request.form.get("token", "")[:100])
    except LinliError as exc:
        return home(exc.message(), 400)


@bp.post("/<int:vote_id>")
@roles("kiosk")
def cast(vote_id):
    v = services().votes
    token = request.form.get("token", "")[:100]
    try:
        result = v.ballots.cast_kiosk(vote_id, token, request.form.to_dict(), _kiosk())
    except LinliError as exc:
        try:
            return _ballot(vote_id, token, exc.message(), request.form, 400, getattr(exc, "field", None))
        except LinliError:  # no such vote either
            return home(exc.message(), 400)
    return render_template("votes/kiosk_done.html", result=result, vote=v.service.get(vote_id))
