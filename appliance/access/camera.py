"""QR codes from camera frames the kiosk page posts (phones and USB scanners are the
main way; a camera is optional)."""

from __future__ import annotations

import logging

import cv2
import numpy as np

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 3 * 1024 * 1024


def decode_qr(image_bytes: bytes) -> str | None:
    """The text of the first QR code in a JPEG/PNG frame, or None (unreadable frames included)."""
    if not image_bytes or len(image_bytes) > MAX_FRAME_BYTES:
        return None
    try:
        image = cv2.imdecode(np.frombuffer(image_bytes, np.uint8), cv2.IMREAD_GRAYSCALE)
        if image is None:
            return None
        text = cv2.QRCodeDetector().detectAndDecode(image)[0]
        if not text:
            # The classic detector misses ~3% of clean, printed codes; the ArUco-based one
            # reads them (and is slower, so it is the second try).
            text = cv2.QRCodeDetectorAruco().detectAndDecode(image)[0]
    except cv2.error as exc:
        logger.info("camera frame not decoded: %s", exc)
        return None
    return text or None
