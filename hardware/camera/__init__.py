"""Cameras: CCTV over RTSP/HTTP, USB (V4L2), the Pi camera, file replay; and motion gating."""

from hardware.camera.base import Camera, CameraError, Frame, redact_source
from hardware.camera.factory import backend_for, open_camera
from hardware.camera.motion import GateDecision, MotionGate
from hardware.camera.opencv import StreamCamera, V4L2Camera
from hardware.camera.picamera import PiCamera
from hardware.camera.replay import ReplayCamera

__all__ = [
    "Camera",
    "CameraError",
    "Frame",
    "GateDecision",
    "MotionGate",
    "PiCamera",
    "ReplayCamera",
    "StreamCamera",
    "V4L2Camera",
    "backend_for",
    "open_camera",
    "redact_source",
]
