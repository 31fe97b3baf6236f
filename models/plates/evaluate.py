"""Accuracy and speed of the plate reader on synthetic plates (see synth.py)."""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from models.plates.read import PlateReader, read_plates
from models.plates.synth import SynthPlate
from models.vehicles.geometry import iou


def char_errors(truth: str, read: str) -> int:
    """Levenshtein distance: substitutions, missed and extra characters."""
    prev = list(range(len(read) + 1))
    for i, a in enumerate(truth, 1):
        cur = [i]
        for j, b in enumerate(read, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a != b)))
        prev = cur
    return prev[-1]


@dataclass
class Tally:
    plates: int = 0
    exact: int = 0
    found: int = 0
    chars: int = 0
    char_errors: int = 0

    @property
    def exact_rate(self) -> float:
        return self.exact / self.plates if self.plates else 0.0

    @property
    def char_accuracy(self) -> float:
        return 1.0 - self.char_errors / self.chars if self.chars else 0.0

    @property
    def found_rate(self) -> float:
        return self.found / self.plates if self.plates else 0.0


@dataclass
class Report:
    total: Tally = field(default_factory=Tally)
    by_condition: dict = field(default_factory=lambda: defaultdict(Tally))
    by_colour: dict = field(default_factory=lambda: defaultdict(Tally))
    ms_per_image: float = 0.0
    ms_per_plate: float = 0.0
    mistakes: list = field(default_factory=list)


def evaluate(reader: PlateReader, samples: list[SynthPlate]) -> Report:
    report = Report()
    elapsed = 0.0
    plates_read = 0
    for s in samples:
        t0 = time.perf_counter()
        reads = read_plates(s.image, reader)
        elapsed += time.perf_counter() - t0
        plates_read += max(1, len(reads))
        # The read whose box covers the plate; a read elsewhere is not this plate.
        on_plate = [r for r in reads if iou(r[2], s.box) >= 0.3]
        text = on_plate[0][0] if on_plate else ""
        errors = char_errors(s.text, text)
        for tally in (report.total, report.by_condition[s.condition], report.by_colour[s.colour]):
            tally.plates += 1
            tally.exact += text == s.text
            tally.found += bool(on_plate)
            tally.chars += len(s.text)
            tally.char_errors += min(errors, len(s.text))
        if text != s.text:
            report.mistakes.append((s.condition, s.colour, s.text, text or "-"))
    report.ms_per_image = 1000 * elapsed / max(1, len(samples))
    report.ms_per_plate = 1000 * elapsed / max(1, plates_read)
    return report
