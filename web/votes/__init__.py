"""Owners' votes, staff pages: draft a vote, publish the roll, open and close it, watch turnout
(gauges and a door-knock list per building), then the notices. The roll, paper ballots, the
ledger and the notice pages are in the modules imported at the end; residents vote under
/me/votes and at the kiosk (/kiosk/votes)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from appliance.errors import LinliError
from appliance.votes.service import DEFAULT_WARNING, STATUSES
from web.auth import READERS, STAFF, actor, roles, services
from web.params import int_arg

bp = Blueprint("votes", __name__, url_prefix="/votes")
MATTER_ROWS = 6
ITEMS = {1: "制定和修改业主大会议事规则", 2: "制定和修改管理规约", 3: "选举业主委员会或者更换业主委员会成员",
         4: "选聘和解聘物业服务企业或者其他管理人", 5: "使用建筑物及其附属设施的维修资金",
         6: "筹集建筑物及其附属设施的维修资金", 7: "改建、重建建筑物及其附属设施",
         8: "改变共有部分的用途或者利用共有部分从事经营活动", 9: "有关共有和共同管理权利的其他重大事项"}


def votes():
    return services().votes


@bp.app_context_processor
def _vote_words():
    return {"vote_statuses": STATUSES, "art278_items": ITEMS}


@bp.get("/")
@roles(*READERS)
def home():
    return render_template("votes/list.html", votes=votes().service.list())


def _form(vote=None, errors=None, form=None, status=200):
    buildings = [b.name for b in services().registry.buildings()]
    matters = votes().service.matters(vote.id) if vote else []
    return render_template("votes/edit.html", vote=vote, errors=errors or {}, form=form, buildings=buildings,
                           matters=matters, rows=MATTER_ROWS, default_warning=DEFAULT_WARNING), status


def _matters_from(form) -> list[dict]:
    return [{"title": form.get(f"matter_{i}", ""), "item": form.get(f"item_{i}", ""),
             "seats": form.get(f"seats_{i}", ""), "candidates": form.get(f"candidates_{i}", "")}
            for i in range(1, MATTER_ROWS + 1)]


@bp.get("/new")
@roles(*STAFF)
def new():
    return _form()


@bp.get("/<int:vote_id>/edit")
@roles(*STAFF)
def edit(vote_id):
    return _form(votes().service.get(vote_id))


@bp.post("/new")
@bp.post("/<int:vote_id>/edit")
@roles(*STAFF)
def save(vote_id=None):
    data = request.form.to_dict()
    data["scope"] = request.form.getlist("scope")
    try:
        vote = votes().service.save(data, _matters_from(request.form), actor(), vote_id)
    except LinliError as exc:
        vote = votes().service.get(vote_id) if vote_id else None
        return _form(vote, {getattr(exc, "field", None) or "form": exc.message()}, request.form, 400)
    return redirect(url_for("votes.detail", vote_id=vote.id))


@bp.get("/<int:vote_id>")
@roles(*READERS)
def detail(vote_id):
    v = votes()
    vote = v.service.get(vote_id)
    return render_template("votes/detail.html", vote=vote, results=v.service.results(vote),
                           turnout=v.service.turnout(vote.id), pending=len(v.ballots.pending(vote.id)),
                           refused=v.ledger.count(vote.id, "refused"), head=v.ledger.head(vote.id),
                           error=request.args.get("error", "")[:300])


@bp.get("/<int:vote_id>/live")
@roles(*READERS)
def live(vote_id):
    """The gauges and the chart alone, for the page's htmx refresh."""
    v = votes()
    vote = v.service.get(vote_id)
    return render_template("votes/_live.html", vote=vote, results=v.service.results(vote),
                           turnout=v.service.turnout(vote.id))


STEPS = {"publish_roll": "publish_roll", "open": "open", "close": "close", "preliminary": "publish_preliminary",
         "final": "finalize"}


@bp.post("/<int:vote_id>/step/<step>")
@roles(*STAFF)
def step(vote_id, step):
    if step not in STEPS:
        return redirect(url_for("votes.detail", vote_id=vote_id))
    service = votes().service
    try:
        if step == "publish_roll":
            service.publish_roll(vote_id, actor(), int_arg("correction_days", None, lo=0, hi=60, source=request.form))
        else:
            getattr(service, STEPS[step])(vote_id, actor())
    except LinliError as exc:
        return redirect(url_for("votes.detail", vote_id=vote_id, error=exc.message()))
    return redirect(url_for("votes.detail", vote_id=vote_id))


from web.votes import objections, paper, participation, proxies, roll  # noqa: E402,F401  (their routes are on bp)
