"""Face embedder: aligned 150x150 RGB chip -> unit-length 128-d vector."""
from __future__ import annotations

import numpy as np

from models.errors import InferenceError
from models.runtime import TFLiteModel

MODEL_ENTRY = "face.embedder"  # models/manifest.json
MODEL_FILE = "face/face_embedder_dlib_resnet_int8.tflite"
EMBEDDING_SIZE = 128


class FaceEmbedder:
    def __init__(self, model: TFLiteModel):
        self.model = model
        self.chip_size = model.input_shape[1]
        self._output = model.output_names[0]

    def embed(self, chip: np.ndarray) -> np.ndarray:
        if chip.shape != (self.chip_size, self.chip_size, 3):
            raise InferenceError(f"face chip must be {self.chip_size}x{self.chip_size} RGB, got {chip.shape}")
        vector = self.model.run(chip[None].astype(np.float32))[self._output][0]
        norm = float(np.linalg.norm(vector))
        if not np.isfinite(norm) or norm == 0.0:
            raise InferenceError("embedder returned an empty vector")
        return (vector / norm).astype(np.float32)
