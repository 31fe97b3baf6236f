"""Learning one person's usual rhythm from four weeks of signs of life, on the box.

Pure functions over a sorted list of timestamps: which hours of the day usually show a
sign of life, and how long this person is usually silent. The silence limit is their own
longest usual gap (90th percentile of the gaps within the window, plus half of it again),
never below ``MIN_LIMIT_H`` and never above the plan's floor. With less than a week of data
the floor alone applies: a new plan does not raise alerts from a guess.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

WINDOW_DAYS = 28
MIN_DAYS = 7
MIN_LIMIT_H = 6.0
MIN_ACTIVE_LIMIT_H = 3.0
ACTIVE_SHARE = 0.5  # an hour in which she shows a sign of life on at least half the days
MARGIN = 1.5


@dataclass
class Routine:
    hours: list[float] = field(default_factory=lambda: [0.0] * 24)  # share of days active in each hour
    limit_hours: float = 24.0
    days: int = 0
    active_limit_hours: float | None = None  # longest usual silence within her waking hours

    def active_hours(self, share: float = 0.25) -> list[int]:
        return [h for h, v in enumerate(self.hours) if v >= share]


def learn(times: list[datetime.datetime], now: datetime.datetime, floor_hours: float,
          tolerance_hours: float = 0.0) -> Routine:
    start = now - datetime.timedelta(days=WINDOW_DAYS)
    seen = sorted(t for t in times if start <= t <= now)
    floor = float(floor_hours)
    if not seen:
        return Routine(limit_hours=floor, days=0)
    days = (now - seen[0]).days
    per_hour: list[set] = [set() for _ in range(24)]
    for t in seen:
        per_hour[t.hour].add(t.date())
    span_days = max(1, min(WINDOW_DAYS, days + 1))
    hours = [round(min(1.0, len(d) / span_days), 3) for d in per_hour]
    if days < MIN_DAYS:
        return Routine(hours=hours, limit_hours=floor, days=days)
    gaps = sorted((b - a).total_seconds() / 3600 for a, b in zip(seen, seen[1:]))
    usual = gaps[min(len(gaps) - 1, int(len(gaps) * 0.9))] if gaps else floor
    limit = max(MIN_LIMIT_H, usual * MARGIN, float(tolerance_hours))
    awake = waking_hours(hours)
    active_limit = None
    if awake:
        quiet = sorted(awake_hours_between(a, b, awake) for a, b in zip(seen, seen[1:]))
        usual_awake = quiet[min(len(quiet) - 1, int(len(quiet) * 0.9))] if quiet else 0.0
        active_limit = round(min(floor, max(MIN_ACTIVE_LIMIT_H, usual_awake * MARGIN)), 2)
    return Routine(hours=hours, limit_hours=round(min(floor, limit), 2), days=days, active_limit_hours=active_limit)


def waking_hours(hours: list[float]) -> frozenset[int]:
    """Her usual waking day: from the first to the last hour in which she shows a sign of life
    on at least half the days (the hours in between count even without a sign each day)."""
    busy = [h for h, v in enumerate(hours) if v >= ACTIVE_SHARE]
    if not busy:
        return frozenset()
    return frozenset(range(busy[0], busy[-1] + 1))


def awake_hours_between(start: datetime.datetime, end: datetime.datetime, awake: frozenset[int]) -> float:
    """How much of [start, end) falls in her waking hours: a night's sleep does not count."""
    total = 0.0
    t = start
    while t < end:
        slot_end = min(end, t.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1))
        if t.hour in awake:
            total += (slot_end - t).total_seconds() / 3600
        t = slot_end
    return total


def water_flow(readings: list[tuple[datetime.datetime, float]], now: datetime.datetime,
               hours: float = 12.0) -> float | None:
    """m³ through the meter in the last ``hours``, from cumulative readings; None when the
    meter has not reported for long enough to say (a new meter, or one that went quiet)."""
    start = now - datetime.timedelta(hours=hours)
    before = [v for t, v in readings if t <= start]
    inside = [v for t, v in readings if start < t <= now]
    if not before or not inside:
        return None
    return max(0.0, max(inside) - before[-1])
