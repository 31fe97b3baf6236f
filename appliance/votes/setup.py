"""Votes feature: owners' votes under 民法典 art. 278 (the roll, the ballot ledger, the count)."""

from __future__ import annotations

from appliance.features import Context, Feature
from appliance.votes.ballots import Ballots
from appliance.votes.export import Exporter
from appliance.votes.ledger import Ledger
from appliance.votes.roll import Roll
from appliance.votes.service import VoteService


class VotesFeature(Feature):
    name = "votes"

    def __init__(self, service: VoteService, roll: Roll, ledger: Ledger, ballots: Ballots, exporter: Exporter):
        super().__init__()
        self.exporter = exporter
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
    feature = VotesFeature(service, roll, ledger, ballots, Exporter(service, roll, ledger, ctx.keys, ctx.box_id))
    feature.check("votes", lambda: _ledger_health(service, ledger))
    return feature


def _ledger_health(service: VoteService, ledger: Ledger) -> tuple[bool, str]:
    """Every ledger of a vote still in progress must still hold its chain."""
    broken = [v.id for v in service.list() if v.status in ("open", "closed", "preliminary") and ledger.verify(v)]
    if broken:
        return False, "ballot ledger altered: vote " + ", ".join(map(str, broken))
    return True, "ballot ledgers intact"
