import json
import shutil

import numpy as np
import pytest

from models.errors import ModelLoadError
from models.runtime import MODELS_DIR, TFLiteModel, read_manifest, sha256_of


FACE_ENTRIES = ("face.detector", "face.embedder")


def test_committed_model_files_match_their_manifest():
    manifest = read_manifest()["models"]
    for name in FACE_ENTRIES:
        entry = manifest[name]
        file = entry["files"]["file"]
        assert sha256_of(MODELS_DIR / file["path"]) == file["sha256"]
        assert entry["license"] and entry["source"]["version"] and entry["input"]["shape"]
        assert "AGPL" not in entry["license"]


def test_total_model_size_stays_small():
    manifest = read_manifest()["models"]
    total = sum((MODELS_DIR / manifest[n]["files"]["file"]["path"]).stat().st_size for n in FACE_ENTRIES)
    assert total < 40 * 1024 * 1024


def test_tampered_model_is_refused(tmp_path):
    manifest = read_manifest()
    (tmp_path / "face").mkdir()
    target = tmp_path / "face" / "blazeface_short_range.tflite"
    shutil.copy(MODELS_DIR / "face" / "blazeface_short_range.tflite", target)
    with target.open("r+b") as fh:
        fh.seek(2000)
        fh.write(b"\x00\x01\x02\x03")
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelLoadError, match="checksum"):
        TFLiteModel.from_manifest("face.detector", models_dir=tmp_path)


def test_missing_model_file_is_a_model_error(tmp_path):
    with pytest.raises(ModelLoadError):
        TFLiteModel(tmp_path / "nope.tflite")


def test_model_runs_with_configured_threads():
    model = TFLiteModel(MODELS_DIR / "face" / "blazeface_short_range.tflite", num_threads=2)
    out = model.run(np.zeros((1, 128, 128, 3), np.float32))
    assert out["regressors"].shape == (1, 896, 16)
    assert model.num_threads == 2
