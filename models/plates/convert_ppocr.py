"""Convert PaddleOCR's PP-OCRv4 mobile Chinese text recogniser (ONNX) to LiteRT, once, on a
development machine, and write its manifest entry.

    python3 -m venv /work/venvs/onnx2tf
    /work/venvs/onnx2tf/bin/pip install onnx2tf==1.29.24 tensorflow==2.19.0 tf-keras onnx \
        onnxsim onnxruntime onnx-graphsurgeon sng4onnx psutil ai-edge-litert
    (mkdir -p .cache/pkgs && cd .cache/pkgs && pip download --no-deps rapidocr-onnxruntime==1.4.4)
    /work/venvs/onnx2tf/bin/python models/plates/convert_ppocr.py

The model comes inside the PyPI wheel rapidocr-onnxruntime 1.4.4 (Apache-2.0; the weights
are PaddleOCR's, Apache-2.0). Its input width is dynamic; onnxsim fixes it at 48x320 (the
width PaddleOCR pads text lines to) and onnx2tf rebuilds it as NHWC float32. onnx2tf wants
a sample-image file from the internet for its self-check; a local file of random values
stands in (it only feeds the check, not the weights).

The script then checks the LiteRT model against onnxruntime on the real pictures in
tests/models/plates/scenes: max |difference| 8.9e-05 on the softmax, the same best class
at every time step on all 35 (before committing, the same check on 48 rectified real plate
crops: 6.7e-05, 48/48; one thread, onnxruntime 33 ms, LiteRT 30 ms per crop on the
development machine). Two runs gave the same sha256. So the box needs no second runtime:
onnxruntime is not a dependency.

The recogniser knows 6,623 characters; the manifest keeps, for each character a plate can
carry (models.plates.read.CHARS), its output column, read from the ONNX model's own
dictionary (metadata key "character"; column 0 is the CTC blank).
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from models.manifest import MANIFEST, sha256_of  # noqa: E402
from models.plates.read import CHARS  # noqa: E402

WHEEL = ROOT / ".cache/pkgs/rapidocr_onnxruntime-1.4.4-py3-none-any.whl"
MEMBER = "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx"
OUT = ROOT / "models/plates/ppocrv4_rec_mobile_fp32.tflite"
WIDTH = 320
ENTRY = "plates.ppocr_rec"


def _columns(onnx_model) -> list[int]:
    meta = {p.key: p.value for p in onnx_model.metadata_props}
    table = ["blank"] + meta["character"].split("\n") + [" "]
    index = {c: i for i, c in enumerate(table)}
    return [index[c] for c in CHARS] + [0]


def _compare(onnx_path: Path, tflite_path: Path) -> tuple[float, int, int]:
    import cv2
    import onnxruntime as ort
    from ai_edge_litert.interpreter import Interpreter

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    it = Interpreter(model_path=str(tflite_path), num_threads=1)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    worst, same, n = 0.0, 0, 0
    for f in sorted((ROOT / "tests/models/plates/scenes").glob("*.jpg")):
        image = cv2.imread(str(f))
        h = 48
        w = min(WIDTH, int(np.ceil(h * image.shape[1] / image.shape[0])))
        x = np.zeros((1, 3, h, WIDTH), np.float32)
        x[0, :, :, :w] = ((cv2.resize(image, (w, h)).astype(np.float32) / 255 - 0.5) / 0.5).transpose(2, 0, 1)
        a = sess.run(None, {"x": x})[0][0]
        it.set_tensor(inp["index"], np.ascontiguousarray(x.transpose(0, 2, 3, 1)))
        it.invoke()
        b = it.get_tensor(out["index"])[0]
        worst = max(worst, float(np.abs(a - b).max()))
        same += bool((a.argmax(1) == b.argmax(1)).all())
        n += 1
    return worst, same, n


def main() -> None:
    import onnx
    import onnxsim

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with zipfile.ZipFile(WHEEL) as z:
            (tmp / "rec.onnx").write_bytes(z.read(MEMBER))
        model = onnx.load(str(tmp / "rec.onnx"))
        columns = _columns(model)
        fixed, ok = onnxsim.simplify(model, overwrite_input_shapes={"x": [1, 3, 48, WIDTH]})
        if not ok:
            raise SystemExit("onnxsim could not check the simplified model")
        onnx.save(fixed, str(tmp / "rec_fixed.onnx"))
        np.save(tmp / "calibration_image_sample_data_20x128x128x3_float32.npy",
                np.random.default_rng(0).random((20, 128, 128, 3), dtype=np.float32))
        subprocess.run([str(Path(sys.executable).parent / "onnx2tf"), "-i", "rec_fixed.onnx",
                        "-o", "out", "-n"], cwd=tmp, check=True)
        OUT.write_bytes((tmp / "out/rec_fixed_float32.tflite").read_bytes())
        worst, same, n = _compare(tmp / "rec_fixed.onnx", OUT)
    print(f"LiteRT vs onnxruntime on {n} real plate pictures: max |diff| {worst:.2g}, "
          f"same best class at every step on {same}")
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    manifest["models"][ENTRY] = {
        "source": {
            "registry": "PyPI",
            "package": "rapidocr-onnxruntime",
            "version": "1.4.4",
            "file": WHEEL.name,
            "package_sha256": sha256_of(WHEEL),
            "path_in_package": MEMBER,
            "upstream": "PaddleOCR PP-OCRv4 mobile Chinese text recognition (ch_PP-OCRv4_rec)",
        },
        "license": "Apache-2.0 (PaddleOCR weights; rapidocr-onnxruntime package Apache-2.0)",
        "format": "tflite (LiteRT)",
        "converted_by": "models/plates/convert_ppocr.py: onnxsim 0.4.36 (input fixed at 1x3x48x320), "
                        "onnx2tf 1.29.24 with tensorflow 2.19.0 (dev-time venv), float32",
        "check": f"vs onnxruntime on {n} real plate pictures: max |diff| {worst:.2g}, "
                 f"same best class at every step on {same}/{n}",
        "files": {"file": {"path": f"plates/{OUT.name}", "sha256": sha256_of(OUT)}},
        "input": {"shape": [1, 48, WIDTH, 3], "layout": "NHWC BGR",
                  "scale": "(x/255 - 0.5) / 0.5",
                  "resize": "to height 48 keeping the aspect, padded on the right with 0"},
        "output": {"shape": [1, WIDTH // 8, 6625], "meaning": "softmax per time step, CTC, column 0 blank"},
        "labels": {"chars": CHARS, "columns": columns,
                   "note": "output column of each plate character, in CHARS order, then the blank"},
    }
    MANIFEST.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print("manifest entry", ENTRY, "written")


if __name__ == "__main__":
    main()
