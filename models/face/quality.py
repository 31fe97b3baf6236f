"""Quality gates applied before a frame may count towards a match or an enrollment."""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from models.face.detect import Face
from models.face.pose import head_pose

# Pitch ratio of a frontal face in the alignment template ((81.5-46.9)/(106.9-46.9)).
FRONTAL_PITCH = 0.577


@dataclass(frozen=True)
class QualityLimits:
    min_eye_distance_px: float = 28.0
    min_sharpness: float = 35.0         # variance of the Laplacian of the grey chip
    min_brightness: float = 45.0        # mean grey level of the chip's centre
    max_brightness: float = 215.0
    max_abs_yaw: float = 0.22
    max_pitch_offset: float = 0.18
    max_abs_roll_deg: float = 25.0


@dataclass(frozen=True)
class QualityReport:
    sharpness: float
    brightness: float
    eye_distance_px: float
    yaw: float
    pitch: float
    roll_deg: float
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def sharpness(chip: np.ndarray) -> float:
    grey = cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def brightness(chip: np.ndarray) -> float:
    h, w = chip.shape[:2]
    centre = chip[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
    return float(cv2.cvtColor(centre, cv2.COLOR_RGB2GRAY).mean())


def assess(face: Face, chip: np.ndarray, limits: QualityLimits = QualityLimits()) -> QualityReport:
    """Measure the face; `problems` names each failed gate (too_small, blurry, dark, ...)."""
    pose = head_pose(face.keypoints)
    sharp, bright, eyes = sharpness(chip), brightness(chip), face.eye_distance
    problems = []
    if eyes < limits.min_eye_distance_px:
        problems.append("too_small")
    if sharp < limits.min_sharpness:
        problems.append("blurry")
    if bright < limits.min_brightness:
        problems.append("too_dark")
    if bright > limits.max_brightness:
        problems.append("too_bright")
    if abs(pose.yaw) > limits.max_abs_yaw or abs(pose.pitch - FRONTAL_PITCH) > limits.max_pitch_offset \
            or abs(pose.roll_deg) > limits.max_abs_roll_deg:
        problems.append("not_facing_camera")
    return QualityReport(sharpness=sharp, brightness=bright, eye_distance_px=eyes, yaw=pose.yaw,
                         pitch=pose.pitch, roll_deg=pose.roll_deg, problems=tuple(problems))
