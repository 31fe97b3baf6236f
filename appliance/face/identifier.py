"""Who is at the gate: frames in, a resident id or a refusal reason out.

The gate's access decision calls :meth:`FaceIdentifier.begin` when a face-only entry
starts, shows the attempt's prompt, and feeds camera frames until the attempt is decided.
A refusal never blocks the other ways in (PIN, QR, card, remote open).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from appliance.i18n import N_

logger = logging.getLogger(__name__)

WAITING, ACCEPTED, REFUSED = "waiting", "accepted", "refused"
SAME = "same"
SWAP_MARGIN = 0.05  # below reject - this, a face is taken as someone else during the movement

PROMPTS = {
    None: N_("Please look at the camera."),
    "turn_left": N_("Please turn your head slowly to your left, then back."),
    "turn_right": N_("Please turn your head slowly to your right, then back."),
    "nod": N_("Please nod slowly, then look back at the camera."),
}
REASONS = {
    "no_face": N_("No face was seen. Please use your PIN, QR pass or card."),
    "not_enrolled": N_("Face entry has no enrolled residents yet. Please use your PIN, QR pass or card."),
    "no_match": N_("Face not recognised. Please use your PIN, QR pass or card."),
    "unknown": N_("Face not recognised with certainty. Please use your PIN, QR pass or card."),
    "conflict": N_("Face not recognised with certainty. Please use your PIN, QR pass or card."),
    "liveness": N_("The movement check was not passed. Please use your PIN, QR pass or card."),
    "timeout": N_("Face entry timed out. Please use your PIN, QR pass or card."),
}


@dataclass(frozen=True)
class AttemptState:
    status: str                    # WAITING, ACCEPTED or REFUSED
    resident_id: int | None = None
    reason: str | None = None      # a key of REASONS when refused
    prompt: str = PROMPTS[None]    # msgid to show now
    similarity: float | None = None
    # For the adaptive gallery update only (never logged): the best matching frame of the
    # accepted resident, how far it beat the next resident, and whether liveness passed.
    embedding: np.ndarray | None = None
    margin: float = 0.0
    live: bool = False


class FaceAttempt:
    """One person in front of the camera: quality-gated frames vote, liveness must pass."""

    def __init__(self, pipeline, gallery, thresholds, vote, liveness, max_frames: int):
        self.pipeline = pipeline
        self.gallery = gallery
        self.thresholds = thresholds
        self.vote = vote
        self.liveness = liveness
        self.max_frames = max_frames
        self.frames = 0
        self._faces_seen = 0
        self._identity = None
        self._similarity = None
        self._best: tuple = (None, -2.0, 0.0)  # (embedding, similarity, margin, identity) of the best frame
        challenge = liveness.challenge.value if liveness is not None else None
        self.state = AttemptState(WAITING, prompt=PROMPTS[challenge])

    @property
    def challenge(self) -> str | None:
        return self.liveness.challenge.value if self.liveness is not None else None

    def _refuse(self, reason: str) -> AttemptState:
        self.state = AttemptState(REFUSED, reason=reason, prompt=REASONS[reason], similarity=self._similarity)
        logger.info("face entry refused: %s after %d frame(s)", reason, self.frames)
        return self.state

    def feed(self, frame) -> AttemptState:
        """One camera frame: an RGB array, or a hardware camera frame (BGR ``image``)."""
        from models.face.liveness import FAILED, PASSED
        from models.face.match import FrameVote

        if self.state.status != WAITING:
            return self.state
        image = getattr(frame, "image", None)
        if image is not None:
            import cv2

            frame = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        self.frames += 1
        if len(self.gallery) == 0:
            return self._refuse("not_enrolled")
        observation = self.pipeline.observe(frame)
        if observation is not None:
            self._faces_seen += 1
        if self.liveness is not None:
            live = self.liveness.feed(observation.face if observation is not None else None)
            if live.status == FAILED:
                return self._refuse("liveness")
        if observation is None and self._identity is not None:
            # The face left the picture: whoever comes back must be recognised again, so a
            # resident cannot be swapped for someone else while the movement is awaited.
            self._identity = None
            self.vote = FrameVote(self.vote.k, self.vote.n)
        if observation is not None and observation.embedding is not None:
            result = self.gallery.match(observation.embedding, self.thresholds)
            self._similarity = result.similarity
            if result.decision == SAME and result.similarity > self._best[1]:
                per_identity = self.gallery.best_per_identity(observation.embedding)
                others = [v for k, v in per_identity.items() if k != result.identity]
                margin = result.similarity - max(others) if others else 1.0
                self._best = (observation.embedding, result.similarity, margin, result.identity)
            # After recognition the face keeps being checked while the head moves: another
            # resident, or a clearly different face, ends the attempt. Turned frames that only
            # fall into the unknown band are tolerated; the movement lowers similarity.
            if self._identity is not None and (
                    (result.decision == SAME and result.identity != self._identity)
                    or result.similarity < self.thresholds.reject - SWAP_MARGIN):
                return self._refuse("conflict")
            if self._identity is None:
                vote = self.vote.add(result)
                if vote.done and vote.identity is None:
                    return self._refuse(vote.reason)
                if vote.done:
                    self._identity = vote.identity
        live_ok = self.liveness is None or self.liveness.state.status == PASSED
        if self._identity is not None and live_ok:
            embedding, best, margin = None, self._similarity, 0.0
            if len(self._best) == 4 and self._best[3] == self._identity:
                embedding, best, margin = self._best[:3]
            self.state = AttemptState(ACCEPTED, resident_id=self._identity, prompt=N_("Welcome home"),
                                      similarity=best, embedding=embedding, margin=margin,
                                      live=self.liveness is not None)
            logger.info("face entry accepted after %d frame(s)", self.frames)
            return self.state
        if self.frames >= self.max_frames:
            return self._refuse("timeout" if self._faces_seen else "no_face")
        return self.state


class FaceIdentifier:
    def __init__(self, face_service, settings, rng: random.Random | None = None, max_frames: int = 120):
        self.face = face_service
        self.settings = settings
        self.rng = rng or random.SystemRandom()
        self.max_frames = max_frames

    def begin(self, liveness: bool | None = None) -> FaceAttempt:
        from models.face.liveness import LivenessCheck, pick_challenge
        from models.face.match import FrameVote

        use_liveness = self.settings.liveness if liveness is None else liveness
        check = (LivenessCheck(pick_challenge(self.rng), mirrored=self.settings.mirrored_camera)
                 if use_liveness else None)
        vote = FrameVote(k=min(self.settings.vote_k, self.settings.vote_n), n=self.settings.vote_n)
        return FaceAttempt(self.face.pipeline, self.face.gallery(), self.face.thresholds(), vote, check,
                           self.max_frames)

    def identify(self, frames: Iterable[np.ndarray], liveness: bool | None = None) -> AttemptState:
        """Feed frames until decided; frames running out before a decision is a refusal."""
        attempt = self.begin(liveness)
        for frame in frames:
            state = attempt.feed(frame)
            if state.status != WAITING:
                return state
        if attempt.state.status == WAITING:
            return attempt._refuse("timeout" if attempt._faces_seen else "no_face")
        return attempt.state
