"""The voter roll of one vote, drawn from the register when it is published.

One row per unit in scope with its registered floor area (integer 0.01 m²). Co-owners of a
unit share the unit's owner key (they cast one ballot); a unit with no owner in the register
is the developer's unsold unit, and all of those are one owner (``developer``). One person
owning several units is merged only when staff confirm a suggestion (same name and phone),
during the correction window; every correction is audited.
"""

from __future__ import annotations

from decimal import Decimal

from appliance.db.base import find
from appliance.db.models import Building, Household, Resident, Unit, Vote, VoteRoll
from appliance.errors import Conflict, NotFound, ValidationError
from appliance.validation import clean_area, clean_text
from appliance.votes.tally import RollEntry

DEVELOPER = "developer"


def area_cents(area) -> int:
    return int((Decimal(area) * 100).to_integral_value())


AREA_SOURCES = ("register", "surveyed", "contract")


def unit_area(unit: Unit):
    """(area in m², where it comes from) by the order of the rules: the property register's area
    (不动产登记), else the surveyed area (测绘), else the purchase contract's (合同); None if none."""
    for source, value in zip(AREA_SOURCES, (unit.area_m2, unit.surveyed_area_m2, unit.contract_area_m2)):
        if value is not None and value > 0:
            return value, source
    return None


def fallback_count(rows) -> dict[str, int]:
    """How many roll rows took their area from each fallback source (the tally states it)."""
    out = {"surveyed": 0, "contract": 0}
    for r in rows:
        if r.area_source in out:
            out[r.area_source] += 1
    return out


