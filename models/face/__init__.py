"""Face pipeline: detect, align, embed, match, liveness. Imports nothing from the project."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from models.errors import NoFaceFound
from models.face.match import DIFFERENT, SAME, UNKNOWN, Thresholds, cosine
from models.face.pipeline import FacePipeline, read_image

__all__ = ["compare", "FacePipeline", "NoFaceFound", "Thresholds", "SAME", "DIFFERENT", "UNKNOWN"]


def compare(image_a: str | Path | np.ndarray, image_b: str | Path | np.ndarray,
            thresholds: Thresholds | None = None, pipeline: FacePipeline | None = None) -> tuple[float, str]:
    """Cosine similarity of the largest faces in two pictures and the decision it gives.

    Raises NoFaceFound when either picture has no face. Without a pipeline the models are
    loaded for this call (fine for a one-off CLI command, wasteful in a loop).
    """
    thresholds = thresholds or Thresholds()
    pipeline = pipeline or FacePipeline.load()
    a = pipeline.embed_image(read_image(image_a))
    b = pipeline.embed_image(read_image(image_b))
    similarity = cosine(a, b)
    return similarity, thresholds.decide(similarity)
