"""Face feature: enrollment (with consent), the identifier, face entry at the gate and the
kiosk camera that feeds both. The models load on first use, once, with the configured threads.

The kiosk camera is driven here, not by a web view: a view asks for a step of an attempt or
for enrollment frames and gets a result, so the camera has one owner and one place to close.
"""

from __future__ import annotations

import logging

from appliance.errors import LinliError
from appliance.face.crypto import TemplateCipher, load_or_create_key
from appliance.face.enrollment import FaceService, capture_frames
from appliance.face.entry import FaceEntry, FaceProgress
from appliance.face.identifier import FaceIdentifier
from appliance.features import Context, Feature
from appliance.i18n import N_, gettext as _

logger = logging.getLogger(__name__)

STEP_FRAMES = 5  # frames read per poll of an attempt: about a third of a second of a kiosk camera


class NoKioskCamera(LinliError):
    msgid = N_("The kiosk camera is not available. Please use PIN, QR pass or card.")


class FaceFeature(Feature):
    name = "face"

    def __init__(self, service: FaceService, identifier: FaceIdentifier, entry: FaceEntry, settings):
        super().__init__()
        self.service = service
        self.identifier = identifier
        self.entry = entry
        self.settings = settings
        self.camera = None  # hardware camera in front of the kiosk, when one is wired and opened

    @property
    def enabled(self) -> bool:
        return bool(self.settings.enabled)

    def entry_offered(self) -> bool:
        """The kiosk shows 刷脸进门 only where face entry can work."""
        return self.entry.available and self.camera is not None

    def capture(self, count: int, timeout: float = 1.0) -> list:
        """RGB frames from the kiosk camera for enrollment (never kept)."""
        if self.camera is None:
            raise NoKioskCamera()
        return capture_frames(self.camera, count, timeout=timeout)

    def entry_step(self, kiosk: str):
        """Feed the attempt at ``kiosk`` a short burst of frames: None when no attempt is
        running, a FaceProgress while it goes on, the access Decision when it ends."""
        if not self.entry.active(kiosk):
            return None
        # Short reads: a quiet camera must not hold the request past the page's idle reset.
        return self.entry.feed(kiosk, self.capture(STEP_FRAMES, timeout=0.3))

    def models_health(self) -> tuple[bool, str]:
        from models.errors import ModelError
        from models.face.detect import MODEL_ENTRY as DETECTOR_ENTRY
        from models.face.embed import MODEL_ENTRY as EMBEDDER_ENTRY
        from models.manifest import model_path

        if not self.enabled:
            return True, _("switched off in the settings ([face] enabled)")
        try:
            for entry in (DETECTOR_ENTRY, EMBEDDER_ENTRY):
                model_path(entry, verify=False)
        except ModelError as exc:
            return False, _("face model files are missing (%(error)s): reinstall Linli", error=exc)
        return True, _("%(n)s residents enrolled, liveness check %(liveness)s",
                       n=self.service.enrolled_count(), liveness=_("on") if self.settings.liveness else _("off"))


def setup(ctx: Context) -> FaceFeature:
    from appliance.access.setup import AccessFeature
    from models.face.embed import MODEL_ENTRY as EMBEDDER_ENTRY
    from models.face.pipeline import FacePipeline
    from models.runtime import read_manifest

    config = ctx.config.face
    access = ctx.need(AccessFeature)
    model_id = read_manifest()["models"][EMBEDDER_ENTRY]["files"]["file"]["sha256"][:12]
    cipher = TemplateCipher(load_or_create_key(ctx.home))
    service = FaceService(ctx.db, ctx.audit, cipher, lambda: FacePipeline.load(num_threads=config.threads),
                          config, model_id)
    identifier = FaceIdentifier(service, config)
    feature = FaceFeature(service, identifier, FaceEntry(access.service, service, identifier, config), config)
    if ctx.hardware and config.kiosk_camera and not ctx.safe_mode:
        _open_kiosk_camera(feature, config.kiosk_camera)
    # A box that was off at the daily sweep's hour still deletes what is due.
    feature.on_start(service.retention_sweep)
    feature.retention_task = _register_sweep(ctx.huey, service)
    feature.check("face", feature.models_health)
    feature.check("face entry", lambda: feature.entry.health(feature.camera))
    return feature


def _register_sweep(huey, service: FaceService):
    from huey import crontab

    @huey.periodic_task(crontab(hour="3", minute="30"))
    def face_retention_sweep() -> None:
        # Daily: templates of residents who moved out or withdrew are deleted.
        service.retention_sweep()

    return face_retention_sweep


def _open_kiosk_camera(feature: FaceFeature, source: str) -> None:
    """PIN, QR and card never need the camera, so a missing one only hides face entry (the
    health line says why)."""
    from hardware.camera import CameraError, open_camera, redact_source

    try:
        camera = open_camera({"source": source})
        camera.open()
    except CameraError as exc:
        logger.error("kiosk camera %s not available: %s", redact_source(source), exc)
        return
    feature.camera = camera
    feature.on_close(camera.close)


__all__ = ["FaceFeature", "FaceProgress", "NoKioskCamera", "setup"]
