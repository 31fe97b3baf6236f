"""Report photos: take a phone picture, keep a small clean JPEG.

Order matters for safety: the size of the upload is checked first, then the first bytes
(JPEG or PNG only), then the picture's header for its pixel count: a decompression bomb (a
small file that decodes to gigabytes) is refused before a single pixel is decoded. Only then
is the picture decoded (JPEGs at a reduced scale straight from the DCT, which is most of the
speed on a Pi), turned upright from its EXIF orientation, and re-encoded from bare pixels:
EXIF (GPS especially), XMP, ICC profiles and comments are not copied into the new file. The
stored JPEG is at most ``photo_max_side`` pixels and ``photo_max_kb`` KB (quality is lowered
step by step until it fits); a thumbnail goes beside it for lists.

HEIC is not accepted: the aarch64 wheel that decodes it (pillow-heif) bundles an x265
encoder under the GPL, and phone browsers already hand a file input JPEG when the page asks
for ``image/jpeg,image/png`` (iOS converts HEIC photos on upload).
"""

from __future__ import annotations

import io
import logging
import os
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from appliance.errors import ValidationError

logger = logging.getLogger(__name__)

MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
QUALITIES = (85, 78, 70, 62, 55, 48, 40)


@dataclass(frozen=True)
class PhotoRules:
    max_bytes: int = 8 * 1024 * 1024
    max_pixels: int = 50_000_000
    max_side: int = 1600
    max_stored: int = 300 * 1024
    thumb_side: int = 320

    @classmethod
    def from_config(cls, section) -> PhotoRules:
        return cls(max_bytes=int(section.photo_max_mb * 1024 * 1024),
                   max_pixels=int(section.photo_max_megapixels * 1_000_000), max_side=section.photo_max_side,
                   max_stored=section.photo_max_kb * 1024, thumb_side=section.photo_thumb_side)


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    thumb: bytes
    width: int
    height: int


def _refuse(msgid: str, **params) -> ValidationError:
    return ValidationError(msgid, field="photo", **params)


def clean(data: bytes, rules: PhotoRules) -> CleanPhoto:
    """Bytes of an upload -> a stripped, resized JPEG and its thumbnail, or ValidationError."""
    if not data:
        raise _refuse("The photo is empty.")
    if len(data) > rules.max_bytes:
        raise _refuse("The photo is too large (at most %(mb)s MB).", mb=round(rules.max_bytes / 1048576, 1))
    kind = next((k for magic, k in MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        raise _refuse("This is not a JPEG or PNG photo.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=[kind])  # reads the header only
        width, height = img.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("The picture has too many pixels.") from None
    except (OSError, SyntaxError, ValueError) as exc:
        logger.info("photo header refused: %s", exc)
        raise _refuse("The photo is damaged or not a picture.") from None
    if width < 1 or height < 1 or width * height > rules.max_pixels:
        raise _refuse("The picture has too many pixels (at most %(mp)s million).",
                      mp=round(rules.max_pixels / 1_000_000))
    try:
        if kind == "JPEG":
            scale = rules.max_side / max(width, height)
            if scale < 1:  # decode at 1/2, 1/4 or 1/8 scale, never below the stored size
                img.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
        img.load()
        img = ImageOps.exif_transpose(img)
        img = _rgb(img)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        logger.info("photo decode refused: %s", exc)
        raise _refuse("The photo is damaged or not a picture.") from None
    img.thumbnail((rules.max_side, rules.max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    jpeg = _fit(img, rules.max_stored)
    thumb = img.copy()
    thumb.thumbnail((rules.thumb_side, rules.thumb_side), Image.Resampling.BILINEAR)
    return CleanPhoto(jpeg=jpeg, thumb=_encode(thumb, 75), width=img.width, height=img.height)


def _rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img, mask=img.getchannel("A"))
        return flat
    return img.convert("RGB") if img.mode != "RGB" else img


def _encode(img: Image.Image, quality: int) -> bytes:
    # A fresh save of the pixels: no exif=, icc_profile= or comment= is passed, so none is written.
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, optimize=True, progressive=False)
    return out.getvalue()


def _fit(img: Image.Image, max_bytes: int) -> bytes:
    for quality in QUALITIES:
        data = _encode(img, quality)
        if len(data) <= max_bytes:
            return data
    while True:  # a picture of pure noise: smaller until it fits
        img = img.resize((max(1, img.width * 3 // 4), max(1, img.height * 3 // 4)), Image.Resampling.BILINEAR)
        data = _encode(img, QUALITIES[-1])
        if len(data) <= max_bytes or img.width <= 64:
            return data


class PhotoStore:
    """Files in one folder on the data partition: ``<name>.jpg`` and ``<name>.t.jpg``."""

    def __init__(self, folder: Path, rules: PhotoRules):
        self.folder = Path(folder)
        self.rules = rules

    def put(self, data: bytes) -> tuple[str, CleanPhoto]:
        """Clean and write a photo; returns its new name. Nothing is written when it is refused."""
        photo = clean(data, self.rules)
        name = uuid.uuid4().hex
        self.folder.mkdir(parents=True, exist_ok=True)
        for suffix, blob in ((".jpg", photo.jpeg), (".t.jpg", photo.thumb)):
            tmp = self.folder / f".{name}{suffix}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(blob)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.folder / f"{name}{suffix}")
        return name, photo

    def path(self, name: str, thumb: bool = False) -> Path | None:
        if not name or not all(c in "0123456789abcdef" for c in name) or len(name) != 32:
            return None
        path = self.folder / (f"{name}.t.jpg" if thumb else f"{name}.jpg")
        return path if path.is_file() else None

    def remove(self, name: str) -> None:
        for suffix in (".jpg", ".t.jpg"):
            try:
                (self.folder / f"{name}{suffix}").unlink()
            except FileNotFoundError:
                pass
