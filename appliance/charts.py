"""Geometry for the small bar charts the admin pages draw as inline SVG (no JavaScript,
works on an old phone). Every chart used to compute its own slots, scale and rounding;
they now share this one so the axes, headroom and bar widths agree from page to page.

The template only places shapes: a feature asks `BarChart.fit(...)` for the scale and
reads `x`, `y`, `h` and `bar_w` per bar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class BarChart:
    width: float
    height: float
    top: float          # the value drawn at the top of the plot area
    slots: int          # days, weeks, hours, months...
    per_slot: int = 1   # bars side by side in one slot (opened/fixed, in/out)
    headroom: float = 20  # space above the tallest bar for its number
    bottom: float = 0   # space under the axis for labels
    gap: float = 2      # empty pixels between neighbouring bars

    @classmethod
    def fit(cls, width: float, height: float, values: Iterable[float], slots: int, **options) -> "BarChart":
        """A chart whose top is the largest value (at least 1, so an empty chart has an axis)."""
        return cls(width, height, max([1, *values]), max(1, slots), **options)

    @property
    def plot(self) -> float:
        return self.height - self.headroom - self.bottom

    @property
    def axis(self) -> float:
        """The y of the baseline."""
        return self.height - self.bottom

    @property
    def slot_w(self) -> float:
        return self.width / self.slots

    @property
    def bar_w(self) -> float:
        return round(max(1.0, self.slot_w / self.per_slot - self.gap), 1)

    def x(self, slot: int, bar: int = 0) -> float:
        return round(slot * self.slot_w + self.gap / 2 + bar * self.slot_w / self.per_slot, 1)

    def h(self, value: float) -> float:
        return round(value / self.top * self.plot, 1)

    def y(self, value: float, below: float = 0) -> float:
        """Top edge of a bar of `value` standing on `below` (for stacked bars)."""
        return round(self.axis - (value + below) / self.top * self.plot, 1)
