"""The [face] section of config.toml (kept beside the feature; appliance.config includes it)."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.configfield import setting as _setting


@dataclass
class FaceConfig:
    enabled: bool = _setting(True, "Offer face entry and face enrollment at the kiosk (PIN, QR and card always stay available).")
    accept: float = _setting(0.95, "Cosine similarity at or above which a face is the enrolled resident.", min=0.0, max=1.0)
    reject: float = _setting(0.94, "Below this a face is someone else; between reject and accept the answer is unknown.", min=0.0, max=1.0)
    margin: float = _setting(0.02, "Best match must beat the next resident by this much, else nobody is accepted.", min=0.0, max=0.5)
    vote_k: int = _setting(3, "Frames that must agree on the same resident ...", min=1, max=20)
    vote_n: int = _setting(5, "... out of this many good frames.", min=1, max=30)
    liveness: bool = _setting(True, "Ask for a head turn or nod before a face-only entry opens the gate.")
    mirrored_camera: bool = _setting(False, "The kiosk camera image is mirrored (affects left/right prompts).")
    threads: int = _setting(1, "CPU threads for the face models.", min=1, max=4)
    enroll_frames: int = _setting(3, "Good frames needed to enroll a face.", min=3, max=5)
    notice_version: str = _setting("2026-12", "Version of the face consent notice shown to residents; consent records keep it.")
    kiosk_camera: str = _setting("", "Camera in front of the kiosk for face entry and enrollment: v4l2:0, picamera:0, "
                                "rtsp://..., or file:/folder for a replay; empty = none (face entry is not offered).")
    adapt: bool = _setting(True, "Keep a confident, live entry frame as an extra template of that resident.")
    adapt_accept: float = _setting(0.965, "Similarity an entry frame needs before it may be kept as an extra template.", min=0.0, max=1.0)
    adapt_margin: float = _setting(0.04, "How far the kept frame must beat every other resident.", min=0.0, max=0.5)
    adapt_max: int = _setting(3, "Extra templates kept per resident; the oldest is replaced.", min=1, max=10)
