"""The real plate photos under tests/models/plates/scenes and their by-eye labels.

Real photographs (CCPD samples, MIT; HyperLPR's demo pictures, Apache-2.0; see the folder's
README), never used to train or tune anything here. Kinds: "scene" (a whole picture: detect,
refine, read), "crop" (a plate already cut out: refine and read), "no_plate".
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from models.errors import ModelError

SCENES = Path(__file__).resolve().parents[2] / "tests" / "models" / "plates" / "scenes"


@dataclass(frozen=True)
class RealPlate:
    name: str
    text: str
    kind: str
    condition: str
    image: np.ndarray


def load(folder: Path = SCENES) -> list[RealPlate]:
    try:
        labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the real plate labels in {folder}: {exc}") from exc
    out = []
    for name, item in sorted(labels.items()):
        if name.startswith("_"):
            continue
        image = cv2.imread(str(folder / name))
        if image is None:
            raise ModelError(f"cannot read {folder / name}")
        out.append(RealPlate(name, item["text"], item["kind"], item["condition"], image))
    return out


def read_one(reader, plate: RealPlate):
    """The reader's best PlateRead of one real picture, or None."""
    if plate.kind == "crop":
        h, w = plate.image.shape[:2]
        found = reader.read_crop(reader._loose_crop(plate.image, (0, 0, w - 1, h - 1)))
        return found
    reads = reader.read(plate.image)
    return max(reads, key=lambda r: r.confidence) if reads else None
