"""Correcting the count after an upheld objection (询异). The preliminary notice is withdrawn: the
vote steps back to ``closed`` naming the objection and the reason (audited), staff record the
correction in the ledger as a reversal of the wrong ballot and, where the owner's real choice is
known, a corrected ballot after it (the chain only grows: nothing earlier is rewritten), and the
next preliminary notice says which notice it replaces and why, and opens a new objection window.
"""

from __future__ import annotations

import logging

from appliance.db.base import find
from appliance.db.models import VoteObjection
from appliance.errors import Conflict, NotFound, ValidationError
from appliance.votes.text import clean_paragraphs

logger = logging.getLogger(__name__)


class Corrections:
    def __init__(self, db, audit, roll, ledger, votes, ballots, clock):
        self.db = db
        self.audit = audit
        self.roll = roll
        self.ledger = ledger
        self.votes = votes
        self.ballots = ballots
        self.clock = clock

    @staticmethod
    def pending(vote) -> dict | None:
        """The correction under way (the vote is back at ``closed`` for it), or None."""
        if vote.status != "closed" or not vote.result:
            return None
        return vote.result.get("correction")

    def reopen(self, vote_id, objection_id, data: dict, actor: str):
        """Withdraw the preliminary notice because of an upheld objection, to correct the count."""
        vote = self.votes.get(vote_id)
        objection = find(VoteObjection, objection_id)
        if objection is None or objection.vote_id != vote.id:
            raise NotFound("No such objection.")
        if vote.status != "preliminary":
            raise Conflict("This step is not possible now (the vote is: %(status)s).", status=vote.status)
        if objection.outcome != "upheld":
            raise Conflict("Only an upheld objection can reopen the count.")
        earlier = (vote.result or {}).get("replaces") or {}
        if objection.id in (earlier.get("objections") or []):
            raise Conflict("The count was corrected for this objection already.")
        reason = clean_paragraphs(data.get("reason"), "reason", required=True, max_len=400)
        old = vote.result or {}
        with self.db.atomic():
            vote.result = {**old, "correction": {
                "objection": objection.id, "reason": reason, "by": actor,
                "at": self.clock().replace(microsecond=0).isoformat(sep=" "),
                "objections": (earlier.get("objections") or []) + [objection.id],
                "previous": {"notice": old.get("notice", 1), "published_at": old.get("published_at"),
                             "head": old.get("head")},
                "entries": []}}
            vote.status = "closed"
            vote.save()
            self.audit.record(actor, "count_reopened", "vote", vote.id,
                              {"objection": objection.id, "reason": reason, "previous_head": old.get("head")})
        logger.info("vote %s: preliminary notice withdrawn for objection %s", vote.id, objection.id)
        return vote

    def correct(self, vote_id, data: dict, actor: str) -> list[int]:
        """One unit's ballot corrected: ``action`` ``remove`` (a reversal only) or ``replace`` (a
        reversal of the ballot that counts, if any, then the corrected ballot). Returns the seqs."""
        vote = self.votes.get(vote_id)
        pending = self.pending(vote)
        if pending is None:
            raise Conflict("The count is corrected only after an upheld objection has reopened it.")
        unit = (data.get("unit") or "").strip()[:60] if isinstance(data.get("unit"), str) else ""
        row = next((r for r in self.roll.rows(vote.id) if f"{r.building} {r.number}" == unit), None)
        if row is None:
            raise ValidationError("Choose a unit on this vote's roll.", field="unit")
        action = data.get("action")
        if action not in ("remove", "replace"):
            raise ValidationError("Choose whether the ballot is removed or replaced.", field="action")
        choices = self.ballots.clean_choices(vote, data, complete=True) if action == "replace" else None
        note = f"询异 #{pending['objection']}: {pending['reason']}"[:200]
        units = "、".join(f"{r.building} {r.number}" for r in self.roll.units_of(vote.id, row.owner_key))
        seqs = []
        with self.ledger.lock, self.ledger.transaction():
            live, generation = self.ledger.owner_state(vote.id, row.owner_key)
            if live is None and action == "remove":
                raise Conflict("This unit has no ballot that counts.")
            if live is not None:
                seqs.append(self.ledger.append(vote, "reversal", row.owner_key, units=live.units, reverses=live.seq,
                                               entered_by=actor, generation=generation, note=note).seq)
                generation += 1
            if choices is not None:
                seqs.append(self.ledger.append(vote, "ballot", row.owner_key, units=units, choices=choices,
                                               channel=live.channel if live else "paper", entered_by=actor,
                                               evidence=live.evidence if live else "", proxy_doc=live.proxy_doc
                                               if live else "", generation=generation, note=note).seq)
            pending["entries"] = pending["entries"] + seqs
            vote.result = {**vote.result, "correction": pending}
            vote.save()
        self.audit.record(actor, "count_corrected", "vote", vote.id,
                          {"objection": pending["objection"], "unit": unit, "action": action, "entries": seqs})
        return seqs
