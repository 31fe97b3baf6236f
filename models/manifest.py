"""Model files are checked against models/manifest.json before they are loaded."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from models.errors import ModelFileError

MODELS_DIR = Path(__file__).resolve().parent
MANIFEST = MODELS_DIR / "manifest.json"


def load_manifest(path: Path = MANIFEST) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"cannot read model manifest {path}: {exc}") from exc


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_path(entry: str, file_key: str = "file", manifest: dict | None = None,
               verify: bool = True) -> Path:
    """Path of a manifest entry's file, relative to models/, checked by sha256."""
    manifest = manifest if manifest is not None else load_manifest()
    try:
        item = manifest["models"][entry]
        rel = item["files"][file_key]
    except KeyError as exc:
        raise ModelFileError(f"model {entry!r} has no {file_key!r} in the manifest") from exc
    path = MODELS_DIR / rel["path"]
    if not path.is_file():
        raise ModelFileError(f"model file missing: {path}")
    if verify and sha256_of(path) != rel["sha256"]:
        raise ModelFileError(f"model file {path} does not match its manifest sha256")
    return path
