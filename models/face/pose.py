"""Head pose cues from the detector's keypoints.

Both cues are ratios of distances measured in the face's own frame (after undoing the
in-plane roll), so moving, scaling, rolling or tilting a flat photo leaves them almost
unchanged, while a real head turning or nodding changes them: the nose sticks out of the
plane of the eyes and mouth.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.face.detect import LEFT_EYE, MOUTH, NOSE_TIP, RIGHT_EYE


@dataclass(frozen=True)
class Pose:
    yaw: float    # nose offset from the eye midpoint / eye distance; > 0 nose to the image's right
    pitch: float  # nose drop below the eye line / mouth drop below it; larger = chin down
    roll_deg: float


def head_pose(keypoints: np.ndarray) -> Pose:
    kp = np.asarray(keypoints, dtype=np.float64)
    right_eye, left_eye = kp[RIGHT_EYE], kp[LEFT_EYE]
    axis = left_eye - right_eye
    eye_distance = float(np.linalg.norm(axis))
    if eye_distance < 1e-6:
        return Pose(0.0, 0.0, 0.0)
    ux = axis / eye_distance
    uy = np.array([-ux[1], ux[0]])
    mid = (right_eye + left_eye) / 2
    nose = kp[NOSE_TIP] - mid
    mouth = kp[MOUTH] - mid
    mouth_drop = float(mouth @ uy)
    yaw = float(nose @ ux) / eye_distance
    pitch = float(nose @ uy) / mouth_drop if abs(mouth_drop) > 1e-6 else 0.0
    return Pose(yaw=yaw, pitch=pitch, roll_deg=float(np.degrees(np.arctan2(ux[1], ux[0]))))
