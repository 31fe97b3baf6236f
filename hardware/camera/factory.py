"""Pick a camera backend from the source string in the configuration."""

from __future__ import annotations

from typing import Any

from hardware.camera.base import Camera, CameraError, redact_source

_COMMON = {"source", "name"}
_ALLOWED = {
    "stream": {"width", "height", "stale_after_s", "max_fps", "backoff_initial_s", "backoff_max_s",
               "open_timeout_s", "read_timeout_s", "rtsp_tcp"},
    "v4l2": {"width", "height", "stale_after_s", "max_fps", "fourcc", "backoff_initial_s", "backoff_max_s"},
    "picamera": {"width", "height", "fps"},
    "file": {"fps", "loop", "realtime", "history_size", "start_ts"},
}


def backend_for(source: str) -> str:
    lowered = source.strip().lower()
    if lowered.startswith(("rtsp://", "rtsps://", "http://", "https://")):
        return "stream"
    for scheme in ("v4l2", "picamera", "file"):
        if lowered.startswith(scheme + ":"):
            return scheme
    raise CameraError(
        f"camera source {redact_source(source)!r} is not one of rtsp://, http(s)://, v4l2:N, picamera:N, file:PATH"
    )


def open_camera(spec: dict[str, Any]) -> Camera:
    """Build (not yet open) the camera described by ``spec``; use it in a ``with`` block.

    ``spec["source"]`` selects the backend: ``rtsp://user:pass@host/stream``,
    ``http://host/video.mjpg``, ``v4l2:0`` or ``v4l2:/dev/video0``, ``picamera:0``,
    ``file:/path/to/video.mp4`` or ``file:/path/to/folder``. Other keys are backend options;
    an unknown key is an error naming it, so a typo in the config does not go unnoticed.
    """
    if not isinstance(spec, dict) or not isinstance(spec.get("source"), str) or not spec["source"].strip():
        raise CameraError("camera spec needs a 'source' string")
    source = spec["source"].strip()
    kind = backend_for(source)
    options = {k: v for k, v in spec.items() if k not in _COMMON}
    unknown = sorted(set(options) - _ALLOWED[kind])
    if unknown:
        raise CameraError(f"unknown option(s) for a {kind} camera: {', '.join(unknown)}")
    rest = source.split(":", 1)[1]
    if kind == "stream":
        from hardware.camera.opencv import StreamCamera

        return StreamCamera(source, **options)
    if kind == "v4l2":
        from hardware.camera.opencv import V4L2Camera

        device = int(rest) if rest.isdigit() else rest
        if device == "":
            raise CameraError("v4l2 source needs a device index or path, e.g. v4l2:0")
        return V4L2Camera(device, **options)
    if kind == "picamera":
        from hardware.camera.picamera import PiCamera

        if not rest.isdigit():
            raise CameraError("picamera source needs a camera index, e.g. picamera:0")
        return PiCamera(int(rest), **options)
    from hardware.camera.replay import ReplayCamera

    path = rest[2:] if rest.startswith("//") else rest
    if not path:
        raise CameraError("file source needs a path, e.g. file:/srv/replays/lane.mp4")
    return ReplayCamera(path, **options)
