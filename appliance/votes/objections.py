"""Objections (询异) to the preliminary result notice. The property office writes down each one it
receives during the objection window (which unit it concerns, never who said it on the notice),
and answers it: upheld or dismissed, with the reason. The final result cannot be published while
an objection waits for its answer, and it states how many were raised and upheld; a court later
sees that the window was real, not only a date on a page."""

from __future__ import annotations

import logging

from appliance.db.base import find
from appliance.db.models import VoteObjection
from appliance.errors import Conflict, NotFound, PermissionDenied, ValidationError
from appliance.validation import clean_text
from appliance.votes.text import clean_paragraphs

logger = logging.getLogger(__name__)

OUTCOMES = ("upheld", "dismissed")
RESIDENT = "resident:"  # received_by of an objection the owner filed on /me (the channel); else the staff member
MAX_TEXT = 1000  # what an owner types on a phone
MAX_PER_OWNER = 5


def channel(objection: VoteObjection) -> str:
    """me (the owner filed it on their phone) or office (staff wrote down what reached them)."""
    return "me" if objection.received_by.startswith(RESIDENT) else "office"


class Objections:
    def __init__(self, audit, roll, votes, clock):
        self.audit = audit
        self.roll = roll
        self.votes = votes
        self.clock = clock

    def list(self, vote_id) -> list[VoteObjection]:
        return list(VoteObjection.select().where(VoteObjection.vote == vote_id).order_by(VoteObjection.id))

    def waiting(self, vote_id) -> int:
        return VoteObjection.select().where(VoteObjection.vote == vote_id, VoteObjection.outcome == "").count()

    def counts(self, vote_id) -> dict:
        rows = self.list(vote_id)
        return {"raised": len(rows), "upheld": sum(1 for o in rows if o.outcome == "upheld"),
                "dismissed": sum(1 for o in rows if o.outcome == "dismissed")}

    def _in_window(self, vote_id):
        vote = self.votes.get(vote_id)
        if vote.status != "preliminary":
            raise Conflict("Objections are taken during the objection window after the preliminary result.")
        if vote.objection_until and self.clock() > vote.objection_until:
            raise Conflict("The objection window ended on %(when)s.",
                           when=vote.objection_until.strftime("%Y-%m-%d %H:%M"))
        return vote

    def file(self, vote_id, resident, data: dict) -> VoteObjection:
        """An owner on the vote's roll raises an objection on /me, about one of their own units."""
        vote = self._in_window(vote_id)
        mine = [f"{r.building} {r.number}" for r in self.roll.rows_of_resident(vote.id, resident)]
        if not mine:
            raise PermissionDenied("Only owners on this vote's roll can raise an objection here. Others can bring "
                                   "it to the property office.")
        unit = data.get("unit") if isinstance(data.get("unit"), str) else ""
        unit = unit.strip() or (mine[0] if len(mine) == 1 else "")
        if unit not in mine:
            raise ValidationError("Choose one of your units.", field="unit")
        text = clean_paragraphs(data.get("text"), "text", required=True, max_len=MAX_TEXT)
        by = f"{RESIDENT}{resident.id}"
        if VoteObjection.select().where(VoteObjection.vote == vote.id, VoteObjection.received_by == by).count() \
                >= MAX_PER_OWNER:
            raise Conflict("You have raised %(n)s objections to this vote; please bring more to the property "
                           "office.", n=MAX_PER_OWNER)
        objection = VoteObjection.create(vote=vote.id, unit=unit, text=text, received_by=by, received_at=self.clock())
        self.audit.record(by, "objection_filed", "vote", vote.id,
                          {"objection": objection.id, "unit": unit, "channel": "me"})
        return objection

    def of_resident(self, vote_id, resident) -> list[VoteObjection]:
        return list(VoteObjection.select().where(VoteObjection.vote == vote_id,
                                                 VoteObjection.received_by == f"{RESIDENT}{resident.id}")
                    .order_by(VoteObjection.id))

    def record(self, vote_id, data: dict, actor: str) -> VoteObjection:
        vote = self._in_window(vote_id)
        unit = clean_text(data.get("unit"), "unit", max_len=60)
        if unit and unit not in {f"{r.building} {r.number}" for r in self.roll.rows(vote.id)}:
            raise ValidationError("Unit %(unit)s is not on this vote's roll.", field="unit", unit=unit)
        text = clean_paragraphs(data.get("text"), "text", required=True, max_len=2000)
        objection = VoteObjection.create(vote=vote.id, unit=unit, text=text, received_by=actor,
                                         received_at=self.clock())
        self.audit.record(actor, "objection_recorded", "vote", vote.id, {"objection": objection.id, "unit": unit})
        return objection

    def answer(self, vote_id, objection_id, data: dict, actor: str) -> VoteObjection:
        vote = self.votes.get(vote_id)
        objection = find(VoteObjection, objection_id)
        if objection is None or objection.vote_id != vote.id:
            raise NotFound("No such objection.")
        if objection.outcome:
            raise Conflict("This objection has been answered already.")
        if vote.status != "preliminary":
            raise Conflict("This step is not possible now (the vote is: %(status)s).", status=vote.status)
        outcome = (data.get("outcome") or "").strip()
        if outcome not in OUTCOMES:
            raise ValidationError("Choose whether the objection is upheld or dismissed.", field="outcome")
        objection.answer = clean_paragraphs(data.get("answer"), "answer", required=True, max_len=2000)
        objection.outcome, objection.answered_by, objection.answered_at = outcome, actor, self.clock()
        objection.save()
        self.audit.record(actor, "objection_answered", "vote", vote.id,
                          {"objection": objection.id, "outcome": outcome})
        return objection
