"""Polygon zones over tracks: bottom-centre presence, object types, inertia and dwell.

Events per (zone, track): "enter" once presence held for `inertia` updates, "dwell" once the
stay passes `dwell_s`, "leave" after `inertia` updates outside or when the track ends. A parked
car therefore gives one enter, at most one dwell and one leave, however many frames it sits.

A track the detector did not see in this update (its ``last_seen`` is older than ``now``)
counts as outside: its box is where the car was, not where it is. A car that drives out of
the picture while its last box is still in the zone thus leaves after `inertia` updates,
not when the tracker gives up on it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from models.vehicles.geometry import bottom_centre, point_in_polygon


@dataclass(frozen=True)
class Zone:
    name: str
    polygon: tuple[tuple[float, float], ...]
    objects: frozenset[str] = frozenset({"car", "truck", "bus", "motorcycle"})
    inertia: int = 3
    dwell_s: float = 60.0

    def __post_init__(self):
        if len(self.polygon) < 3:
            raise ValueError("a zone needs at least three points")
        if self.inertia < 1 or self.dwell_s < 0:
            raise ValueError("inertia must be >= 1 and dwell >= 0")

    def contains(self, box: Sequence[float]) -> bool:
        return point_in_polygon(bottom_centre(box), self.polygon)


@dataclass(frozen=True)
class ZoneEvent:
    kind: str  # enter | dwell | leave
    zone: str
    track_id: int
    label: str
    at: float
    entered_at: float | None
    box: tuple[int, int, int, int]


@dataclass
class _Presence:
    inside: int = 0  # consecutive updates inside
    outside: int = 0  # consecutive updates outside, once present
    present: bool = False
    entered_at: float | None = None
    first_inside: float | None = None
    dwelled: bool = False
    box: tuple = ()
    label: str = ""


@dataclass
class ZoneWatcher:
    zones: Sequence[Zone]
    _state: dict = field(default_factory=dict)

    def present(self, zone_name: str) -> list[int]:
        return [tid for (z, tid), s in self._state.items() if z == zone_name and s.present]

    def update(self, tracks: Iterable, now: float, ended: Iterable = ()) -> list[ZoneEvent]:
        events: list[ZoneEvent] = []
        seen = set()
        for track in tracks:
            for zone in self.zones:
                if track.label not in zone.objects:
                    continue
                key = (zone.name, track.id)
                seen.add(key)
                st = self._state.setdefault(key, _Presence())
                st.box, st.label = tuple(track.box), track.label
                seen_now = getattr(track, "last_seen", now) >= now
                if seen_now and zone.contains(track.box):
                    st.inside += 1
                    st.outside = 0
                    if st.first_inside is None:
                        st.first_inside = now
                    if not st.present and st.inside >= zone.inertia:
                        st.present, st.entered_at = True, st.first_inside
                        events.append(ZoneEvent("enter", zone.name, track.id, track.label, now,
                                                st.entered_at, st.box))
                    if st.present and not st.dwelled and now - st.entered_at >= zone.dwell_s:
                        st.dwelled = True
                        events.append(ZoneEvent("dwell", zone.name, track.id, track.label, now,
                                                st.entered_at, st.box))
                else:
                    st.inside = 0
                    if not st.present:
                        st.first_inside = None
                        continue
                    st.outside += 1
                    if st.outside >= zone.inertia:
                        events.append(self._leave(key, now))
        for track in ended:
            for zone in self.zones:
                key = (zone.name, track.id)
                if key in self._state and key not in seen:
                    if self._state[key].present:
                        events.append(self._leave(key, now))
                    else:
                        del self._state[key]
        return events

    def _leave(self, key, now: float) -> ZoneEvent:
        st = self._state.pop(key)
        return ZoneEvent("leave", key[0], key[1], st.label, now, st.entered_at, st.box)
