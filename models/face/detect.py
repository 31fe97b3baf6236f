"""BlazeFace (MediaPipe short-range) face detector: letterbox, anchors, decoding and NMS.

The model predicts, for each of 896 SSD anchors, a score and 16 numbers: box centre offset,
box size and six keypoints, all in 128-pixel input units relative to the anchor centre.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from models.runtime import TFLiteModel

MODEL_ENTRY = "face.detector"  # models/manifest.json
MODEL_FILE = "face/blazeface_short_range.tflite"
INPUT_SIZE = 128
# MediaPipe's face_detection_short_range anchor options.
STRIDES = (8, 16, 16, 16)
ANCHORS_PER_CELL_PAIR = 2

# Keypoint order of the model (subject's right eye is on the image's left in a camera frame).
RIGHT_EYE, LEFT_EYE, NOSE_TIP, MOUTH, RIGHT_EAR, LEFT_EAR = range(6)


@dataclass(frozen=True)
class Face:
    """A detected face in frame pixels: box (x1, y1, x2, y2), score, keypoints (6, 2)."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def eye_distance(self) -> float:
        return float(np.linalg.norm(self.keypoints[LEFT_EYE] - self.keypoints[RIGHT_EYE]))


def ssd_anchors(input_size: int = INPUT_SIZE, strides: tuple[int, ...] = STRIDES) -> np.ndarray:
    """Anchor centres (N, 2) in 0..1 units, ordered as the model's outputs."""
    centres = []
    layer = 0
    while layer < len(strides):
        # Consecutive layers with the same stride share one feature map.
        count = 0
        stride = strides[layer]
        while layer < len(strides) and strides[layer] == stride:
            count += ANCHORS_PER_CELL_PAIR
            layer += 1
        cells = int(np.ceil(input_size / stride))
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, count, axis=1).reshape(-1, 2))
    return np.concatenate(centres).astype(np.float32)


def decode(raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray,
           min_score: float, input_size: int = INPUT_SIZE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return boxes (M, 4) as x1,y1,x2,y2, scores (M,), keypoints (M, 6, 2) in 0..1 units."""
    logits = np.clip(raw_scores.reshape(-1).astype(np.float64), -100.0, 100.0)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = scores >= min_score
    raw = raw_boxes.reshape(-1, 16)[keep] / input_size
    anc = anchors[keep]
    cx = raw[:, 0] + anc[:, 0]
    cy = raw[:, 1] + anc[:, 1]
    half_w, half_h = raw[:, 2] / 2, raw[:, 3] / 2
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    keypoints = raw[:, 4:].reshape(-1, 6, 2) + anc[:, None, :]
    return boxes, scores[keep], keypoints


def iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x1 = np.maximum(box[0], others[:, 0])
    y1 = np.maximum(box[1], others[:, 1])
    x2 = np.minimum(box[2], others[:, 2])
    y2 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, keypoints: np.ndarray,
                 iou_threshold: float) -> list[tuple[np.ndarray, float, np.ndarray]]:
    """MediaPipe-style NMS: overlapping candidates are averaged, weighted by score.

    Averaging steadies boxes and keypoints from frame to frame, which the liveness check
    relies on.
    """
    order = np.argsort(-scores)
    boxes, scores, keypoints = boxes[order], scores[order], keypoints[order]
    remaining = np.ones(len(scores), dtype=bool)
    results = []
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        overlap = remaining & (iou(boxes[i], boxes) >= iou_threshold)
        weights = scores[overlap]
        total = weights.sum()
        box = (boxes[overlap] * weights[:, None]).sum(0) / total
        kps = (keypoints[overlap] * weights[:, None, None]).sum(0) / total
        results.append((box, float(scores[i]), kps))
        remaining &= ~overlap
    return results


def letterbox(image: np.ndarray, size: int = INPUT_SIZE) -> tuple[np.ndarray, float, float, float]:
    """Resize keeping aspect ratio into a size x size square; return it, scale and padding."""
    h, w = image.shape[:2]
    scale = size / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
    pad_x, pad_y = (size - nw) / 2, (size - nh) / 2
    canvas = np.zeros((size, size, 3), dtype=np.uint8)
    top, left = int(pad_y), int(pad_x)
    canvas[top:top + nh, left:left + nw] = resized
    return canvas, scale, float(left), float(top)


class FaceDetector:
    """Find faces in an RGB uint8 frame; faces come back largest first."""

    def __init__(self, model: TFLiteModel, min_score: float = 0.6, iou_threshold: float = 0.3):
        self.model = model
        self.min_score = min_score
        self.iou_threshold = iou_threshold
        self.anchors = ssd_anchors()

    def detect(self, image: np.ndarray) -> list[Face]:
        canvas, scale, left, top = letterbox(image)
        tensor = (canvas.astype(np.float32) / 127.5 - 1.0)[None]
        out = self.model.run(tensor)
        boxes, scores, kps = decode(out["regressors"], out["classificators"], self.anchors, self.min_score)
        faces = []
        h, w = image.shape[:2]
        for box, score, keypoints in weighted_nms(boxes, scores, kps, self.iou_threshold):
            px = box * INPUT_SIZE
            x1, x2 = (px[[0, 2]] - left) / scale
            y1, y2 = (px[[1, 3]] - top) / scale
            points = (keypoints * INPUT_SIZE - np.array([left, top])) / scale
            box_px = (max(0.0, x1), max(0.0, y1), min(float(w), x2), min(float(h), y2))
            faces.append(Face(box=tuple(float(v) for v in box_px), score=score,
                              keypoints=points.astype(np.float32)))
        faces.sort(key=lambda f: f.width * f.height, reverse=True)
        return faces
