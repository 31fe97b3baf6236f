"""e协商: staff open a consultation (topic, background, proposals, period); residents comment
and support proposals (once per household, shown as "3号楼住户"); staff publish a summary; a
consultation can become a draft vote with its proposals as the matters."""

from __future__ import annotations

import datetime

from peewee import fn

from appliance.db.base import find
from appliance.db.models import (Consultation, ConsultationComment, ConsultationProposal, ProposalSupport,
                                 Resident)
from appliance.errors import Conflict, NotFound, ValidationError
from appliance.votes.text import clean_paragraphs
from appliance.validation import clean_int, clean_text
from appliance.votes.suggestions import author_label

MAX_PROPOSALS = 10


class Consultations:
    def __init__(self, db, audit, votes, clock):
        self.db, self.audit, self.votes, self.clock = db, audit, votes, clock

    def create(self, data: dict, proposals: list[dict], actor: str) -> Consultation:
        topic = clean_text(data.get("topic"), "topic", required=True, max_len=120)
        background = clean_paragraphs(data.get("background"), "background", max_len=4000)
        days = clean_int(data.get("days"), "days", min=1, max=90) or 14
        cleaned = []
        for i, p in enumerate(proposals[:MAX_PROPOSALS], start=1):
            text = clean_text(p.get("text"), f"proposal_{i}", max_len=200)
            if text:
                cleaned.append((text, clean_int(p.get("item"), f"item_{i}", min=1, max=9) or 9))
        if not cleaned:
            raise ValidationError("A consultation needs at least one proposal.", field="proposal_1")
        with self.db.atomic():
            c = Consultation.create(topic=topic, background=background, created_by=actor, created_at=self.clock(),
                                    closes_at=self.clock() + datetime.timedelta(days=days))
            for pos, (text, item) in enumerate(cleaned, start=1):
                ConsultationProposal.create(consultation=c.id, position=pos, text=text, item=item)
            self.audit.record(actor, "create", "consultation", c.id, {"topic": topic})
        return c

    def get(self, consultation_id) -> Consultation:
        c = find(Consultation, consultation_id)
        if c is None:
            raise NotFound("No such consultation.")
        return c

    def list(self) -> list[Consultation]:
        return list(Consultation.select().order_by(Consultation.id.desc()).limit(200))

    def accepting(self, c: Consultation) -> bool:
        return c.status == "open" and (c.closes_at is None or self.clock() < c.closes_at)

    def detail(self, consultation_id) -> dict:
        c = self.get(consultation_id)
        proposals = list(ConsultationProposal.select().where(ConsultationProposal.consultation == c.id)
                         .order_by(ConsultationProposal.position))
        counts = dict(ProposalSupport.select(ProposalSupport.proposal, fn.COUNT(ProposalSupport.id))
                      .where(ProposalSupport.proposal.in_([p.id for p in proposals]))
                      .group_by(ProposalSupport.proposal).tuples()) if proposals else {}
        for p in proposals:
            p.support_count = counts.get(p.id, 0)
        comments = list(ConsultationComment.select().where(ConsultationComment.consultation == c.id)
                        .order_by(ConsultationComment.id))
        for cm in comments:
            cm.author = author_label(cm.building)
        return {"consultation": c, "proposals": proposals, "comments": comments, "accepting": self.accepting(c)}

    def comment(self, consultation_id, resident: Resident, text) -> ConsultationComment:
        c = self.get(consultation_id)
        if not self.accepting(c):
            raise Conflict("This consultation is closed.")
        body = clean_paragraphs(text, "text", required=True, max_len=1000)
        return ConsultationComment.create(consultation=c.id, household=resident.household_id, text=body,
                                          building=resident.household.unit.building.name, created_at=self.clock())

    def support(self, proposal_id, resident: Resident) -> bool:
        p = find(ConsultationProposal, proposal_id)
        if p is None:
            raise NotFound("No such proposal.")
        if not self.accepting(p.consultation):
            raise Conflict("This consultation is closed.")
        _, created = ProposalSupport.get_or_create(proposal=p.id, household=resident.household_id,
                                                   defaults={"created_at": self.clock()})
        return created

    def summarise(self, consultation_id, summary, actor: str) -> Consultation:
        c = self.get(consultation_id)
        c.summary = clean_paragraphs(summary, "summary", required=True, max_len=4000)
        c.status = "closed"
        c.save()
        self.audit.record(actor, "summary", "consultation", c.id)
        return c

    def to_vote(self, consultation_id, actor: str):
        """A draft vote with the proposals as its matters (staff still check each art. 278 item)."""
        info = self.detail(consultation_id)
        c = info["consultation"]
        if c.vote_id:
            raise Conflict("This consultation has become a vote already.")
        body = "\n\n".join(x for x in (c.background, c.summary) if x)
        vote = self.votes.save({"title": c.topic, "body": body},
                               [{"title": p.text, "item": p.item} for p in info["proposals"]], actor)
        c.vote = vote.id
        c.save()
        return vote
