"""Who owns a read plate: fuzzy match against the registered vehicles.

``decide`` is what the incidents use: it names an owner to phone only for a trusted read that
equals exactly one registered plate with no registered neighbour (models.plates.match.
owner_match), or, for an unregistered plate read as surely, the resident whose visitor car pass
let it in (the car gate's passes); anything less goes to the volunteer with the candidate
plates. ``lookup`` (the
fuzzy match) only counts registered cars in the parking zones.

The watch asks on every processed frame (parking counts) and at every incident, so the plate
table is cached and read again only after the database changed. Two O(1) counters say so:
SQLite's ``data_version`` changes when another connection commits (the web's threads), and
``total_changes()`` when this connection wrote. Only then are the (id, plate) pairs reloaded.
"""

from __future__ import annotations

import datetime
import threading

from appliance.db.models import CarPass, Vehicle
from models.plates.match import OwnerMatch, match_plate, owner_match


class OwnerLookup:
    def __init__(self, db):
        self.db = db
        self._lock = threading.Lock()
        self._plates: dict[str, int] = {}  # plate -> vehicle id
        self._stamps: dict[int, tuple] = {}  # thread -> the counters its connection last saw
        self.loads = 0  # how often the table was read (tests look)

    def _fresh_plates(self) -> dict[str, int]:
        version = self.db.execute_sql("PRAGMA data_version").fetchone()[0]
        changes = self.db.execute_sql("SELECT total_changes()").fetchone()[0]
        me = threading.get_ident()
        with self._lock:
            if self._stamps.get(me) != (version, changes):
                self._plates = {plate: vid for vid, plate in Vehicle.select(Vehicle.id, Vehicle.plate).tuples()}
                self.loads += 1
                # Each thread's connection sees each commit once, so a write costs each
                # reading thread (a camera, the web) one reload.
                self._stamps[me] = (version, changes)
            return self._plates

    def registered(self) -> dict[str, int]:
        """plate -> vehicle id of every registered vehicle (the same cache; the car gate reads it)."""
        return self._fresh_plates()

    def invalidate(self) -> None:
        with self._lock:
            self._stamps = {}

    def decide(self, read, today: datetime.date | None = None):
        """(vehicle, resident, OwnerMatch) for a models.plates.vote.BestRead (or None).

        vehicle and resident are set only when the owner may be phoned; resident is None when
        they moved out.
        """
        if read is None or not read.valid:
            return None, None, OwnerMatch(None, "unread")
        plates = self._fresh_plates()
        decision = owner_match(read.text, read.trusted, plates)
        if decision.plate is None and decision.reason == "not_registered" and read.trusted:
            inviter = self._inviter(read.text, today)
            if inviter is not None:  # a guest's car: the resident who invited it is phoned
                return None, inviter, OwnerMatch(read.text, "visitor_pass", decision.candidates)
        if decision.plate is None:
            return None, None, decision
        vehicle, resident = self._owner_of(plates[decision.plate], today)
        if vehicle is None:
            return None, None, OwnerMatch(None, "not_registered")
        return vehicle, resident, decision

    @staticmethod
    def _inviter(plate: str, today: datetime.date | None = None):
        """The resident whose car pass let this plate in lately (the pass may have run out
        while the car is still parked: a day's grace), unless the pass was cancelled or the
        resident has moved out."""
        now = datetime.datetime.now()
        car_pass = (CarPass.select().where((CarPass.plate == plate) & CarPass.resident.is_null(False)
                                           & CarPass.revoked_at.is_null() & (CarPass.entries > 0)
                                           & (CarPass.valid_from <= now)
                                           & (CarPass.valid_until > now - datetime.timedelta(days=1)))
                    .order_by(CarPass.created_at.desc()).first())
        if car_pass is None:
            return None
        resident = car_pass.resident
        if resident.move_out is not None and resident.move_out <= (today or now.date()):
            return None
        return resident

    def _owner_of(self, vehicle_id: int, today: datetime.date | None):
        vehicle = Vehicle.get_or_none(Vehicle.id == vehicle_id)
        if vehicle is None:  # deleted since the cache was read
            self.invalidate()
            return None, None
        resident = vehicle.resident
        if resident.move_out is not None and resident.move_out <= (today or datetime.date.today()):
            return vehicle, None
        return vehicle, resident

    def lookup(self, plate: str, today: datetime.date | None = None):
        """(vehicle, resident) for a read plate; resident is None when they moved out."""
        if not plate:
            return None, None
        plates = self._fresh_plates()
        m = match_plate(plate, plates)
        if m is None:
            return None, None
        return self._owner_of(plates[m.plate], today)
