"""Kiosk-like camera frames made from the real registry photos (see models/face/dataset.py)."""

from __future__ import annotations

import cv2
import numpy as np

from models.face import dataset
from models.face.detect import FaceDetector
from models.face.pipeline import read_image
from models.runtime import MODELS_DIR, TFLiteModel


def portrait_frames(name: str, count: int, seed: int = 0) -> list[np.ndarray]:
    """``count`` 640x480 frames of the person in ``name``: small moves and light changes,
    as a person standing at the kiosk gives."""
    pictures = dataset.fetch()
    image = read_image(pictures / name)
    detector = FaceDetector(TFLiteModel(MODELS_DIR / "face" / "blazeface_short_range.tflite"))
    face = detector.detect(image)[0]
    cx, cy = (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2
    half = face.width * 1.6
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(count):
        dx, dy = rng.uniform(-0.05, 0.05, 2) * half
        scale = 480 / (2 * half) * rng.uniform(0.95, 1.05)
        matrix = np.array([[scale, 0, 320 - (cx + dx) * scale], [0, scale, 240 - (cy + dy) * scale]])
        frame = cv2.warpAffine(image, matrix, (640, 480), borderMode=cv2.BORDER_REPLICATE)
        frames.append(np.clip(frame * rng.uniform(0.85, 1.1), 0, 255).astype(np.uint8))
    return frames


class ReplayFrame:
    """Shaped like the hardware layer's camera frame: BGR pixels, time, counter."""

    def __init__(self, image: np.ndarray, seq: int):
        self.image, self.ts, self.seq = image, float(seq), seq


class ReplayCamera:
    """Stands in for the kiosk camera (same read() as the hardware cameras): hands out the
    given RGB frames as BGR camera frames in a loop and counts the reads."""

    def __init__(self, frames: list[np.ndarray]):
        self.frames = list(frames)
        self.reads = 0

    def read(self, timeout: float | None = 1.0) -> ReplayFrame | None:
        if not self.frames:
            return None
        frame = self.frames[self.reads % len(self.frames)]
        self.reads += 1
        return ReplayFrame(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), self.reads)


class ScriptedPipeline:
    """Plays back prepared observations, one per frame, in place of the camera + models.

    Used where no real recording exists: a real head turning in front of the kiosk camera.
    The keypoints come from a 3-D head model; the embeddings from real enrolled photos.
    """

    def __init__(self, observations):
        self.observations = list(observations)
        self.calls = 0

    def observe(self, frame, gate_quality=True, central=False):
        observation = self.observations[min(self.calls, len(self.observations) - 1)]
        self.calls += 1
        return observation
