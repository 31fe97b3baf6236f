"""PaddleOCR's PP-OCRv4 mobile Chinese text recogniser on a rectified plate, through LiteRT.

The model reads any line of Chinese text (6,623 characters); only the columns of the
characters a plate can carry are kept, in models.plates.read.CHARS order with the CTC blank
last, so the same GA 36 constrained beam search (decode.py) reads both recognisers' output.
Converted once from the ONNX model in the PyPI wheel rapidocr-onnxruntime 1.4.4 by
convert_ppocr.py (same outputs as onnxruntime within 7e-5).
"""
from __future__ import annotations

import cv2
import numpy as np

from models.errors import ModelError
from models.manifest import load_manifest, model_path
from models.runtime import TFLiteModel

ENTRY = "plates.ppocr_rec"
HEIGHT = 48


class PPOCRRecogniser:
    """Not thread-safe (one interpreter); the watch shares one reader behind a lock."""

    def __init__(self, manifest: dict | None = None, num_threads: int = 1):
        manifest = manifest if manifest is not None else load_manifest()
        self.model = TFLiteModel(model_path(ENTRY, "file", manifest), num_threads=num_threads)
        labels = manifest["models"][ENTRY]["labels"]
        self.columns = np.asarray(labels["columns"], np.int64)
        _n, h, self.width, _c = self.model.input_shape
        if h != HEIGHT:
            raise ModelError(f"{ENTRY} expects height {h}, not {HEIGHT}")

    def char_probs(self, plate: np.ndarray) -> np.ndarray:
        """(time, len(CHARS) + 1) probabilities for a BGR plate crop, blank last.

        The crop is scaled to the recogniser's height whatever its size, so a small plate is
        upscaled (linear) rather than read at its own few pixels.
        """
        if plate is None or plate.ndim != 3 or plate.shape[0] < 2 or plate.shape[1] < 2:
            raise ModelError("the recogniser needs a BGR plate crop")
        w = min(self.width, max(8, int(np.ceil(HEIGHT * plate.shape[1] / plate.shape[0]))))
        x = np.zeros((1, HEIGHT, self.width, 3), np.float32)
        resized = cv2.resize(plate, (w, HEIGHT), interpolation=cv2.INTER_LINEAR)
        x[0, :, :w] = (resized.astype(np.float32) / 255.0 - 0.5) / 0.5
        out = next(iter(self.model.run(x).values()))[0]
        return out[:, self.columns]
