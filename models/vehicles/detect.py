"""Vehicle detection with NanoDet (COCO, 416x416) on LiteRT.

The interpreter is passed in (or made by `load_interpreter`), so tests and the runtime choose
the model file and the thread count. Only car, motorcycle, bus and truck are reported.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from models.errors import ModelError

logger = logging.getLogger(__name__)

INPUT_SIZE = 416
STRIDES = (8, 16, 32)
REG_MAX = 10  # each box side is a distribution over 0..10 strides
# COCO class index -> label kept for the fire lane.
VEHICLE_CLASSES = {2: "car", 3: "motorcycle", 5: "bus", 7: "truck"}
# NanoDet was trained on BGR input normalised with these (mmdet defaults).
MEAN = np.array([103.53, 116.28, 123.675], np.float32)
STD = np.array([57.375, 57.12, 58.395], np.float32)
_SCALE, _SHIFT = 1.0 / STD, -MEAN / STD  # (x - mean) / std as x * scale + shift


@dataclass(frozen=True)
class Detection:
    label: str
    score: float
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in image pixels


def load_interpreter(path, num_threads: int = 1, xnnpack: bool = True):
    """A LiteRT interpreter for a NanoDet .tflite file (checked against the manifest by caller).

    xnnpack=False uses LiteRT's built-in kernels only (for comparisons in bench/).
    """
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelError("ai-edge-litert is not installed") from exc
    resolver = OpResolverType.AUTO if xnnpack else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    try:
        interpreter = Interpreter(model_path=str(path), num_threads=num_threads,
                                  experimental_op_resolver_type=resolver)
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise ModelError(f"cannot load {path}: {exc}") from exc
    return interpreter


def _centres(stride: int) -> np.ndarray:
    n = INPUT_SIZE // stride
    ys, xs = np.mgrid[0:n, 0:n]
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32) * stride


def _nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    order = scores.argsort()[::-1]
    keep = []
    while order.size:
        i = order[0]
        keep.append(int(i))
        xx1 = np.maximum(boxes[i, 0], boxes[order[1:], 0])
        yy1 = np.maximum(boxes[i, 1], boxes[order[1:], 1])
        xx2 = np.minimum(boxes[i, 2], boxes[order[1:], 2])
        yy2 = np.minimum(boxes[i, 3], boxes[order[1:], 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        union = area[i] + area[order[1:]] - inter
        order = order[1:][inter / np.maximum(union, 1e-6) <= iou]
    return keep


class VehicleDetector:
    def __init__(self, interpreter, min_score: float = 0.35, nms_iou: float = 0.5):
        self.interpreter = interpreter
        self.min_score = min_score
        self.nms_iou = nms_iou
        details = interpreter.get_input_details()[0]
        if tuple(details["shape"]) != (1, 3, INPUT_SIZE, INPUT_SIZE):
            raise ModelError(f"unexpected NanoDet input {details['shape']}")
        self._input = details["index"]
        outs = {tuple(d["shape"][1:]): d["index"] for d in interpreter.get_output_details()}
        self._outputs = []
        for stride in STRIDES:
            n = (INPUT_SIZE // stride) ** 2
            try:
                self._outputs.append((stride, outs[(n, 80)], outs[(n, 4 * (REG_MAX + 1))]))
            except KeyError as exc:
                raise ModelError("NanoDet outputs are not the expected shapes") from exc
        self._centres = {s: _centres(s) for s in STRIDES}
        self._classes = np.array(sorted(VEHICLE_CLASSES))

    def raw(self, image: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(stride, class scores, box distributions) per level, for checks against references."""
        if image is None or image.ndim != 3 or image.shape[2] != 3:
            raise ModelError("detect expects a BGR image")
        # Resize in uint8, then normalise each colour plane straight into the NCHW input:
        # 0.5 ms per frame here against 4 ms for float resize + normalise + transpose, which
        # fp32 and int8 pay alike (bench/bench_detector.py measures both with it).
        resized = cv2.resize(image, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_LINEAR)
        try:
            self._fill_input(resized)
            self.interpreter.invoke()
            return [(s, self.interpreter.get_tensor(ci)[0], self.interpreter.get_tensor(bi)[0])
                    for s, ci, bi in self._outputs]
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"NanoDet inference failed: {exc}") from exc

    def _fill_input(self, resized: np.ndarray) -> None:
        # Written straight into the interpreter's input buffer; the view is dropped before
        # invoke(), as LiteRT requires.
        blob = self.interpreter.tensor(self._input)()[0]
        for c, plane in enumerate(cv2.split(resized)):
            np.multiply(plane, _SCALE[c], out=blob[c], casting="unsafe")
            blob[c] += _SHIFT[c]
        del blob

    def detect(self, image: np.ndarray) -> list[Detection]:
        h, w = image.shape[:2]
        boxes, scores, labels = [], [], []
        for stride, cls, reg in self.raw(image):
            vehicle = cls[:, self._classes]
            best = vehicle.argmax(axis=1)
            score = vehicle[np.arange(len(best)), best]
            keep = score >= self.min_score
            if not keep.any():
                continue
            dist = reg[keep].reshape(-1, 4, REG_MAX + 1)
            dist = np.exp(dist - dist.max(axis=2, keepdims=True))
            dist /= dist.sum(axis=2, keepdims=True)
            ltrb = (dist * np.arange(REG_MAX + 1, dtype=np.float32)).sum(axis=2) * stride
            c = self._centres[stride][keep]
            boxes.append(np.concatenate([c - ltrb[:, :2], c + ltrb[:, 2:]], axis=1))
            scores.append(score[keep])
            labels.append(self._classes[best[keep]])
        if not boxes:
            return []
        boxes = np.concatenate(boxes) * np.array([w, h, w, h], np.float32) / INPUT_SIZE
        scores, labels = np.concatenate(scores), np.concatenate(labels)
        boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w - 1)
        boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h - 1)
        # Class-agnostic NMS: a car that also scores as truck is one vehicle.
        keep = _nms(boxes, scores, self.nms_iou)
        return [Detection(VEHICLE_CLASSES[int(labels[i])], float(scores[i]),
                          tuple(int(round(v)) for v in boxes[i])) for i in keep]


def detect(image: np.ndarray, detector: VehicleDetector) -> list[Detection]:
    """Vehicles in a BGR image, best first."""
    return detector.detect(image)
