"""有话要说: residents post a suggestion (text, optional photo) on /me or through a volunteer;
staff publish, reply, merge or decline it (with a reason); households support it once. In
public a suggestion is "3号楼住户", never a name."""

from __future__ import annotations

from pathlib import Path

from peewee import fn

from appliance.db.base import find
from appliance.db.models import Building, Resident, Suggestion, SuggestionSupport
from appliance.errors import Conflict, NotFound, ValidationError
from appliance.votes.text import clean_paragraphs
from appliance.validation import clean_text



def author_label(building: str) -> str:
    return f"{building}住户" if building else "住户"


class Suggestions:
    def __init__(self, db, audit, photos, clock):
        # ``photos``: the residents' report photo store (appliance/participation/photos.py):
        # checked before decoding, EXIF and GPS dropped, resized, written atomically.
        self.db, self.audit, self.photos, self.clock = db, audit, photos, clock

    def _photo(self, data: bytes | None) -> str:
        return self.photos.put(data)[0] if data else ""

    def photo_path(self, name: str) -> Path:
        path = self.photos.path(name)
        if path is None:
            raise NotFound("No such photo.")
        return path

    def post(self, resident: Resident | None, text, photo: bytes | None, actor: str, building_id=None) -> Suggestion:
        """By a resident on /me, or by a volunteer for someone (``resident`` None, a building given)."""
        body = clean_paragraphs(text, "text", required=True, max_len=1000)
        if resident is not None:
            household, building = resident.household_id, resident.household.unit.building.name
        else:
            b = find(Building, building_id)
            if b is None:
                raise ValidationError("Choose the building.", field="building")
            household, building = None, b.name
        s = Suggestion.create(household=household, building=building, text=body, photo=self._photo(photo),
                              created_by=actor, created_at=self.clock())
        self.audit.record(actor, "create", "suggestion", s.id)
        return s

    def get(self, suggestion_id) -> Suggestion:
        s = find(Suggestion, suggestion_id)
        if s is None:
            raise NotFound("No such suggestion.")
        return s

    def _with_counts(self, query) -> list[Suggestion]:
        rows = list(query)
        counts = dict(SuggestionSupport.select(SuggestionSupport.suggestion, fn.COUNT(SuggestionSupport.id))
                      .where(SuggestionSupport.suggestion.in_([r.id for r in rows]))
                      .group_by(SuggestionSupport.suggestion).tuples()) if rows else {}
        for r in rows:
            r.support_count = counts.get(r.id, 0)
            r.author = author_label(r.building)
        return rows

    def published(self) -> list[Suggestion]:
        return self._with_counts(Suggestion.select().where(Suggestion.status == "published")
                                 .order_by(Suggestion.id.desc()).limit(200))

    def pending(self) -> list[Suggestion]:
        return self._with_counts(Suggestion.select().where(Suggestion.status == "pending").order_by(Suggestion.id))

    def moderate(self, suggestion_id, action: str, data: dict, actor: str) -> Suggestion:
        s = self.get(suggestion_id)
        if action == "publish":
            if s.status != "pending":
                raise Conflict("This suggestion was handled already.")
            s.status = "published"
            s.reply = clean_paragraphs(data.get("reply"), "reply", max_len=1000)
        elif action == "reply":
            if s.status != "published":
                raise Conflict("Only a published suggestion can get a public reply.")
            s.reply = clean_paragraphs(data.get("reply"), "reply", required=True, max_len=1000)
        elif action == "decline":
            if s.status != "pending":
                raise Conflict("This suggestion was handled already.")
            s.status = "declined"
            s.reason = clean_text(data.get("reason"), "reason", required=True, max_len=200)
        elif action == "merge":
            target = find(Suggestion, data.get("into"))
            if target is None or target.id == s.id or target.status != "published":
                raise ValidationError("Choose a published suggestion to merge into.", field="into")
            s.status, s.merged_into = "merged", target.id
            with self.db.atomic():
                # Households that supported the duplicate now support the original (once each).
                for sup in SuggestionSupport.select().where(SuggestionSupport.suggestion == s.id):
                    SuggestionSupport.get_or_create(suggestion=target.id, household=sup.household_id,
                                                    defaults={"created_at": sup.created_at})
        else:
            raise ValidationError("Unknown action.", field="action")
        s.moderated_by, s.moderated_at = actor, self.clock()
        s.save()
        self.audit.record(actor, f"suggestion_{action}", "suggestion", s.id,
                          {"reason": s.reason} if action == "decline" else None)
        return s

    def support(self, suggestion_id, resident: Resident) -> bool:
        """+1 once per household; False when the household had supported it already."""
        s = self.get(suggestion_id)
        if s.status != "published":
            raise Conflict("Only published suggestions can be supported.")
        _, created = SuggestionSupport.get_or_create(suggestion=s.id, household=resident.household_id,
                                                     defaults={"created_at": self.clock()})
        return created
