"""Detect -> align -> quality -> embed for one frame, with the models loaded once."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from models.errors import ModelError, NoFaceFound
from models.face.align import align
from models.face.detect import MODEL_ENTRY as DETECTOR_ENTRY
from models.face.detect import Face, FaceDetector
from models.face.embed import MODEL_ENTRY as EMBEDDER_ENTRY
from models.face.embed import FaceEmbedder
from models.face.quality import QualityLimits, QualityReport, assess
from models.runtime import MODELS_DIR, TFLiteModel, read_manifest


@dataclass(frozen=True)
class Observation:
    face: Face
    quality: QualityReport
    embedding: np.ndarray | None  # None when a quality gate failed and embedding was skipped


class FacePipeline:
    def __init__(self, detector: FaceDetector, embedder: FaceEmbedder, limits: QualityLimits = QualityLimits()):
        self.detector = detector
        self.embedder = embedder
        self.limits = limits

    @classmethod
    def load(cls, num_threads: int = 1, models_dir: Path = MODELS_DIR,
             limits: QualityLimits = QualityLimits()) -> "FacePipeline":
        """Load both models, checking them against the manifest's checksums."""
        manifest = read_manifest(models_dir / "manifest.json")
        detector = FaceDetector(TFLiteModel.from_manifest(DETECTOR_ENTRY, num_threads, manifest, models_dir))
        embedder = FaceEmbedder(TFLiteModel.from_manifest(EMBEDDER_ENTRY, num_threads, manifest, models_dir))
        return cls(detector, embedder, limits)

    @property
    def load_seconds(self) -> float:
        return self.detector.model.load_seconds + self.embedder.model.load_seconds

    def observe(self, frame: np.ndarray, gate_quality: bool = True, central: bool = False) -> Observation | None:
        """Look at the largest face of an RGB frame (or the one nearest the centre); None when
        there is no face."""
        faces = self.detector.detect(frame)
        if not faces:
            return None
        face = nearest_centre(faces, frame.shape) if central else faces[0]
        chip = align(frame, face.keypoints, self.embedder.chip_size)
        quality = assess(face, chip, self.limits)
        if gate_quality and not quality.ok:
            return Observation(face, quality, None)
        return Observation(face, quality, self.embedder.embed(chip))

    def embed_image(self, image: np.ndarray) -> np.ndarray:
        """Embedding of the largest face in a still picture, without the kiosk's quality gates."""
        observation = self.observe(image, gate_quality=False)
        if observation is None:
            raise NoFaceFound("no face found in the image")
        return observation.embedding


def nearest_centre(faces: list[Face], shape: tuple[int, ...]) -> Face:
    cx, cy = shape[1] / 2, shape[0] / 2
    return min(faces, key=lambda f: ((f.box[0] + f.box[2]) / 2 - cx) ** 2 + ((f.box[1] + f.box[3]) / 2 - cy) ** 2)


def read_image(source: str | Path | np.ndarray) -> np.ndarray:
    """An RGB uint8 array from a path or an array (arrays are taken to be RGB already)."""
    if isinstance(source, np.ndarray):
        image = source
    else:
        image = cv2.imread(str(source), cv2.IMREAD_COLOR)
        if image is None:
            raise ModelError(f"cannot read image {source}")
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_RGBA2RGB)
    return np.ascontiguousarray(image, dtype=np.uint8)
