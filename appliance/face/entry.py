"""Face entry at the gate: one more access method in the same decision path as a PIN.

The face identifier (appliance/face/identifier.py) says who stands at the camera,
or why it will not say; the access service then checks that resident's validity (move-in,
move-out, schedule) as for a PIN, logs the attempt with its outbox entry, and pulses the
relay. Nothing about the face (frames, embeddings, similarity) reaches the log or outbox:
the row holds the method, the reason code and the resident's pseudonym, like any other.

A kiosk runs one attempt at a time: :meth:`FaceEntry.start` shows the movement to make,
then camera frames are fed in small batches until the attempt is decided. Face entry is
never required: a refusal always points to PIN, QR pass or card.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from peewee import DatabaseError

from appliance.access.service import AccessService, Decision
from appliance.db.models import Resident
from appliance.face.identifier import ACCEPTED, REFUSED, WAITING
from appliance.i18n import gettext as _
from models.errors import ModelError

logger = logging.getLogger(__name__)

METHOD = "face"
IDLE_S = 15.0      # an attempt nobody fed for this long is dropped (the person walked off)
LONGEST_S = 25.0   # an attempt still undecided after this long is refused (e.g. the camera went quiet)


@dataclass(frozen=True)
class FaceProgress:
    """An attempt still waiting: what to show and say now."""

    prompt: str               # msgid
    challenge: str | None     # turn_left, turn_right, nod; None without liveness
    frames: int
    progress: float = 0.0     # 0..1 of the asked movement, for the on-screen bar


@dataclass
class _Running:
    attempt: object
    started: float
    fed: float


class FaceEntry:
    def __init__(self, access: AccessService, face, identifier, settings,
                 clock: Callable[[], float] = time.monotonic):
        self.access = access
        self.face = face
        self.identifier = identifier
        self.settings = settings
        self.clock = clock
        self._running: dict[str, _Running] = {}
        # The models' interpreters are not thread-safe: attempts and enrollment take turns.
        self._lock = getattr(face, "inference_lock", None) or threading.RLock()

    @property
    def available(self) -> bool:
        # Safe mode keeps vision off; PIN, QR, card and remote open still work (or say why not).
        return bool(self.settings.enabled) and not self.access.safe_mode

    def health(self, camera) -> tuple[bool, str]:
        if not self.settings.enabled:
            return True, _("Switched off in the settings; the kiosk offers PIN, QR and card."), "face.enabled = false"
        if self.access.safe_mode:
            return True, _("Off while the settings file has errors (safe mode)."), "safe_mode"
        if camera is None:
            return True, _("No camera at the kiosk: residents use PIN, QR code or card."), "kiosk camera: none"
        return True, (_("On, with the liveness check") if self.settings.liveness
                      else _("On, without the liveness check"))

    def start(self, kiosk: str, liveness: bool | None = None) -> FaceProgress:
        """Begin an attempt at this kiosk (any unfinished one there is dropped). Liveness
        follows ``[face] liveness`` (on by default) unless the caller says otherwise."""
        with self._lock:
            attempt = self.identifier.begin(liveness)
            now = self.clock()
            self._running[kiosk] = _Running(attempt, now, now)
            return FaceProgress(attempt.state.prompt, attempt.challenge, 0, 0.0)

    def active(self, kiosk: str) -> bool:
        running = self._running.get(kiosk)
        return running is not None and self.clock() - running.fed <= IDLE_S

    def cancel(self, kiosk: str) -> None:
        with self._lock:
            self._running.pop(kiosk, None)

    def feed(self, kiosk: str, frames: Iterable) -> FaceProgress | Decision | None:
        """Feed camera frames to this kiosk's attempt. A :class:`Decision` once decided (the
        gate has then opened or the refusal is logged), else the progress; None when the
        kiosk has no attempt running."""
        with self._lock:
            running = self._running.get(kiosk)
            if running is None:
                return None
            if self.clock() - running.fed > IDLE_S:
                del self._running[kiosk]
                return None
            attempt = running.attempt
            state = attempt.state
            try:
                for frame in frames:
                    state = attempt.feed(frame)
                    if state.status != WAITING:
                        break
            except ModelError as exc:
                # A broken model or a frame it cannot take: this attempt ends, the kiosk says to
                # use another way in, and the next attempt starts clean.
                del self._running[kiosk]
                logger.error("face entry stopped at %s: %s", kiosk, exc)
                refusal = "face_fault"
            else:
                refusal = None
                if state.status == WAITING and self.clock() - running.started > LONGEST_S:
                    del self._running[kiosk]
                    logger.info("face entry at %s undecided after %d frame(s)", kiosk, attempt.frames)
                    refusal = "face_timeout"
                elif state.status == WAITING:
                    running.fed = self.clock()
                    return FaceProgress(state.prompt, attempt.challenge, attempt.frames, _progress(attempt))
                else:
                    del self._running[kiosk]
        if refusal:
            return self.access.identified_attempt(METHOD, None, kiosk, refusal=refusal)
        return self.decide(state, kiosk)

    def attempt(self, frames: Iterable, kiosk: str, liveness: bool | None = None) -> Decision:
        """A whole attempt from a run of frames (frames running out is a refusal)."""
        with self._lock:
            state = self.identifier.identify(frames, liveness)
        return self.decide(state, kiosk)

    def decide(self, state, kiosk: str) -> Decision:
        """The access decision for a finished identifier attempt (accepted or refused)."""
        if state.status == REFUSED:
            return self.access.identified_attempt(METHOD, None, kiosk, refusal=f"face_{state.reason}")
        if state.status != ACCEPTED:
            raise ValueError("the face attempt is not decided yet")
        resident = Resident.get_or_none(Resident.id == state.resident_id)
        # Withdrawn while the person stood at the camera: the template is gone, so is the way in.
        if resident is None or not self.face.is_enrolled(resident.id) or self.face.active_consent(resident.id) is None:
            return self.access.identified_attempt(METHOD, resident, kiosk, refusal="face_withdrawn")
        decision = self.access.identified_attempt(METHOD, resident, kiosk)
        if decision.granted and state.live:
            # The door has opened already; a gallery update that fails only costs the update.
            try:
                self.face.adapt(resident.id, state.embedding, state.similarity or 0.0, state.margin, state.live)
            except (DatabaseError, ValueError) as exc:
                logger.warning("face template update skipped for resident %s: %s", resident.id,
                               type(exc).__name__)
        return decision


def _progress(attempt) -> float:
    live = getattr(attempt, "liveness", None)
    return float(live.state.progress) if live is not None else 0.0
