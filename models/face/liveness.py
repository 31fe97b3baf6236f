"""Active liveness: the person must turn or nod as asked, judged from keypoints over frames.

The pose cues (see pose.py) are ratios that a flat picture keeps when it is moved, scaled,
rolled or tilted in front of the camera, so a printed photo or a phone screen with a still
face never shows the required change. The check wants a steady frontal start, a movement
in the asked direction, and a return towards the start, with no jumps between frames
(swapping two photos is a jump) and no face lost on the way.
"""
from __future__ import annotations

import enum
import random
from dataclasses import dataclass

import numpy as np

from models.face.detect import Face
from models.face.pose import head_pose

WAITING, PASSED, FAILED = "waiting", "passed", "failed"


class Challenge(enum.Enum):
    TURN_LEFT = "turn_left"    # the person's own left
    TURN_RIGHT = "turn_right"
    NOD = "nod"


def pick_challenge(rng: random.Random) -> Challenge:
    return rng.choice(list(Challenge))


@dataclass(frozen=True)
class LivenessLimits:
    baseline_frames: int = 3
    max_baseline_yaw: float = 0.2     # start roughly facing the camera
    max_baseline_spread: float = 0.06  # and hold still while the baseline is taken
    turn: float = 0.24                # yaw change needed for a turn (about 30 degrees)
    nod: float = 0.14                 # pitch change needed for a nod (about 20 degrees)
    wrong_way: float = 0.2            # a movement this large the other way fails
    max_step: float = 0.14            # per-frame cue change larger than this is a jump
    max_frames: int = 90              # about 9 s at 10 frames/s


@dataclass(frozen=True)
class LivenessState:
    status: str            # WAITING, PASSED or FAILED
    reason: str | None = None
    progress: float = 0.0  # 0..1, for on-screen guidance


class LivenessCheck:
    """Feed one detection (or None) per frame until the status is PASSED or FAILED."""

    def __init__(self, challenge: Challenge, mirrored: bool = False, limits: LivenessLimits = LivenessLimits()):
        self.challenge = challenge
        self.limits = limits
        # In a camera frame the person's left is the image's right; a mirrored frame flips it.
        self._yaw_sign = -1.0 if mirrored else 1.0
        self._baseline: list[tuple[float, float]] = []
        self._previous: tuple[float, float] | None = None
        self._peak = 0.0
        self._frames = 0
        self.state = LivenessState(WAITING)

    def _cue(self, face: Face) -> tuple[float, float]:
        pose = head_pose(face.keypoints)
        return self._yaw_sign * pose.yaw, pose.pitch

    def _fail(self, reason: str) -> LivenessState:
        self.state = LivenessState(FAILED, reason)
        return self.state

    def feed(self, face: Face | None) -> LivenessState:
        if self.state.status != WAITING:
            return self.state
        self._frames += 1
        if self._frames > self.limits.max_frames:
            return self._fail("timeout")
        if face is None:
            if self._baseline:
                # Losing the face mid-challenge is how a photo swap looks; start over.
                self._baseline.clear()
                self._previous = None
                self._peak = 0.0
            return self.state
        yaw, pitch = self._cue(face)
        if self._previous is not None and max(abs(yaw - self._previous[0]), abs(pitch - self._previous[1])) > self.limits.max_step:
            return self._fail("jump")
        self._previous = (yaw, pitch)
        if len(self._baseline) < self.limits.baseline_frames:
            self._baseline.append((yaw, pitch))
            if len(self._baseline) == self.limits.baseline_frames:
                spread = np.ptp(np.array(self._baseline), axis=0).max()
                if abs(np.median([b[0] for b in self._baseline])) > self.limits.max_baseline_yaw \
                        or spread > self.limits.max_baseline_spread:
                    # Not settled yet: slide the baseline window instead of failing.
                    self._baseline.pop(0)
            return self.state
        base_yaw = float(np.median([b[0] for b in self._baseline]))
        base_pitch = float(np.median([b[1] for b in self._baseline]))
        if self.challenge is Challenge.NOD:
            moved, needed, other = pitch - base_pitch, self.limits.nod, abs(yaw - base_yaw)
        else:
            direction = 1.0 if self.challenge is Challenge.TURN_LEFT else -1.0
            moved, needed, other = direction * (yaw - base_yaw), self.limits.turn, 0.0
        if -moved > self.limits.wrong_way or other > self.limits.wrong_way:
            return self._fail("wrong_movement")
        self._peak = max(self._peak, moved)
        if self._peak >= needed and moved <= self._peak / 2:
            self.state = LivenessState(PASSED, progress=1.0)
            return self.state
        progress = min(self._peak / needed, 1.0) * 0.8
        self.state = LivenessState(WAITING, progress=round(progress, 2))
        return self.state