class Roll:
    def __init__(self, db, audit, clock):
        self.db = db
        self.audit = audit
        self.clock = clock

    def build(self, vote: Vote) -> int:
        """Fill the roll from the register; refused (naming the units) when a unit lacks its area."""
        buildings = Building.select()
        if vote.scope:
            buildings = buildings.where(Building.name.in_(vote.scope))
        units = list(Unit.select(Unit, Building).join(Building).where(Unit.building.in_(buildings)))
        if not units:
            raise ValidationError("No units in the vote's scope.", field="scope")
        missing = sorted(f"{u.building.name} {u.number}" for u in units if unit_area(u) is None)
        if missing:
            raise ValidationError("These units have no floor area in the register: %(units)s",
                                  field="scope", units="、".join(missing[:30]))
        today = self.clock().date()
        names: dict[int, list[str]] = {}
        unit_ids = [u.id for u in units]
        for start in range(0, len(unit_ids), 500):  # SQLite's limit on bound parameters
            for name, unit_id in (Resident.select(Resident.name, Household.unit).join(Household)
                                  .where(Household.unit.in_(unit_ids[start:start + 500]), Resident.role == "owner",
                                         (Resident.move_out.is_null()) | (Resident.move_out > today))
                                  .order_by(Resident.id).tuples()):
                names.setdefault(unit_id, []).append(name)
        rows = []
        for u in units:
            owners = names.get(u.id)
            key = f"u:{u.uuid}" if owners else DEVELOPER
            label = "、".join(owners) if owners else "开发商"
            area, source = unit_area(u)
            rows.append(dict(vote=vote.id, unit=u.id, building=u.building.name, number=u.number,
                             area=area_cents(area), area_source=source, owner_key=key, owner_label=label[:255]))
        VoteRoll.delete().where(VoteRoll.vote == vote.id).execute()
        for start in range(0, len(rows), 200):
            VoteRoll.insert_many(rows[start:start + 200]).execute()
        return len(rows)

    def rows(self, vote_id) -> list[VoteRoll]:
        from appliance.registry.service import natural_key

        rows = list(VoteRoll.select().where(VoteRoll.vote == vote_id))
        return sorted(rows, key=lambda r: (natural_key(r.building), natural_key(r.number)))

    def entries(self, vote_id, rows=None) -> list[RollEntry]:
        rows = self.rows(vote_id) if rows is None else rows
        return [RollEntry(f"{r.building} {r.number}", r.owner_key, r.area, r.building) for r in rows]

    def row(self, vote_id, roll_id) -> VoteRoll:
        row = find(VoteRoll, roll_id)
        if row is None or row.vote_id != vote_id:
            raise NotFound("No such unit on this roll.")
        return row

    def suggestions(self, vote_id) -> list[list[VoteRoll]]:
        """Groups of rows whose owners share name and phone but not yet an owner key."""
        today = self.clock().date()
        rows = {r.unit_id: r for r in self.rows(vote_id) if r.unit_id is not None and r.owner_key != DEVELOPER}
        ids = list(rows)
        people = [p for start in range(0, len(ids), 500) for p in (
            Resident.select(Resident.name, Resident.phone, Household.unit).join(Household)
            .where(Household.unit.in_(ids[start:start + 500]), Resident.role == "owner", Resident.phone != "",
                   (Resident.move_out.is_null()) | (Resident.move_out > today)).tuples())]
        groups: dict[tuple, list[VoteRoll]] = {}
        for name, phone, unit_id in people:
            group = groups.setdefault((name, phone), [])
            if rows[unit_id] not in group:
                group.append(rows[unit_id])
        return [g for g in groups.values() if len({r.owner_key for r in g}) > 1]

    def _editable(self, vote: Vote) -> None:
        if Vote.get_by_id(vote.id).status != "roll":  # the caller's copy may be older
            raise Conflict("The roll can only be corrected while it is published for checking.")

    def merge(self, vote: Vote, roll_ids: list, actor: str) -> str:
        self._editable(vote)
        rows = [self.row(vote.id, rid) for rid in roll_ids]
        if len({r.id for r in rows}) < 2:
            raise ValidationError("Choose at least two units of the same owner.", field="units")
        keys = {r.owner_key for r in rows}
        if DEVELOPER in keys:
            raise ValidationError("The developer's units are one owner already.", field="units")
        key = "o:" + min(keys).split(":", 1)[1]
        with self.db.atomic():
            for k in keys:
                VoteRoll.update(owner_key=key).where(VoteRoll.vote == vote.id, VoteRoll.owner_key == k).execute()
            self.audit.record(actor, "roll_merge", "vote", vote.id,
                              {"units": [f"{r.building} {r.number}" for r in rows], "owner": key})
        return key

    def correct(self, vote: Vote, roll_id, data: dict, actor: str) -> VoteRoll:
        """Change a unit's area or owner grouping (split it off, or mark it the developer's)."""
        self._editable(vote)
        row = self.row(vote.id, roll_id)
        reason = clean_text(data.get("reason"), "reason", required=True, max_len=200)
        area = clean_area(data.get("area"), "area")
        owner = data.get("owner") or ""
        before = {"area": row.area, "owner": row.owner_key}
        with self.db.atomic():
            if area is not None:
                row.area = area_cents(area)
                row.area_source = "corrected"
            if owner == "developer":
                row.owner_key, row.owner_label = DEVELOPER, "开发商"
            elif owner == "own" and row.unit_id is not None:
                unit = Unit.get_by_id(row.unit_id)
                row.owner_key = f"u:{unit.uuid}"
            elif owner not in ("", "keep"):
                raise ValidationError("Choose how the owner should change.", field="owner")
            row.save()
            self.audit.record(actor, "roll_correct", "vote", vote.id,
                              {"unit": f"{row.building} {row.number}", "before": before,
                               "after": {"area": row.area, "owner": row.owner_key}, "reason": reason})
        return row

    def mark_delivered(self, vote: Vote, roll_ids: list, how: str, actor: str) -> int:
        if how not in ("signed", "read_on_me"):
            raise ValidationError("Unknown way of delivery.", field="how")
        now = self.clock()
        n = 0
        with self.db.atomic():
            for rid in roll_ids:
                row = self.row(vote.id, rid)
                if row.delivered_at is None:
                    row.delivered_at, row.delivered_how, row.delivered_by = now, how, actor
                    row.save()
                    n += 1
            if n:
                self.audit.record(actor, "ballot_delivered", "vote", vote.id, {"units": n, "how": how})
        return n

    def undelivered(self, vote_id) -> list[VoteRoll]:
        return [r for r in self.rows(vote_id) if r.delivered_at is None]

    def rows_of_resident(self, vote_id, resident: Resident) -> list[VoteRoll]:
        """The roll rows this resident may vote for: owners of a unit in scope, still living here."""
        today = self.clock().date()
        if resident.role != "owner" or (resident.move_out is not None and resident.move_out <= today):
            return []
        row = VoteRoll.get_or_none(VoteRoll.vote == vote_id, VoteRoll.unit == resident.household.unit_id)
        if row is None:
            return []
        return list(VoteRoll.select().where(VoteRoll.vote == vote_id, VoteRoll.owner_key == row.owner_key))

    def units_of(self, vote_id, owner_key: str) -> list[VoteRoll]:
        return list(VoteRoll.select().where(VoteRoll.vote == vote_id, VoteRoll.owner_key == owner_key))
