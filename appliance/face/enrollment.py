"""Face enrollment and the privacy rules around it (DESIGN.md, face recognition rules 2-6).

Consent is its own record, kept after withdrawal as the processing record; the template is
one encrypted vector per resident; raw frames are only held in memory while enrolling.
Withdrawal, move-out and the daily retention sweep delete templates at once. Nothing here
writes to the outbox: face data never leaves the box.
"""

from __future__ import annotations

import datetime
import logging
import threading
import uuid as uuidlib
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from appliance.db.base import now
from appliance.db.models import FaceConsent, FaceFalseAccept, FaceTemplate, Resident
from appliance.errors import Conflict, LinliError, NotFound, ValidationError
from appliance.i18n import N_
from appliance.face.crypto import TemplateCipher

logger = logging.getLogger(__name__)

GUARDIAN_AGE = 14
MAX_ENROLL_FRAMES = 5
CHANNELS = ("kiosk", "staff")
ENROLLED, ADAPTED = "enrolled", "adapted"  # FaceTemplate.kind

# Shown on the consent screen; the version is recorded with every consent.
NOTICE = {
    "processor": N_("Processor: the residents' committee of this community, on this gate box only."),
    "purpose": N_("Purpose: to open the community gate for you when you look at the camera."),
    "data": N_("What is kept: a numeric face template, encrypted, on this box. Photos are not kept. The template never leaves the box."),
    "retention": N_("Retention: until you withdraw or move out; then it is deleted at once."),
    "updates": N_("To keep recognising you as your looks change, up to three templates from your recent confident entries are kept too (the oldest is replaced); they are deleted with the rest."),
    "rights": N_("Your rights: you may withdraw at any time at the kiosk or with staff; you may ask what is kept and have it deleted."),
    "alternatives": N_("You do not have to use your face: PIN, QR pass and card always open the gate, and staff can open it remotely."),
}


class NoConsent(LinliError):
    msgid = N_("Separate consent to face entry is needed first.")


class GuardianRequired(ValidationError):
    def __init__(self):
        super().__init__(N_("This resident is under 14: a guardian must give the consent."), field="guardian_name")


class EnrollmentFailed(LinliError):
    msgid = N_("Not enough good pictures of the face. Please look straight at the camera in good light and try again.")


@dataclass(frozen=True)
class EnrollResult:
    template_id: int
    frames_used: int
    frames_seen: int


def capture_frames(camera, count: int, timeout: float = 1.0) -> list[np.ndarray]:
    """RGB frames from a kiosk camera of the hardware layer (``read()`` gives a frame with a
    BGR ``image``, or None when nothing new came); plain RGB arrays are taken as they are."""
    import cv2

    frames = []
    for _ in range(count):
        frame = camera.read(timeout=timeout)
        if frame is None:
            continue
        image = getattr(frame, "image", None)
        frames.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if image is not None else frame)
    return frames


def resident_age(resident: Resident, today: datetime.date) -> int | None:
    return today.year - resident.birth_year if resident.birth_year else None


