"""The street-lamp clock: sunset and sunrise computed on the box with ``astral`` from the
community's latitude and longitude (no internet), in the box's time zone.

A *night* starts on a calendar day: lamps on at that day's sunset + offset, dimmed at
``dim_at`` (after midnight, so on the next day, unless the time is still in the evening),
off at the next day's sunrise − offset. On an all-night date (春节, a festival) the lamps
stay bright the whole night. Times are naive local datetimes, like every clock on the box.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from astral import LocationInfo
from astral.sun import sun

from appliance.errors import ValidationError

logger = logging.getLogger(__name__)

DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Night:
    day: datetime.date  # the evening the night starts
    sunset: datetime.datetime
    sunrise: datetime.datetime  # the next morning
    on_at: datetime.datetime
    dim_at: datetime.datetime | None  # None: not dimmed that night
    off_at: datetime.datetime
    all_night: bool


@dataclass(frozen=True)
class Wanted:
    on: bool
    level: float
    reason: str  # "schedule", "dimmed", "all night", "day"


def parse_dates(entries: list[str]) -> set[datetime.date]:
    """``"2027-02-06"`` or ``"2027-02-05..2027-02-12"`` → the set of days; ValidationError
    naming the entry otherwise."""
    days: set[datetime.date] = set()
    for i, entry in enumerate(entries):
        field = f"all_night_dates[{i}]"
        try:
            first, _, last = str(entry).partition("..")
            start = datetime.date.fromisoformat(first.strip())
            end = datetime.date.fromisoformat(last.strip()) if last else start
        except ValueError:
            raise ValidationError("Not a date: %(value)s", field=field, value=str(entry)[:40]) from None
        if end < start or (end - start).days > 366:
            raise ValidationError("The range must run forward and span at most a year.", field=field)
        while start <= end:
            days.add(start)
            start += DAY
    return days


def parse_hhmm(text: str, field: str = "dim_at") -> datetime.time | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.time.fromisoformat(text)
    except ValueError:
        raise ValidationError("Not a time (HH:MM): %(value)s", field=field, value=text[:20]) from None


class LampSchedule:
    def __init__(self, latitude: float, longitude: float, timezone: str, *, on_after_sunset_min: int = 10,
                 off_before_sunrise_min: int = 10, dim_at: str = "00:00", dim_level: float = 0.5,
                 all_night_dates: list[str] | None = None):
        self.tz = ZoneInfo(timezone)
        self.location = LocationInfo("site", "", timezone, latitude, longitude)
        self.on_offset = datetime.timedelta(minutes=on_after_sunset_min)
        self.off_offset = datetime.timedelta(minutes=off_before_sunrise_min)
        self.dim_time = parse_hhmm(dim_at)
        self.dim_level = float(dim_level)
        self.all_night = parse_dates(all_night_dates or [])
        self._cache: dict[datetime.date, tuple[datetime.datetime, datetime.datetime]] = {}
        # Nights the district lights all night for every box (a "config" downlink); read
        # through ``district_source()`` at most once a minute.
        self.district_source = None
        self._district: set[datetime.date] = set()
        self._district_read = -1e9

    @classmethod
    def from_config(cls, cfg, timezone: str) -> LampSchedule:
        return cls(cfg.latitude, cfg.longitude, timezone, on_after_sunset_min=cfg.on_after_sunset_min,
                   off_before_sunrise_min=cfg.off_before_sunrise_min, dim_at=cfg.dim_at, dim_level=cfg.dim_level,
                   all_night_dates=cfg.all_night_dates)

    def move_to(self, latitude: float, longitude: float) -> None:
        """The community's place changed (the setup wizard): new sunsets from the next tick."""
        self.location = LocationInfo("site", "", self.location.timezone, latitude, longitude)
        self._cache = {}

    def sun(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        """(sunrise, sunset) of ``day`` as naive local times."""
        return self._sun(day)

    def _sun(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        cache = self._cache  # one dict throughout: move_to() may swap it from another thread
        if day not in cache:
            try:
                s = sun(self.location.observer, date=day, tzinfo=self.tz)
                rise, set_ = s["sunrise"], s["sunset"]
            except ValueError:
                # Polar day or night: no sunset to count from; burn from 18:00 to 06:00.
                rise = datetime.datetime.combine(day, datetime.time(6))
                set_ = datetime.datetime.combine(day, datetime.time(18))
            cache[day] = (rise.replace(tzinfo=None, microsecond=0), set_.replace(tzinfo=None, microsecond=0))
            if len(cache) > 800:
                cache.pop(next(iter(cache)))
        return cache[day]

    def night(self, day: datetime.date) -> Night:
        sunset = self._sun(day)[1]
        sunrise = self._sun(day + DAY)[0]
        on_at, off_at = sunset + self.on_offset, sunrise - self.off_offset
        all_night = day in self.all_night or day in self.district_dates()
        dim_at = None
        if self.dim_time is not None and not all_night:
            candidate = datetime.datetime.combine(day, self.dim_time)
            if candidate < on_at:
                candidate += DAY  # "00:00" means the coming midnight
            if on_at < candidate < off_at:
                dim_at = candidate
        return Night(day, sunset, sunrise, on_at, dim_at, off_at, all_night)

    def district_dates(self) -> set[datetime.date]:
        if self.district_source is None:
            return self._district
        now = time.monotonic()
        if now - self._district_read >= 60:
            self._district_read = now
            try:
                self._district = parse_dates(self.district_source() or [])
            except (ValidationError, TypeError) as exc:
                logger.warning("the district's all-night dates are not usable: %s", exc)
                self._district = set()
        return self._district

    def wanted(self, at: datetime.datetime, dimmable: bool = True) -> Wanted:
        """What a lamp should do at ``at`` by the clock alone."""
        for day in (at.date() - DAY, at.date()):
            night = self.night(day)
            if night.on_at <= at < night.off_at:
                if night.all_night:
                    return Wanted(True, 1.0, "all night")
                if dimmable and night.dim_at is not None and at >= night.dim_at:
                    return Wanted(True, self.dim_level, "dimmed")
                return Wanted(True, 1.0, "schedule")
        return Wanted(False, 0.0, "day")

    def next_change(self, at: datetime.datetime) -> datetime.datetime:
        """The next time the clock changes its mind after ``at`` (for the page)."""
        times = []
        for day in (at.date() - DAY, at.date(), at.date() + DAY):
            n = self.night(day)
            times += [t for t in (n.on_at, n.dim_at, n.off_at) if t is not None and t > at]
        return min(times)

    def preview(self, start: datetime.date, days: int) -> list[Night]:
        return [self.night(start + i * DAY) for i in range(max(1, min(days, 400)))]
