"""有话要说: residents post a suggestion (text, optional photo) on /me or through a volunteer;
staff publish, reply, merge or decline it (with a reason); households support it once. In
public a suggestion is "3号楼住户", never a name."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from peewee import fn

from appliance.db.base import find
from appliance.db.models import Building, Resident, Suggestion, SuggestionSupport
from appliance.errors import Conflict, NotFound, ValidationError
from appliance.votes.text import clean_paragraphs
from appliance.validation import clean_text

MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_SIDE = 1280


def author_label(building: str) -> str:
    return f"{building}住户" if building else "住户"


class Suggestions:
    def __init__(self, db, audit, photo_dir: Path, clock):
        self.db, self.audit, self.photo_dir, self.clock = db, audit, Path(photo_dir), clock

    def _photo(self, data: bytes | None) -> str:
        """Re-encoded on the box: EXIF (place, phone model) dropped, at most 1280 px."""
        if not data:
            return ""
        if len(data) > MAX_PHOTO_BYTES:
            raise ValidationError("The file is too large (at most %(mb)s MB).", field="photo", mb=MAX_PHOTO_BYTES >> 20)
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as img:
                img = img.convert("RGB")
                img.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
                out = io.BytesIO()
                img.save(out, "JPEG", quality=85)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise ValidationError("The photo must be a JPEG or PNG picture.", field="photo") from None
        body = out.getvalue()
        name = hashlib.sha256(body).hexdigest() + ".jpg"
        self.photo_dir.mkdir(parents=True, exist_ok=True)
        (self.photo_dir / name).write_bytes(body)
        return name

    def photo_path(self, name: str) -> Path:
        path = self.photo_dir / Path(name or "x").name
        if not name or not path.is_file():
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
