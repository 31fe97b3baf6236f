"""Real face pictures for tests and evaluation, fetched from package registries into .cache/.

Nothing here is committed or used on the box. Sources (each fetched with its ordinary client):

- PyPI sdist face_recognition 1.3.0 (MIT): photos of two people (Obama x3, Biden).
- npm @vladmandic/face-api 1.7.15 (MIT): demo/sample1..6.jpg, group photos of other people.
- PyPI sdist insightface 2.1 (code MIT; the sample pictures carry no licence of their own):
  insightface/data/images/Tom_Hanks_54745.png (a portrait) and t1.jpg (a group photo).

Only one person has photos from different occasions (Obama x3: 2009 portrait, a speech, a
2012 portrait); registries ship no larger labelled set (checked: deepface, facenet-pytorch,
dlib and insightface sdists, face-api.js and @vladmandic/human on npm, bob.db.atnt, Debian).

Group photos are cut into one crop per face so that each crop looks like a kiosk frame
(a face filling the middle third of the picture).
"""
from __future__ import annotations

import logging
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from models.face.detect import FaceDetector
from models.face.pipeline import read_image

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "face-data"
FR_SDIST = "face_recognition-1.3.0.tar.gz"
FACEAPI_TGZ = "vladmandic-face-api-1.7.15.tgz"
INSIGHTFACE_SDIST = "insightface-2.1.tar.gz"
INSIGHTFACE_PORTRAITS = {"Tom_Hanks_54745.png": "tom_hanks"}
INSIGHTFACE_GROUPS = ["t1.jpg"]

# file -> identity; the two Obama "partial face" photos are kept out: half a face.
PORTRAITS = {"obama.jpg": "obama", "obama2.jpg": "obama", "obama3.jpg": "obama", "biden.jpg": "biden"}
GROUP_PHOTOS = [f"sample{i}.jpg" for i in range(1, 7)]


def fetch(cache: Path = CACHE, extra: bool = False) -> Path:
    """Download and unpack the sources once; return the folder holding the pictures.
    With `extra`, insightface's sample pictures too (the cross-photo evaluation's strangers)."""
    pictures = cache / "pictures"
    if all((pictures / n).exists() for n in [*PORTRAITS, *GROUP_PHOTOS]):
        if extra:
            _fetch_insightface(cache, pictures)
        return pictures
    pictures.mkdir(parents=True, exist_ok=True)
    sdist = cache / FR_SDIST
    if not sdist.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        "face_recognition==1.3.0", "-d", str(cache)], check=True, capture_output=True)
    with tarfile.open(sdist) as tar:
        for name in PORTRAITS:
            member = tar.getmember(f"face_recognition-1.3.0/tests/test_images/{name}")
            (pictures / name).write_bytes(tar.extractfile(member).read())
    tgz = cache / FACEAPI_TGZ
    if not tgz.exists():
        subprocess.run(["npm", "pack", "@vladmandic/face-api@1.7.15"], cwd=cache, check=True, capture_output=True)
    with tarfile.open(tgz) as tar:
        for name in GROUP_PHOTOS:
            (pictures / name).write_bytes(tar.extractfile(tar.getmember(f"package/demo/{name}")).read())
    if extra:
        _fetch_insightface(cache, pictures)
    return pictures


def _fetch_insightface(cache: Path, pictures: Path) -> None:
    names = [*INSIGHTFACE_PORTRAITS, *INSIGHTFACE_GROUPS]
    if all((pictures / n).exists() for n in names):
        return
    sdist = cache / INSIGHTFACE_SDIST
    if not sdist.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        "insightface==2.1", "-d", str(cache)], check=True, capture_output=True)
    with tarfile.open(sdist) as tar:
        for name in names:
            member = tar.getmember(f"insightface-2.1/insightface/data/images/{name}")
            (pictures / name).write_bytes(tar.extractfile(member).read())


