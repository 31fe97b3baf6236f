"""One day of the car park, for the charts: how many cars were inside at the end of each
hour, and what share of the cars let in were visitors.

Cars inside follow the same rule as the live count (service.occupancy): the staff's last
count plus entries raised minus exits raised since it. A count made during the day resets
the line at that moment, so a walked-and-corrected figure shows where it was entered.
Hours still to come are None (drawn as nothing, not as zero).
"""

from __future__ import annotations

import datetime

from appliance.db.models.parking import CarEvent, CarParkCount

# Who the cars let in were: residents' own cars against everyone else the barrier opened for.
VISITOR_KINDS = ("visitor", "volunteer", "grace")
SHARE_KINDS = ("resident", *VISITOR_KINDS)


def _raised(lane: str):
    return (CarEvent.lane == lane) & (CarEvent.decision == "raised")


def inside_by_hour(day: datetime.date, now: datetime.datetime) -> list[int | None]:
    start = datetime.datetime.combine(day, datetime.time())
    end = start + datetime.timedelta(days=1)
    base = CarParkCount.select().where(CarParkCount.at < start).order_by(CarParkCount.id.desc()).first()
    inside, since = (base.inside, base.last_event) if base else (0, 0)
    before = (CarEvent.id > since) & (CarEvent.at < start)
    inside += CarEvent.select().where(_raised("entry") & before).count()
    inside -= CarEvent.select().where(_raised("exit") & before).count()
    inside = max(0, inside)
    # Counts and events of the day in the order they happened; a count sorts before the
    # events of the same second whose ids it already covers (they are skipped by id anyway).
    steps = [(c.at, 0, c) for c in CarParkCount.select().where((CarParkCount.at >= start) & (CarParkCount.at < end))]
    steps += [(e.at, 1, e) for e in CarEvent.select(CarEvent.id, CarEvent.at, CarEvent.lane)
              .where((CarEvent.decision == "raised") & (CarEvent.at >= start) & (CarEvent.at < end))]
    steps.sort(key=lambda s: (s[0], s[1], s[2].id))
    out: list[int | None] = []
    i = 0
    for hour in range(24):
        hour_start = start + datetime.timedelta(hours=hour)
        if hour_start > now:
            out.append(None)
            continue
        hour_end = hour_start + datetime.timedelta(hours=1)
        while i < len(steps) and steps[i][0] < hour_end:
            _, kind, row = steps[i]
            i += 1
            if kind == 0:
                inside, since = row.inside, row.last_event
            elif row.id > since:
                inside = max(0, inside + (1 if row.lane == "entry" else -1))
        out.append(inside)
    return out


def entries_by_kind(day: datetime.date) -> dict[str, int]:
    """Entries raised on ``day`` by who the car was (residents' cars, visitor passes, let in by a
    volunteer, delivery/taxi); fire-alarm raises are nobody's and are left out."""
    start = datetime.datetime.combine(day, datetime.time())
    rows = (CarEvent.select(CarEvent.reason).where(_raised("entry") & (CarEvent.at >= start)
                                                   & (CarEvent.at < start + datetime.timedelta(days=1))))
    out = dict.fromkeys(SHARE_KINDS, 0)
    for (reason,) in rows.tuples():
        if reason in out:
            out[reason] += 1
    return out


def visitor_share(kinds: dict[str, int]) -> float | None:
    total = sum(kinds.values())
    return None if total == 0 else sum(kinds[k] for k in VISITOR_KINDS) / total
