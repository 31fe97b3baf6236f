"""Thin shim over the LiteRT interpreter (falls back to tflite_runtime).

Models are loaded once by whoever composes the application and passed in; nothing here
keeps global state.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import InferenceError, ModelFileError, ModelLoadError
from models.manifest import MANIFEST, MODELS_DIR, load_manifest, model_path, sha256_of

logger = logging.getLogger(__name__)

__all__ = ["MANIFEST", "MODELS_DIR", "TFLiteModel", "interpreter_class", "read_manifest", "sha256_of"]


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
    return load_manifest(path)


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
    def from_manifest(cls, entry: str, num_threads: int = 1, manifest: dict[str, Any] | None = None,
                      models_dir: Path = MODELS_DIR) -> "TFLiteModel":
        """Load a manifest entry's file after checking its sha256 (e.g. "face.detector")."""
        manifest = manifest if manifest is not None else read_manifest(models_dir / "manifest.json")
        try:
            item = manifest["models"][entry]["files"]["file"]
        except KeyError as exc:
            raise ModelLoadError(f"model {entry!r} is not in the manifest") from exc
        if models_dir == MODELS_DIR:
            try:
                path = model_path(entry, "file", manifest)
            except ModelFileError as exc:
                raise ModelLoadError(str(exc)) from exc
            return cls(path, num_threads=num_threads)
        return cls(models_dir / item["path"], num_threads=num_threads, expected_sha256=item["sha256"])

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
