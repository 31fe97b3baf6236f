"""Similarity-transform alignment of a detected face into the embedder's 150x150 chip.

The embedder was trained on dlib's 5-point face chips (size 150, padding 0.25). BlazeFace
gives different points (eye centres, nose tip, mouth centre), so TEMPLATE holds where those
points land in dlib's chip on average; `calibrate_template.py` measured it on real faces
with dlib's own aligner.
"""
from __future__ import annotations

import cv2
import numpy as np

from models.face.detect import LEFT_EYE, MOUTH, NOSE_TIP, RIGHT_EYE

CHIP_SIZE = 150
TEMPLATE_POINTS = (RIGHT_EYE, LEFT_EYE, NOSE_TIP, MOUTH)
# Chip-pixel positions of TEMPLATE_POINTS: medians from calibrate_template.py on 24 real
# faces, made left/right symmetric about dlib's own midline (x = 74.0) because the sample
# faces lean to one side more than the other and a mirrored face is still a face.
TEMPLATE = np.array([
    [47.3, 46.9],
    [100.7, 46.9],
    [74.0, 81.5],
    [74.0, 106.9],
], dtype=np.float64)


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares rotation + uniform scale + translation mapping src onto dst (2x3).

    Umeyama's method without reflection.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    var_s = (s ** 2).sum() / len(src)
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    rot = u @ sign @ vt
    scale = np.trace(np.diag(sig) @ sign) / var_s
    matrix = np.empty((2, 3))
    matrix[:, :2] = scale * rot
    matrix[:, 2] = mu_d - scale * rot @ mu_s
    return matrix


def align(image: np.ndarray, keypoints: np.ndarray, size: int = CHIP_SIZE,
          template: np.ndarray = TEMPLATE) -> np.ndarray:
    """Warp the face with these detector keypoints into a size x size RGB chip."""
    src = np.asarray(keypoints, dtype=np.float64)[list(TEMPLATE_POINTS)]
    matrix = similarity_transform(src, template * (size / CHIP_SIZE))
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
