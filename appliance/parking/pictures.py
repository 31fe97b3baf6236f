"""Plate crops of waiting cars, shown to the volunteer beside the read: small JPEG files in
the data folder's ``parking/`` directory, the newest ``keep`` of them (older ones go; the
log keeps the read plate, not the picture)."""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path

logger = logging.getLogger(__name__)

NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")
MAX_SIDE = 480  # a plate crop with some car around it; enough to check the read by eye


class PictureStore:
    def __init__(self, folder: Path, keep: int = 500):
        self.folder = Path(folder)
        self.keep = keep
        self.saved: list[str] = []  # names saved by this process (tests look)

    def save(self, image) -> str:
        """Save a BGR image; returns its name, or "" when it could not be written."""
        import cv2

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            h, w = image.shape[:2]
            scale = min(1.0, MAX_SIDE / max(h, w, 1))
            if scale < 1.0:
                image = cv2.resize(image, (max(1, int(w * scale)), max(1, int(h * scale))))
            ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
            if not ok:
                return ""
            name = uuid.uuid4().hex + ".jpg"
            (self.folder / name).write_bytes(data.tobytes())
        except (OSError, ValueError, cv2.error) as exc:
            logger.warning("plate picture not saved: %s", exc)
            return ""
        self.saved.append(name)
        self._prune()
        return name

    def path(self, name: str) -> Path | None:
        if not NAME.match(name or ""):
            return None
        p = self.folder / name
        return p if p.is_file() else None

    def _prune(self) -> None:
        files = sorted(self.folder.glob("*.jpg"), key=lambda p: p.stat().st_mtime)
        for old in files[:-self.keep] if len(files) > self.keep else []:
            old.unlink(missing_ok=True)


def crop_around(image, box, margin: float = 1.5):
    """The plate's box widened by ``margin`` on each side (some of the car shows), clipped."""
    h, w = image.shape[:2]
    x1, y1, x2, y2 = (int(v) for v in box)
    bw, bh = x2 - x1, y2 - y1
    x1, x2 = max(0, int(x1 - bw * margin / 2)), min(w, int(x2 + bw * margin / 2))
    y1, y2 = max(0, int(y1 - bh * margin * 2)), min(h, int(y2 + bh * margin))
    if x2 <= x1 or y2 <= y1:
        return image
    return image[y1:y2, x1:x2]