class FaceService:
    def __init__(self, db, audit, cipher: TemplateCipher, pipeline_loader: Callable[[], object], settings,
                 model_id: str, clock: Callable[[], datetime.datetime] = now):
        self.db = db
        self.audit = audit
        self.cipher = cipher
        self.settings = settings
        self.model_id = model_id
        self._load_pipeline = pipeline_loader
        self._pipeline = None
        self._gallery = None
        self._lock = threading.Lock()
        # The models' interpreters are not thread-safe: enrollment and the gate's face entry
        # (appliance/face/entry.py) take turns on them.
        self.inference_lock = threading.RLock()
        self.clock = clock

    # --- models, loaded once on first use --------------------------------------------
    @property
    def pipeline(self):
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._load_pipeline()
            return self._pipeline

    def thresholds(self):
        from models.face.match import Thresholds

        return Thresholds(accept=self.settings.accept, reject=min(self.settings.reject, self.settings.accept),
                          margin=self.settings.margin)

    # --- consent ---------------------------------------------------------------------
    def _resident(self, resident_id) -> Resident:
        resident = Resident.get_or_none(Resident.id == resident_id)
        if resident is None:
            raise NotFound(N_("No such resident."))
        return resident

    def needs_guardian(self, resident_id) -> bool:
        resident = self._resident(resident_id)
        age = resident_age(resident, self.clock().date())
        # Without a birth year a registered minor is treated as under 14: the safer side.
        return age < GUARDIAN_AGE if age is not None else bool(resident.minor)

    def active_consent(self, resident_id) -> FaceConsent | None:
        return (FaceConsent.select()
                .where(FaceConsent.resident == resident_id, FaceConsent.withdrawn_at.is_null())
                .order_by(FaceConsent.id.desc()).first())

    def give_consent(self, resident_id, actor: str, channel: str, agreed: bool,
                     guardian_name: str = "", guardian_relation: str = "") -> FaceConsent:
        if channel not in CHANNELS:
            raise ValidationError(N_("Unknown consent channel."), field="channel")
        if not agreed:
            # The box is never ticked for the resident: no tick, no consent.
            raise ValidationError(N_("Tick the box to agree, or choose another way to enter."), field="agree")
        resident = self._resident(resident_id)
        guardian_name = (guardian_name or "").strip()
        if self.needs_guardian(resident_id) and not guardian_name:
            raise GuardianRequired()
        with self.db.atomic():
            existing = self.active_consent(resident_id)
            if existing is not None:
                return existing
            consent = FaceConsent.create(
                uuid=uuidlib.uuid4(), resident=resident, resident_uuid=str(resident.uuid),
                notice_version=self.settings.notice_version, channel=channel, given_by=actor or "kiosk",
                given_at=self.clock(), guardian_name=guardian_name[:100],
                guardian_relation=(guardian_relation or "").strip()[:50])
            self.audit.record(actor, "face.consent", "resident", resident.id,
                              {"notice_version": consent.notice_version, "channel": channel,
                               "guardian": bool(guardian_name)})
        return consent

    # --- enrollment ------------------------------------------------------------------
    def enroll(self, resident_id, frames: Iterable[np.ndarray], actor: str) -> EnrollResult:
        """Embed the good frames (quality gates on) and store each as its own encrypted
        template: a small head turn between frames gives the gallery more than one view,
        which is what recognises a resident on another day (models/face/crossphoto.py).

        Frames are not kept; a face that already belongs to another resident is refused,
        so one person cannot hold two identities at the gate.
        """
        resident = self._resident(resident_id)
        consent = self.active_consent(resident_id)
        if consent is None:
            raise NoConsent()
        pipeline = self.pipeline
        vectors, seen = [], 0
        with self.inference_lock:
            for frame in frames:
                seen += 1
                observation = pipeline.observe(frame)
                if observation is not None and observation.embedding is not None:
                    vectors.append(observation.embedding)
                if len(vectors) == MAX_ENROLL_FRAMES:
                    break
        if len(vectors) < self.settings.enroll_frames:
            raise EnrollmentFailed()
        stack = np.stack(vectors)
        template = stack.mean(axis=0)
        template /= np.linalg.norm(template)
        # Frames of one enrollment must show one person.
        consistency = float((stack @ template).min())
        if consistency < self.settings.accept:
            raise EnrollmentFailed()
        match = self.gallery(exclude=resident.id).match(template, self.thresholds())
        if match.decision == "same":
            raise Conflict(N_("This face is already enrolled for another resident; staff can check the register."))
        with self.db.atomic():
            FaceTemplate.delete().where(FaceTemplate.resident == resident).execute()
            for vector in vectors:
                row = FaceTemplate.create(resident=resident, consent=consent, model=self.model_id,
                                          ciphertext=self.cipher.encrypt(vector, str(resident.uuid)),
                                          frames=len(vectors), consistency=round(consistency, 4),
                                          created_at=self.clock(), kind=ENROLLED)
            self.audit.record(actor, "face.enroll", "resident", resident.id, {"frames": len(vectors)})
        self._gallery = None
        logger.info("face enrolled for resident %s from %d frames", resident.id, len(vectors))
        return EnrollResult(row.id, len(vectors), seen)

    def is_enrolled(self, resident_id) -> bool:
        return FaceTemplate.select().where(FaceTemplate.resident == resident_id).exists()

    def enrolled_count(self) -> int:
        return FaceTemplate.select(FaceTemplate.resident).distinct().count()

    def template_count(self, resident_id) -> int:
        return FaceTemplate.select().where(FaceTemplate.resident == resident_id).count()

    # --- adaptive update -------------------------------------------------------------
    def adapt(self, resident_id, embedding: np.ndarray, similarity: float, margin: float, live: bool,
              actor: str = "face_entry") -> bool:
        """Keep a confident entry frame as one more template of this resident.

        Only a live attempt (the movement check passed) whose frame matched well above the
        accept threshold and far ahead of every other resident counts: a borderline match
        never teaches the gallery, so a look-alike cannot creep in. At most
        ``adapt_max`` adapted templates per resident, the oldest goes first; enrollment
        templates are never replaced. Covered by the consent notice, deleted with the rest.
        """
        settings = self.settings
        if not (settings.adapt and live and embedding is not None):
            return False
        if similarity < settings.adapt_accept or margin < settings.adapt_margin:
            return False
        resident = Resident.get_or_none(Resident.id == resident_id)
        consent = self.active_consent(resident_id) if resident is not None else None
        if consent is None or not self.is_enrolled(resident_id):
            return False
        with self.db.atomic():
            adapted = list(FaceTemplate.select(FaceTemplate.id)
                           .where(FaceTemplate.resident == resident, FaceTemplate.kind == ADAPTED)
                           .order_by(FaceTemplate.created_at, FaceTemplate.id))
            dropped = adapted[:max(0, len(adapted) - settings.adapt_max + 1)]
            if dropped:
                FaceTemplate.delete().where(FaceTemplate.id.in_([r.id for r in dropped])).execute()
            vector = np.asarray(embedding, np.float32)
            FaceTemplate.create(resident=resident, consent=consent, model=self.model_id,
                                ciphertext=self.cipher.encrypt(vector / np.linalg.norm(vector), str(resident.uuid)),
                                frames=1, consistency=round(float(similarity), 4), created_at=self.clock(),
                                kind=ADAPTED)
            self.audit.record(actor, "face.adapt", "resident", resident.id,
                              {"similarity": round(float(similarity), 3), "margin": round(float(margin), 3),
                               "replaced": len(dropped)})
        self._gallery = None
        logger.info("face template adapted for resident %s (%d replaced)", resident.id, len(dropped))
        return True

    # --- deletion --------------------------------------------------------------------
    def withdraw(self, resident_id, actor: str, reason: str = "withdrawn") -> int:
        """Delete the template at once and close the consent (kept as the processing record)."""
        resident = self._resident(resident_id)
        with self.db.atomic():
            deleted = FaceTemplate.delete().where(FaceTemplate.resident == resident).execute()
            closed = (FaceConsent.update(withdrawn_at=self.clock(), withdrawn_by=actor or "system",
                                         withdrawal_reason=reason)
                      .where(FaceConsent.resident == resident, FaceConsent.withdrawn_at.is_null()).execute())
            if deleted or closed:
                self.audit.record(actor, "face.withdraw", "resident", resident.id,
                                  {"reason": reason, "templates_deleted": deleted})
        self._gallery = None
        return deleted

    def retention_sweep(self, actor: str = "system") -> int:
        """Delete templates of residents who moved out, withdrew, or whose model is outdated."""
        today = self.clock().date()
        moved_out = sorted({t.resident_id for t in FaceTemplate.select(FaceTemplate.resident).join(Resident)
                            .where(Resident.move_out.is_null(False), Resident.move_out <= today)})
        for resident_id in moved_out:
            self.withdraw(resident_id, actor, reason="moved_out")
        with self.db.atomic():
            orphans = (FaceTemplate.delete()
                       .where(FaceTemplate.consent.in_(FaceConsent.select(FaceConsent.id)
                                                        .where(FaceConsent.withdrawn_at.is_null(False))))
                       .execute())
            stale = FaceTemplate.delete().where(FaceTemplate.model != self.model_id).execute()
            if orphans or stale:
                self.audit.record(actor, "face.sweep", "face_template", "",
                                  {"withdrawn": orphans, "outdated_model": stale})
        total = len(moved_out) + orphans + stale
        if total:
            self._gallery = None
        logger.info("face retention sweep deleted %d template(s)", total)
        return total

    # --- matching --------------------------------------------------------------------
    def gallery(self, exclude=None):
        """All templates, decrypted, in one matrix (rebuilt after each change)."""
        from models.face.match import Gallery

        if exclude is None and self._gallery is not None:
            return self._gallery
        rows = list(FaceTemplate.select(FaceTemplate, Resident).join(Resident)
                    .where(FaceTemplate.model == self.model_id))
        rows = [r for r in rows if r.resident_id != exclude]
        ids = [r.resident_id for r in rows]
        vectors = (np.stack([self.cipher.decrypt(bytes(r.ciphertext), str(r.resident.uuid)) for r in rows])
                   if rows else None)
        gallery = Gallery(ids, vectors)
        if exclude is None:
            self._gallery = gallery
        return gallery

    def report_false_accept(self, resident_id, actor: str, event_ref: str = "", note: str = "") -> FaceFalseAccept:
        """"This was not me": recorded for the threshold review and the processing records."""
        row = FaceFalseAccept.create(resident=resident_id, reported_by=actor, event_ref=event_ref[:100],
                                     note=(note or "")[:500], reported_at=self.clock())
        self.audit.record(actor, "face.false_accept", "resident", resident_id or "", {"event": event_ref[:100]})
        return row

    def consent_records(self) -> list[FaceConsent]:
        """Every consent ever given, newest first: the processing record (kept >= 3 years)."""
        return list(FaceConsent.select().order_by(FaceConsent.id.desc()))

    def false_accepts(self, limit: int = 50) -> list[FaceFalseAccept]:
        return list(FaceFalseAccept.select().order_by(FaceFalseAccept.id.desc()).limit(limit))

    def overview(self) -> dict:
        return {
            "enrolled": self.enrolled_count(),
            "active_consents": FaceConsent.select().where(FaceConsent.withdrawn_at.is_null()).count(),
            "withdrawn_consents": FaceConsent.select().where(FaceConsent.withdrawn_at.is_null(False)).count(),
            "false_accepts": FaceFalseAccept.select().count(),
            "accept": self.settings.accept, "reject": self.settings.reject,
        }

    def score_spread(self) -> dict:
        """The box's own scores for the threshold calibration page: genuine (each enrollment
        frame against its template, the lowest per resident) and impostor (how close the most
        similar other resident comes to each enrolled one)."""
        gallery = self.gallery()
        per_resident = {t.resident_id: t.consistency for t in
                        FaceTemplate.select(FaceTemplate.resident, FaceTemplate.consistency)
                        .where(FaceTemplate.kind == ENROLLED)}
        genuine = sorted(round(float(v), 3) for v in per_resident.values())
        if len(gallery.identities) < 2:
            return {"count": len(gallery.identities), "nearest_other": [], "genuine": genuine}
        # Rows of one resident are several templates of the same face: only other residents count.
        ids = np.array([str(i) for i in gallery.row_identities])
        sims = gallery.matrix @ gallery.matrix.T
        sims[ids[:, None] == ids[None, :]] = -1.0
        nearest = [float(sims[ids == i].max()) for i in dict.fromkeys(ids)]
        return {"count": len(gallery.identities), "nearest_other": sorted(round(float(v), 3) for v in nearest),
                "genuine": genuine}
