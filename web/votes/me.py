"""Residents vote on their own phone (/me/votes): the open votes for their unit, a ballot with
big 赞成/反对/弃权 buttons, their ballot afterwards. Opening a ballot records its delivery."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, send_file, url_for

from appliance.errors import LinliError
from web.auth import services
from web.me import resident_required

bp = Blueprint("votes", __name__, url_prefix="/votes")


@bp.get("/")
@resident_required
def home(resident):
    return render_template("votes/me_list.html", votes=services().votes.service.for_residents(),
                           consultations=services().votes.consultations.list())


@bp.get("/<int:vote_id>")
@resident_required
def ballot(resident, vote_id):
    return _ballot(resident, vote_id)


def _ballot(resident, vote_id, error=None, field=None, status=200):
    data = services().votes.ballots.open_ballot(vote_id, resident)
    return render_template("votes/me_ballot.html", error=error, field=field, form=request.form, **data), status


@bp.post("/<int:vote_id>")
@resident_required
def cast(resident, vote_id):
    try:
        result = services().votes.ballots.cast_phone(vote_id, resident, request.form.to_dict())
    except LinliError as exc:
        return _ballot(resident, vote_id, exc.message(), getattr(exc, "field", None), 400)
    return render_template("votes/me_done.html", result=result, vote=services().votes.service.get(vote_id))


# --- 有话要说 and e协商 on the phone ------------------------------------------------------------
MAX_PHOTO = 8 * 1024 * 1024


@bp.get("/suggestions")
@resident_required
def suggestions(resident):
    return _suggestions()


def _suggestions(error=None, field=None, status=200):
    return render_template("votes/me_suggestions.html", published=services().votes.suggestions.published(),
                           error=error, field=field, done=request.args.get("done", "")[:20]), status


@bp.post("/suggestions")
@resident_required
def suggestion_post(resident):
    f = request.files.get("photo")
    photo = f.read(MAX_PHOTO + 1) if f and f.filename else None
    try:
        services().votes.suggestions.post(resident, request.form.get("text"), photo, f"resident:{resident.id}")
    except LinliError as exc:
        return _suggestions(exc.message(), getattr(exc, "field", None), 400)
    return redirect(url_for("me.votes.suggestions", done="posted"))


@bp.post("/suggestions/<int:suggestion_id>/support")
@resident_required
def suggestion_support(resident, suggestion_id):
    try:
        services().votes.suggestions.support(suggestion_id, resident)
    except LinliError as exc:
        return _suggestions(exc.message(), None, 400)
    return redirect(url_for("me.votes.suggestions"))


@bp.get("/photos/<name>")
@resident_required
def photo(resident, name):
    return send_file(services().votes.suggestions.photo_path(name), mimetype="image/jpeg")


@bp.get("/consultations/<int:consultation_id>")
@resident_required
def consultation(resident, consultation_id):
    return _consultation(consultation_id)


def _consultation(consultation_id, error=None, status=200):
    return render_template("votes/me_consultation.html", error=error,
                           **services().votes.consultations.detail(consultation_id)), status


@bp.post("/consultations/<int:consultation_id>/comment")
@resident_required
def consultation_comment(resident, consultation_id):
    try:
        services().votes.consultations.comment(consultation_id, resident, request.form.get("text"))
    except LinliError as exc:
        return _consultation(consultation_id, exc.message(), 400)
    return redirect(url_for("me.votes.consultation", consultation_id=consultation_id))


@bp.post("/consultations/<int:consultation_id>/support/<int:proposal_id>")
@resident_required
def proposal_support(resident, consultation_id, proposal_id):
    try:
        services().votes.consultations.support(proposal_id, resident)
    except LinliError as exc:
        return _consultation(consultation_id, exc.message(), 400)
    return redirect(url_for("me.votes.consultation", consultation_id=consultation_id))


# --- objections (询异) to the preliminary result, raised by the owner ---------------------------------
@bp.get("/<int:vote_id>/objection")
@resident_required
def objection(resident, vote_id):
    return _objection(resident, vote_id)


def _objection(resident, vote_id, error=None, field=None, status=200):
    v = services().votes
    vote = v.service.get(vote_id)
    if vote.status == "draft":
        return _ballot(resident, vote_id)  # the ballot page says "no such vote" the same way
    return render_template("votes/me_objection.html", vote=vote, units=v.roll.rows_of_resident(vote.id, resident),
                           mine=v.objections.of_resident(vote.id, resident), error=error, field=field,
                           form=request.form if error else {}, now=v.service.clock(),
                           done=request.args.get("done", "")[:20]), status


@bp.post("/<int:vote_id>/objection")
@resident_required
def objection_post(resident, vote_id):
    try:
        services().votes.objections.file(vote_id, resident, request.form.to_dict())
    except LinliError as exc:
        return _objection(resident, vote_id, exc.message(), getattr(exc, "field", None), 400)
    return redirect(url_for("me.votes.objection", vote_id=vote_id, done="filed"))
