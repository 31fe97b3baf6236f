"""Votes feature: owners' votes under 民法典 art. 278 (the roll, the ballot ledger, the count)."""

from __future__ import annotations

import time

from appliance.features import Context, Feature
from appliance.i18n import gettext as _
from appliance.votes.ballots import Ballots
from appliance.votes.consultations import Consultations
from appliance.votes.corrections import Corrections
from appliance.votes.export import Exporter
from appliance.votes.ledger import Ledger
from appliance.votes.objections import Objections
from appliance.votes.proxies import Proxies
from appliance.votes.roll import Roll
from appliance.votes.service import VoteService
from appliance.votes.suggestions import Suggestions


class VotesFeature(Feature):
    name = "votes"

    def __init__(self, service: VoteService, roll: Roll, ledger: Ledger, ballots: Ballots, exporter: Exporter,
                 suggestions: Suggestions, consultations: Consultations):
        super().__init__()
        self.exporter = exporter
        self.suggestions = suggestions
        self.consultations = consultations
        self.service = service
        self.roll = roll
        self.ledger = ledger
        self.ballots = ballots


def setup(ctx: Context) -> VotesFeature:
    clock = ctx.clock
    roll = Roll(ctx.db, ctx.audit, clock)
    ledger = Ledger(ctx.db, clock)
    service = VoteService(ctx.db, ctx.audit, roll, ledger, ctx.config.votes, clock)
    from appliance.access.setup import AccessFeature

    ballots = Ballots(ctx.db, ctx.audit, ctx.keys, roll, ledger, service, ctx.home / "votes" / "evidence", clock,
                      access=ctx.need(AccessFeature).service)
    ballots.proxies = Proxies(ctx.db, ctx.audit, roll, ledger, ballots._keep_scan, clock)
    feature = VotesFeature(service, roll, ledger, ballots, Exporter(service, roll, ledger, ctx.keys, ctx.box_id),
                           Suggestions(ctx.db, ctx.audit, _suggestion_photos(ctx), clock),
                           Consultations(ctx.db, ctx.audit, service, clock))
    feature.proxies = ballots.proxies
    feature.objections = service.objections = Objections(ctx.audit, roll, service, clock)
    feature.corrections = Corrections(ctx.db, ctx.audit, roll, ledger, service, ballots, clock)
    feature.check("votes", LedgerHealth(service, ledger))
    return feature


class LedgerHealth:
    """Every ledger of a vote in progress must still hold its chain. Re-hashing 8,000 ballots
    takes about half a second on a Pi-class CPU, so a ledger is re-checked at most every
    ``every_s`` seconds (health is polled often); a broken one stays reported until fixed."""

    def __init__(self, service: VoteService, ledger: Ledger, every_s: float = 600):
        self.service, self.ledger, self.every_s = service, ledger, every_s
        self._checked: dict[int, tuple[float, bool]] = {}

    def __call__(self) -> tuple[bool, str]:
        now = time.monotonic()
        broken = []
        for v in self.service.list():
            if v.status not in ("open", "closed", "preliminary"):
                continue
            at, ok = self._checked.get(v.id, (-self.every_s, True))
            if not ok or now - at >= self.every_s:
                ok = not self.ledger.verify(v)
                self._checked[v.id] = (now, ok)
            if not ok:
                broken.append(v.id)
        if broken:
            return False, _("a ballot ledger was altered (vote %(ids)s): keep the printed chain heads and tell the "
                            "district", ids=", ".join(map(str, broken)))
        return True, _("ballot ledgers intact")


def _suggestion_photos(ctx: Context):
    from appliance.participation.photos import PhotoRules, PhotoStore

    return PhotoStore(ctx.home / "votes" / "photos", PhotoRules.from_config(ctx.config.participation))
