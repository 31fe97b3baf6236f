"""Tenants' written proxies (书面委托): staff record one for a unit (the tenant then votes on
/me for the owner) and revoke it, with the reason, before a ballot was cast under it."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from appliance.errors import LinliError
from web.auth import READERS, STAFF, actor, roles
from web.votes import bp, votes

MAX_SCAN = 8 * 1024 * 1024


@bp.get("/<int:vote_id>/proxies")
@roles(*READERS)
def proxies(vote_id, errors=None, form=None, status=200):
    v = votes()
    vote = v.service.get(vote_id)
    return render_template("votes/proxies.html", vote=vote, proxies=v.proxies.list(vote.id),
                           tenants=v.proxies.tenants(vote.id), errors=errors or {}, form=form or {},
                           done=request.args.get("done", "")[:20]), status


@bp.post("/<int:vote_id>/proxies")
@roles(*STAFF)
def proxy_record(vote_id):
    upload = request.files.get("scan")
    scan = upload.read(MAX_SCAN + 1) if upload and upload.filename else None
    try:
        votes().proxies.record(vote_id, request.form.to_dict(), scan, actor())
    except LinliError as exc:
        return proxies(vote_id, {getattr(exc, "field", None) or "form": exc.message()}, request.form, 400)
    return redirect(url_for("votes.proxies", vote_id=vote_id, done="recorded"))


@bp.post("/<int:vote_id>/proxies/<int:proxy_id>/revoke")
@roles(*STAFF)
def proxy_revoke(vote_id, proxy_id):
    try:
        votes().proxies.revoke(vote_id, proxy_id, request.form.get("reason", ""), actor())
    except LinliError as exc:
        return proxies(vote_id, {"list": exc.message()}, None, 400)
    return redirect(url_for("votes.proxies", vote_id=vote_id, done="revoked"))
