"""Plate reading on synthetic plates (fixed seed): exact and per-character accuracy, ms.

    python -m bench.bench_plates
"""
from __future__ import annotations

from bench._results import record
from models.plates.evaluate import evaluate
from models.plates.read import PlateReader
from models.plates.synth import make_set

SEED = 2018
PER_CELL = 20  # per colour and condition: 3 colours x 6 conditions x 20 = 360 plates


def main():
    report = evaluate(PlateReader(), make_set(seed=SEED, per_cell=PER_CELL))
    print(f"{report.total.plates} synthetic plates, seed {SEED}")
    print(f"{'':<12}{'found':>8}{'exact':>8}{'chars':>8}")
    for name, t in list(report.by_condition.items()) + list(report.by_colour.items()):
        print(f"{name:<12}{t.found_rate:>8.3f}{t.exact_rate:>8.3f}{t.char_accuracy:>8.3f}")
    clear = report.by_condition["clear"]
    record("plates_exact_clear", round(clear.exact_rate, 3), "ratio",
           goal=">= 0.95")
    record("plates_char_accuracy_clear", round(clear.char_accuracy, 3), "ratio")
    record("plates_exact_all_conditions", round(report.total.exact_rate, 3), "ratio")
    record("plates_char_accuracy_all_conditions", round(report.total.char_accuracy, 3), "ratio")
    for colour, t in report.by_colour.items():
        record(f"plates_exact_{colour}", round(t.exact_rate, 3), "ratio")
    record("plates_ms_per_plate", round(report.ms_per_plate, 1), "ms",
           goal="detect + rectify + read, 640x480 frame, this machine")


if __name__ == "__main__":
    main()
