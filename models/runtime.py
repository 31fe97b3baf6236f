"""Thin shim over the LiteRT interpreter (falls back to tflite_runtime).

Models are loaded once by whoever composes the application and passed in; nothing here
keeps global state.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import InferenceError, ModelLoadError

logger = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent
MANIFEST = MODELS_DIR / "manifest.json"


def interpreter_class() -> type:
    """Return the Interpreter class of whichever LiteRT runtime is installed."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError as exc:
            raise ModelLoadError("no LiteRT runtime: install ai-edge-litert (or tflite-runtime)") from exc
    return Interpreter


def read_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot read model manifest {path}: {exc}") from exc


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class TFLiteModel:
    """One loaded model; `run` feeds a single input and returns outputs by name."""

    def __init__(self, path: Path | str, num_threads: int = 1, expected_sha256: str | None = None):
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelLoadError(f"model file not found: {self.path}")
        if expected_sha256 is not None and sha256_of(self.path) != expected_sha256:
            raise ModelLoadError(f"model file {self.path.name} does not match its manifest checksum")
        started = time.perf_counter()
        try:
            self._interpreter = interpreter_class()(model_path=str(self.path), num_threads=num_threads)
            self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"cannot load {self.path.name}: {exc}") from exc
        self.load_seconds = time.perf_counter() - started
        self.num_threads = num_threads
        self._input = self._interpreter.get_input_details()[0]
        self._outputs = {d["name"]: d["index"] for d in self._interpreter.get_output_details()}
        logger.debug("loaded %s in %.3f s with %d thread(s)", self.path.name, self.load_seconds, num_threads)

    @classmethod
    def from_manifest(cls, relative_path: str, num_threads: int = 1,
                      manifest: dict[str, Any] | None = None, models_dir: Path = MODELS_DIR) -> "TFLiteModel":
        entries = manifest if manifest is not None else read_manifest(models_dir / "manifest.json")
        entry = entries.get(relative_path)
        if entry is None:
            raise ModelLoadError(f"{relative_path} is not in the model manifest")
        return cls(models_dir / relative_path, num_threads=num_threads, expected_sha256=entry["sha256"])

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(v) for v in self._input["shape"])

    @property
    def output_names(self) -> list[str]:
        return list(self._outputs)

    def run(self, tensor: np.ndarray) -> dict[str, np.ndarray]:
        try:
            self._interpreter.set_tensor(self._input["index"], tensor.astype(self._input["dtype"], copy=False))
            self._interpreter.invoke()
            return {name: self._interpreter.get_tensor(index) for name, index in self._outputs.items()}
        except (ValueError, RuntimeError) as exc:
            raise InferenceError(f"{self.path.name} failed: {exc}") from exc
