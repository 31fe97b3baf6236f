"""Who may drive in, and the car-park count.

Design note (the decision rules, in the order they are tried for a car at the entry):

1. A fire alarm raises the barrier for everyone (the barrier itself holds it up).
2. A *trusted* read (two frames agree, or both recognisers do: models.plates.vote) that
   equals a registered plate (after the usual I/1, O/0 folding): the owner's resident rules
   decide, as at the pedestrian gate (moved out, outside their schedule -> a question, never
   a silent refusal). An untrusted read that equals one -> a one-tap question.
3. A plate on a valid visitor car pass: raise, count the entry. A pass used up -> a question.
4. A plate on the district's watch list -> a question naming the watch reason.
5. A read within the fuzzy-match limit of registered plates (one or more) -> a question
   with the candidates: the volunteer confirms with one tap. Never a silent refusal of a
   registered car that was read badly, and never the wrong owner's car let in unseen.
6. Anything else (unknown, unreadable) -> a question with the picture. With ``grace_auto``
   a cleanly read unknown plate goes in at once as delivery/taxi ("grace") instead, and is
   flagged if it stays longer than ``grace_minutes`` (see stay.py); unreadable, doubtful and
   watch-list plates are still asked.

The exit lane raises for every car: nobody is ever trapped inside; the exit is only logged.
A question is answered once (放行 raises, 拒绝 does not), with a reason, audited. Every
event goes to the outbox (the field policy decides whether plates leave the box).

Occupancy is the staff's last count plus entries raised minus exits since then; the car
park's capacity comes from the config. One car park per box.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from peewee import fn

from appliance.db.base import find, now
from appliance.db.models import PlateWatch, Vehicle
from appliance.db.models.parking import CarEvent, CarParkCount, CarPass, CarQuestion
from appliance.errors import Conflict, NotFound, ValidationError
from appliance.i18n import N_
from appliance.sync import outbox
from appliance.validation import clean_int, clean_text
from models.plates.match import DEFAULT_MAX_DISTANCE, canonical, plate_distance
from models.plates.validate import normalize_plate, validate_plate

logger = logging.getLogger(__name__)

WHY = {
    "unknown": N_("Plate not registered"),
    "unreadable": N_("Plate could not be read"),
    "uncertain": N_("Plate read unsure: is it one of these?"),
    "watch": N_("On the district's watch list"),
    "pass_used_up": N_("Visitor pass used up or expired"),
    "moved_out": N_("Owner has moved out"),
    "not_moved_in": N_("Owner has not moved in yet"),
    "outside_schedule": N_("Outside the owner's allowed hours"),
}
REASONS = {
    "resident": N_("Resident's car"), "visitor": N_("Visitor pass"), "volunteer": N_("Let in by a volunteer"),
    "exit": N_("Leaving"), "fire": N_("Fire alarm: barrier up"), "refused": N_("Refused by a volunteer"),
    "grace": N_("Delivery or taxi (short stay)"),
    **WHY,
}
# Questions a one-tap delivery/taxi release may answer: a car nobody knows, or a used-up
# pass. A doubtful read of a registered plate or a watch-list plate needs a real reason.
GRACE_WHY = ("unknown", "unreadable", "pass_used_up")
MAX_PASS_HOURS = 24 * 7
MAX_PASS_ENTRIES = 50


@dataclass
class CarDecision:
    action: str  # raise / ask
    reason: str
    plate: str = ""
    vehicle: Vehicle | None = None
    car_pass: CarPass | None = None
    question: CarQuestion | None = None
    candidates: list[str] = field(default_factory=list)

    @property
    def raised(self) -> bool:
        return self.action == "raise"


class ParkingService:
    def __init__(self, db, audit, access, owners, settings, clock=now, zone_counts=None, camera_ok=None):
        self.db = db
        self.audit = audit
        self.access = access  # resident rules (moved out, schedules), shared with the gate
        self.owners = owners  # the plate cache shared with the fire-lane watch
        self.settings = settings
        self.clock = clock
        # () -> {(camera, zone name): {"registered": n, "unknown": n}}: the fire-lane cameras'
        # live count of cars in the zones drawn as "parking" in the zone editor.
        self.zone_counts = zone_counts
        self.camera_ok = camera_ok or (lambda camera: True)  # camera name -> has a live picture
        self._index: tuple[dict, dict] | None = None  # (the owners' plate dict, canonical -> plate)

    # --- decisions ----------------------------------------------------------------------
    def decide(self, lane: str, plate_read: str, confidence: float = 1.0, picture: str = "",
               fire: bool = False, trusted: bool = True) -> CarDecision:
        read = normalize_plate(plate_read or "")
        at = self.clock()
        with self.db.atomic():
            if fire:
                return self._raise(lane, read, "fire", at)
            if lane == "exit":
                return self._raise(lane, read, "exit", at)
            if not read:
                return self._ask(lane, read, confidence, "unreadable", [], picture, at)
            exact, close = self._candidates(read)
            watch = PlateWatch.get_or_none(PlateWatch.plate == (exact or read))
            if watch is not None:
                return self._ask(lane, read, confidence, "watch", [exact] if exact else close, picture, at)
            if exact and not trusted:  # one sure tap instead of opening on a single doubtful read
                return self._ask(lane, read, confidence, "uncertain", [exact], picture, at)
            vehicle = Vehicle.get_or_none(Vehicle.plate == exact) if exact else None
            if vehicle is not None:  # (deleted since the plate cache was read: treated as unknown)
                refusal = self.access.resident_refusal(vehicle.resident, at)
                if refusal is None:
                    return self._raise(lane, exact, "resident", at, vehicle=vehicle)
                why = refusal if refusal in WHY else "unknown"
                return self._ask(lane, exact, confidence, why, [exact], picture, at)
            car_pass = self._valid_pass(read, at) if trusted else None
            if car_pass is not None:
                car_pass.entries += 1
                car_pass.save()
                return self._raise(lane, read, "visitor", at, car_pass=car_pass)
            if self._any_pass(read):
                return self._ask(lane, read, confidence, "pass_used_up", [], picture, at)
            if close:
                return self._ask(lane, read, confidence, "uncertain", close, picture, at)
            if self.settings.grace_auto and self.settings.grace_minutes > 0 and trusted:
                return self._raise(lane, read, "grace", at)
            return self._ask(lane, read, confidence, "unknown", [], picture, at)

    def _candidates(self, read: str) -> tuple[str | None, list[str]]:
        """(the registered plate equal to the read, registered plates within the fuzzy limit)."""
        plates = self.owners.registered()
        if self._index is None or self._index[0] is not plates:  # the cache was reloaded
            self._index = (plates, {canonical(p): p for p in plates})
        target = canonical(read)
        exact = self._index[1].get(target)
        if exact:
            return exact, []
        # Within the limit (1.0) at equal length means one substitution or two confusable ones,
        # so at most two positions differ; only those plates get the full edit distance.
        near = [p for c, p in self._index[1].items()
                if abs(len(c) - len(target)) == 1
                or (len(c) == len(target) and sum(x != y for x, y in zip(c, target)) <= 2)]
        scored = sorted((plate_distance(read, p), p) for p in near)
        return None, [p for d, p in scored if d <= DEFAULT_MAX_DISTANCE][:3]

    def _valid_pass(self, plate: str, at: datetime.datetime) -> CarPass | None:
        return (CarPass.select().where((CarPass.plate == plate) & CarPass.revoked_at.is_null()
                                       & (CarPass.valid_from <= at) & (CarPass.valid_until > at)
                                       & (CarPass.entries < CarPass.max_entries))
                .order_by(CarPass.valid_until).first())

    def _any_pass(self, plate: str) -> bool:
        return CarPass.select().where(CarPass.plate == plate).exists()

    def _raise(self, lane, plate, reason, at, vehicle=None, car_pass=None, question=None, actor="") -> CarDecision:
        self._event(lane, plate, "raised", reason, at, vehicle, car_pass, question, actor)
        return CarDecision("raise", reason, plate, vehicle, car_pass, question)

    def _ask(self, lane, read, confidence, why, candidates, picture, at) -> CarDecision:
        q = CarQuestion.create(lane=lane, plate_read=read, confidence=round(float(confidence), 3), why=why,
                               candidates=list(candidates), picture=picture, asked_at=at)
        self._event(lane, read, "asked", why, at, question=q)
        logger.info("car at the %s barrier needs a volunteer: %s", lane, why)
        return CarDecision("ask", why, read, question=q, candidates=list(candidates))

    def _event(self, lane, plate, decision, reason, at, vehicle=None, car_pass=None, question=None, actor=""):
        event = CarEvent.create(at=at, lane=lane, plate=plate, decision=decision, reason=reason, vehicle=vehicle,
                                car_pass=car_pass, question=question, actor=actor)
        resident = vehicle.resident if vehicle is not None else (car_pass.resident if car_pass else None)
        outbox.append("parking.event", {
            "uuid": str(event.uuid), "at": at.isoformat(timespec="seconds"), "lane": lane, "plate": plate,
            "decision": decision, "reason": reason, "visitor": car_pass is not None,
            "resident_uuid": str(resident.uuid) if resident is not None else None})
        return event

    def answer(self, question_id, let_in: bool, reason, actor: str, grace: bool = False) -> CarDecision:
        """The volunteer's 放行 / 拒绝. Refused once answered (someone else was quicker).
        ``grace``: the one-tap 送货/出租 release of an unknown car; it is logged as such and
        flagged if the car stays longer than ``grace_minutes``."""
        reason = clean_text(reason, "reason", max_len=200) or ""
        if grace:
            if not let_in or self.settings.grace_minutes <= 0:
                raise ValidationError("Delivery and taxi entry is switched off in the settings.", field="reason")
            reason = reason or "送货/出租"
        if let_in and len(reason) < 2:
            raise ValidationError("Give a reason for letting the car in (2 to 200 characters).", field="reason")
        with self.db.atomic():
            q = find(CarQuestion, question_id)
            if q is None:
                raise NotFound("No such car at the barrier.")
            if q.answered_at is not None:
                raise Conflict("Another volunteer has already answered for this car.")
            if grace and q.why not in GRACE_WHY:
                raise ValidationError("Only an unknown car can go in as delivery or taxi; say why it may enter.",
                                      field="reason")
            at = self.clock()
            q.answered_at, q.answered_by, q.reason = at, actor, reason
            q.answer = "raise" if let_in else "refuse"
            q.save()
            self.audit.record(actor, "car_let_in" if let_in else "car_refused", "car_question", q.id,
                              {"plate": q.plate_read, "reason": reason, "grace": grace})
            vehicle = None
            if let_in and len(q.candidates) == 1:  # "yes, it is that registered car"
                vehicle = Vehicle.get_or_none(Vehicle.plate == q.candidates[0])
            plate = vehicle.plate if vehicle is not None else q.plate_read
            if let_in:
                return self._raise(q.lane, plate, "grace" if grace else "volunteer", at, vehicle=vehicle, question=q, actor=actor)
            self._event(q.lane, plate, "refused", "refused", at, question=q, actor=actor)
            return CarDecision("refuse", "refused", plate, question=q)

    def open_questions(self, max_age_s: int = 600) -> list[CarQuestion]:
        """Cars still waiting; older ones have driven away (they stay in the log)."""
        since = self.clock() - datetime.timedelta(seconds=max_age_s)
        return list(CarQuestion.select().where(CarQuestion.answered_at.is_null() & (CarQuestion.asked_at >= since))
                    .order_by(CarQuestion.asked_at.desc()))

    # --- visitor car passes -----------------------------------------------------------------
    def create_pass(self, plate, hours, max_entries, note, actor: str, resident=None,
                    max_hours: int = MAX_PASS_HOURS) -> CarPass:
        """A visitor car pass; residents on /me get a shorter ``max_hours`` than staff."""
        plate = normalize_plate(str(plate or ""))
        check = validate_plate(plate)
        if not check.valid:
            raise ValidationError(check.reason, field="plate")
        hours = _int_in(hours, "hours", 1, max_hours)
        max_entries = _int_in(max_entries, "max_entries", 1, MAX_PASS_ENTRIES)
        note = clean_text(note, "note", max_len=100) or ""
        at = self.clock()
        with self.db.atomic():
            p = CarPass.create(plate=plate, resident=resident, created_by=actor, valid_from=at,
                               valid_until=at + datetime.timedelta(hours=hours), max_entries=max_entries, note=note)
            self.audit.record(actor, "create", "car_pass", p.id, {"plate": plate, "hours": hours})
            outbox.append("parking.pass", {"uuid": str(p.uuid), "plate": plate, "hours": hours,
                                           "resident_uuid": str(resident.uuid) if resident is not None else None})
        return p

    def revoke_pass(self, pass_id, actor: str, resident=None) -> CarPass:
        with self.db.atomic():
            p = find(CarPass, pass_id)
            if p is None or (resident is not None and p.resident_id != resident.id):
                raise NotFound("No such car pass.")
            if p.revoked_at is None:
                p.revoked_at, p.revoked_by = self.clock(), actor
                p.save()
                self.audit.record(actor, "revoke", "car_pass", p.id, {"plate": p.plate})
        return p

    def passes(self, resident=None, active_only: bool = True) -> list[CarPass]:
        q = CarPass.select().order_by(CarPass.created_at.desc())
        if resident is not None:
            q = q.where(CarPass.resident == resident.id)
        if active_only:
            at = self.clock()
            q = q.where(CarPass.revoked_at.is_null() & (CarPass.valid_until > at)
                        & (CarPass.entries < CarPass.max_entries))
        return list(q.limit(200))

    # --- the car park -----------------------------------------------------------------------
    def occupancy(self) -> dict:
        count = CarParkCount.select().order_by(CarParkCount.id.desc()).first()
        since = count.last_event if count else 0
        moved = {lane: CarEvent.select().where((CarEvent.lane == lane) & (CarEvent.decision == "raised")
                                               & (CarEvent.id > since)).count() for lane in ("entry", "exit")}
        inside = max(0, (count.inside if count else 0) + moved["entry"] - moved["exit"])
        counted, source = self.exits_seen(), "gate"
        zones, blind, spaces = self._zones_seen()
        capacity, capacity_from = self.settings.capacity, "setting"
        if zones and not blind and self.settings.zones_cover_all:
            # The cameras see every space: what they see now beats a running sum of the barrier.
            inside, counted, source = sum(zones.values()), True, "zones"
            if all(spaces.get(name) for name in zones):
                # Every zone says how many cars fit: together they are the car park.
                capacity, capacity_from = sum(spaces.values()), "zones"
        return {"counted": counted, "inside": inside, "capacity": capacity, "capacity_from": capacity_from,
                "free": max(0, capacity - inside) if capacity else None,
                "full": bool(capacity) and inside >= capacity, "counted_at": count.at if count else None,
                "source": source, "zones": zones, "zones_blind": blind,
                "zone_free": {name: {"cars": n, "spaces": spaces[name], "free": max(0, spaces[name] - n),
                                     "full": n >= spaces[name]}
                              for name, n in zones.items() if spaces.get(name)}}

    def zone_cars(self) -> tuple[dict[str, int], list[str]]:
        """Cars the cameras see now in each parking zone still drawn (by zone name), and the
        zones whose camera has no live picture or has not counted yet: their last figure may
        be stale, so they are left out, and a car park they cover is not counted from zones."""
        zones, blind, _spaces = self._zones_seen()
        return zones, blind

    def _zones_seen(self) -> tuple[dict[str, int], list[str], dict[str, int]]:
        """zone_cars, plus the spaces each seen zone was given in the zone editor (0 = not given)."""
        if self.zone_counts is None:
            return {}, [], {}
        from appliance.db.models import FireZone

        counts = dict(self.zone_counts())
        out: dict[str, int] = {}
        spaces: dict[str, int] = {}
        blind: list[str] = []
        for z in FireZone.select(FireZone.camera, FireZone.name, FireZone.spaces).where(
                (FireZone.kind == "parking") & (FireZone.active == True)).order_by(FireZone.name):  # noqa: E712
            seen = counts.get((z.camera, z.name))
            if seen is None or not self.camera_ok(z.camera):
                blind.append(z.name)
            else:
                out[z.name] = out.get(z.name, 0) + seen.get("registered", 0) + seen.get("unknown", 0)
                # Two cameras may share a zone name: its spaces are known only if each one gave them.
                known = bool(z.spaces) and spaces.get(z.name, 1) > 0
                spaces[z.name] = spaces.get(z.name, 0) + z.spaces if known else 0
        return out, blind, spaces

    def exits_seen(self) -> bool:
        """Whether cars leaving are seen at all: an exit loop, or an exit camera reading plates.
        Without either, entries minus exits only ever rises, so no count is shown."""
        s = self.settings
        return s.exit_raise_pin >= 0 and (s.exit_presence_pin >= 0 or bool(s.exit_camera))

    def count_cars(self, inside, actor: str) -> None:
        inside = _int_in(inside, "inside", 0, 100000)
        with self.db.atomic():
            last = CarEvent.select(fn.MAX(CarEvent.id)).scalar() or 0
            CarParkCount.create(at=self.clock(), inside=inside, last_event=last, counted_by=actor)
            self.audit.record(actor, "count", "car_park", "", {"inside": inside})

    def events(self, day: datetime.date | None = None, limit: int = 200) -> list[CarEvent]:
        day = day or self.clock().date()
        start = datetime.datetime.combine(day, datetime.time())
        return list(CarEvent.select().where((CarEvent.at >= start) & (CarEvent.at < start + datetime.timedelta(days=1)))
                    .order_by(CarEvent.at.desc()).limit(limit))

    def hourly(self, day: datetime.date | None = None) -> dict[str, list[int]]:
        """Entries and exits raised per hour of ``day`` (for the chart)."""
        day = day or self.clock().date()
        start = datetime.datetime.combine(day, datetime.time())
        out = {"entry": [0] * 24, "exit": [0] * 24}
        rows = (CarEvent.select(CarEvent.lane, fn.strftime("%H", CarEvent.at).alias("h"), fn.COUNT(CarEvent.id))
                .where((CarEvent.at >= start) & (CarEvent.at < start + datetime.timedelta(days=1))
                       & (CarEvent.decision == "raised"))
                .group_by(CarEvent.lane, fn.strftime("%H", CarEvent.at)).tuples())
        for lane, hour, n in rows:
            if lane in out and hour is not None:
                out[lane][int(hour)] = n
        return out

    def day(self, day: datetime.date | None = None) -> dict:
        """Cars inside at the end of each hour of ``day`` and who was let in (see day.py)."""
        from appliance.parking import day as profile

        day = day or self.clock().date()
        kinds = profile.entries_by_kind(day)
        return {"inside": profile.inside_by_hour(day, self.clock()), "kinds": kinds,
                "visitor_share": profile.visitor_share(kinds)}

    def visitors_inside_overnight(self) -> list[CarEvent]:
        """Visitor cars that came in before today and have no exit since (read on the exit)."""
        today = datetime.datetime.combine(self.clock().date(), datetime.time())
        entered = (CarEvent.select().where((CarEvent.lane == "entry") & (CarEvent.decision == "raised")
                                           & (CarEvent.reason.in_(("visitor", "volunteer")))
                                           & (CarEvent.at < today) & (CarEvent.at >= today - datetime.timedelta(days=7)))
                   .order_by(CarEvent.at))
        out = []
        for e in entered:
            left = CarEvent.select().where((CarEvent.lane == "exit") & (CarEvent.plate == e.plate)
                                           & (CarEvent.at > e.at)).exists()
            if not left and e.plate:
                out.append(e)
        return out


def _int_in(value, field_name: str, low: int, high: int) -> int:
    number = clean_int(value, field_name, min=low, max=high)
    if number is None:
        raise ValidationError("This is required.", field=field_name)
    return number
