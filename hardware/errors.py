"""Base error for everything raised by the hardware package.

Callers outside ``hardware`` catch ``HardwareError`` only; third-party errors
(OpenCV, pyserial, picamera2) are converted at the boundary.
"""


class HardwareError(Exception):
    """A device could not do what was asked."""