@dataclass(frozen=True)
class FaceCrop:
    identity: str
    source: str
    image: np.ndarray  # RGB, face roughly centred and filling a third of the width


def _tile_detect(detector: FaceDetector, image: np.ndarray) -> list[tuple[float, float, float]]:
    """Faces as (cx, cy, size) found on overlapping tiles, for group photos with small faces."""
    h, w = image.shape[:2]
    tile = max(h, w) // 3
    found: list[tuple[float, float, float]] = []
    for y in range(0, max(1, h - tile // 2), tile // 2):
        for x in range(0, max(1, w - tile // 2), tile // 2):
            for face in detector.detect(image[y:y + tile, x:x + tile]):
                cx, cy = x + (face.box[0] + face.box[2]) / 2, y + (face.box[1] + face.box[3]) / 2
                size = max(face.width, face.height)
                if face.score < 0.75 or size < 60:
                    continue
                if any(abs(cx - fx) < fs / 2 and abs(cy - fy) < fs / 2 for fx, fy, fs in found):
                    continue
                found.append((cx, cy, size))
    return found


def _crop(image: np.ndarray, cx: float, cy: float, size: float, out: int = 360) -> np.ndarray:
    half = size * 1.5
    matrix = np.array([[out / (2 * half), 0, out / 2 - cx * out / (2 * half)],
                       [0, out / (2 * half), out / 2 - cy * out / (2 * half)]])
    return cv2.warpAffine(image, matrix, (out, out), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def load_faces(detector: FaceDetector, cache: Path = CACHE, extra: bool = False) -> list[FaceCrop]:
    """One crop per face. Portraits are labelled; each group-photo face is its own identity.
    With `extra`, insightface's sample pictures are added (more strangers)."""
    pictures = fetch(cache, extra)
    crops = []
    portraits = {**PORTRAITS, **(INSIGHTFACE_PORTRAITS if extra else {})}
    for name, identity in portraits.items():
        image = read_image(pictures / name)
        face = detector.detect(image)[0]
        cx, cy = (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2
        crops.append(FaceCrop(identity, name, _crop(image, cx, cy, max(face.width, face.height))))
    for name in [*GROUP_PHOTOS, *(INSIGHTFACE_GROUPS if extra else [])]:
        image = read_image(pictures / name)
        for i, (cx, cy, size) in enumerate(sorted(_tile_detect(detector, image))):
            crops.append(FaceCrop(f"{Path(name).stem}-{i}", name, _crop(image, cx, cy, size)))
    return crops


def augment(image: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    """One realistic nuisance a gate camera adds: light, blur, distance, tilt, cover, JPEG."""
    h, w = image.shape[:2]
    if kind == "original":
        return image.copy()
    if kind == "darker":
        return np.clip(image.astype(np.float32) * rng.uniform(0.45, 0.65), 0, 255).astype(np.uint8)
    if kind == "brighter":
        return np.clip(image.astype(np.float32) * rng.uniform(1.25, 1.5) + 10, 0, 255).astype(np.uint8)
    if kind == "blur":
        return cv2.GaussianBlur(image, (0, 0), rng.uniform(1.0, 1.8))
    if kind == "smaller":
        factor = rng.uniform(0.45, 0.6)
        small = cv2.resize(image, (int(w * factor), int(h * factor)), interpolation=cv2.INTER_AREA)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if kind == "rotated":
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-15, 15), rng.uniform(0.9, 1.1))
        return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    if kind == "occluded":
        # A hand or scarf over one lower corner of the face.
        out = image.copy()
        x0 = int(w * rng.uniform(0.33, 0.5))
        y0 = int(h * 0.58)
        out[y0:y0 + int(h * 0.12), x0:x0 + int(w * 0.18)] = rng.integers(0, 255, 3)
        return out
    if kind == "jpeg":
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(15, 30))])
        return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    raise ValueError(kind)


AUGMENTATIONS = ("original", "darker", "brighter", "blur", "smaller", "rotated", "occluded", "jpeg")
