"""Convert the dlib ResNet face embedder (as ported by @vladmandic/face-api) to LiteRT.

Dev-time only: run with a TensorFlow venv that lives outside the repository, e.g.

    /work/venvs/tf/bin/python models/face/convert_embedder.py

The npm package is fetched with ``npm pack`` into ``.cache/`` when missing. The network
is rebuilt from the package's weight manifest (no tensorflowjs needed), normalisation is
baked in so the model takes RGB 0..255, and weights are quantised to int8 with LiteRT's
dynamic-range quantisation. The manifest entry in ``models/manifest.json`` is rewritten.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import tarfile
from pathlib import Path

import numpy as np

PACKAGE = "@vladmandic/face-api"
VERSION = "1.7.15"
ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "pkgs"
OUT_NAME = "face_embedder_dlib_resnet_int8.tflite"
# dlib's input_rgb_image: (pixel - mean) / 256, channel means of its training set.
MEAN_RGB = (122.782, 117.001, 104.298)
INPUT_SIZE = 150


def fetch_package() -> Path:
    tgz = CACHE / f"vladmandic-face-api-{VERSION}.tgz"
    if not tgz.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}"], cwd=CACHE, check=True)
    dest = CACHE / "faceapi"
    if not (dest / "package" / "model").exists():
        with tarfile.open(tgz) as tar:
            tar.extractall(dest, filter="data")
    return dest / "package" / "model"


def load_weights(model_dir: Path) -> dict[str, np.ndarray]:
    manifest = json.loads((model_dir / "face_recognition_model-weights_manifest.json").read_text())
    weights: dict[str, np.ndarray] = {}
    for group in manifest:
        blob = b"".join((model_dir / p).read_bytes() for p in group["paths"])
        pos = 0
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"]))
            quant = spec.get("quantization")
            if quant:
                raw = np.frombuffer(blob, np.uint8, count, pos)
                pos += count
                values = raw.astype(np.float32) * quant["scale"] + quant["min"]
            else:
                values = np.frombuffer(blob, np.float32, count, pos).copy()
                pos += 4 * count
            weights[spec["name"]] = values.reshape(spec["shape"]).astype(np.float32)
        if pos != len(blob):
            raise SystemExit(f"weight blob size mismatch: read {pos} of {len(blob)} bytes")
    return weights


def build(weights: dict[str, np.ndarray]):
    import tensorflow as tf

    w = {k: tf.constant(v) for k, v in weights.items()}

    def conv(x, name, stride, relu, padding="SAME"):
        y = tf.nn.conv2d(x, w[f"{name}/conv/filters"], stride, padding)
        y = y + w[f"{name}/conv/bias"]
        y = y * w[f"{name}/scale/weights"] + w[f"{name}/scale/biases"]
        return tf.nn.relu(y) if relu else y

    def residual(x, name):
        y = conv(x, f"{name}/conv1", 1, True)
        y = conv(y, f"{name}/conv2", 1, False)
        return tf.nn.relu(y + x)

    def residual_down(x, name):
        y = conv(x, f"{name}/conv1", 2, True, "VALID")
        y = conv(y, f"{name}/conv2", 1, False)
        pooled = tf.nn.avg_pool2d(x, 2, 2, "VALID")
        # dlib adds tensors of different sizes over their overlap: pad the short one with zeros.
        dh = pooled.shape[1] - y.shape[1]
        if dh:
            y = tf.pad(y, [[0, 0], [0, dh], [0, dh], [0, 0]])
        dc = y.shape[3] - pooled.shape[3]
        if dc:
            pooled = tf.pad(pooled, [[0, 0], [0, 0], [0, 0], [0, dc]])
        return tf.nn.relu(pooled + y)

    class Embedder(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, INPUT_SIZE, INPUT_SIZE, 3], tf.float32, name="rgb")])
        def __call__(self, rgb):
            x = (rgb - tf.constant(MEAN_RGB, tf.float32)) / 256.0
            x = conv(x, "conv32_down", 2, True, "VALID")
            x = tf.nn.max_pool2d(x, 3, 2, "VALID")
            for n in ("conv32_1", "conv32_2", "conv32_3"):
                x = residual(x, n)
            x = residual_down(x, "conv64_down")
            for n in ("conv64_1", "conv64_2", "conv64_3"):
                x = residual(x, n)
            x = residual_down(x, "conv128_down")
            for n in ("conv128_1", "conv128_2"):
                x = residual(x, n)
            x = residual_down(x, "conv256_down")
            for n in ("conv256_1", "conv256_2"):
                x = residual(x, n)
            x = residual_down(x, "conv256_down_out")
            x = tf.reduce_mean(x, axis=[1, 2])
            return {"embedding": tf.matmul(x, w["fc"])}

    return Embedder()


def convert(module, quantize: bool) -> bytes:
    import tensorflow as tf

    fn = module.__call__.get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn], module)
    if quantize:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    return converter.convert()


def tensor_names(data: bytes) -> tuple[str, str]:
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_content=data)
    return interpreter.get_input_details()[0]["name"], interpreter.get_output_details()[0]["name"]


def update_manifest(path: Path, data: bytes) -> None:
    input_name, output_name = tensor_names(data)
    manifest_path = ROOT / "models" / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"models": {}}
    manifest["models"]["face.embedder"] = {
        "source": {"registry": "npm", "package": PACKAGE, "version": VERSION,
                   "path_in_package": "model/face_recognition_model.bin + model/face_recognition_model-weights_manifest.json",
                   "file": f"vladmandic-face-api-{VERSION}.tgz",
                   "upstream": "dlib_face_recognition_resnet_model_v1 (dlib, public domain weights)"},
        "license": "MIT (port, @vladmandic/face-api); weights from dlib, public domain (CC0)",
        "format": "tflite (LiteRT)",
        "task": "face embedding (128-d, compare with cosine similarity)",
        "architecture": "dlib_face_recognition_resnet_model_v1 (ResNet-29 metric net)",
        "converted_by": "models/face/convert_embedder.py with tensorflow-cpu 2.16.2 (dev-time venv)",
        "quantization": "dynamic range: int8 weights, float activations",
        "files": {"file": {"path": str(path.relative_to(ROOT / "models")),
                           "sha256": hashlib.sha256(data).hexdigest()}},
        "input": {"name": input_name, "shape": [1, INPUT_SIZE, INPUT_SIZE, 3], "dtype": "float32",
                  "range": "0..255 RGB", "layout": "NHWC",
                  "alignment": "dlib 5-point face chip, size 150, padding 0.25"},
        "output": {"name": output_name, "shape": [1, 128], "dtype": "float32"},
        "labels": None,
    }
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--float", action="store_true", help="also write an unquantised copy to .cache/")
    args = parser.parse_args()
    weights = load_weights(fetch_package())
    module = build(weights)
    data = convert(module, quantize=True)
    out = ROOT / "models" / "face" / OUT_NAME
    out.write_bytes(data)
    update_manifest(out, data)
    print(f"wrote {out} ({len(data)} bytes)")
    if args.float:
        flt = CACHE.parent / "face_embedder_float.tflite"
        flt.write_bytes(convert(module, quantize=False))
        print(f"wrote {flt}")


if __name__ == "__main__":
    main()
