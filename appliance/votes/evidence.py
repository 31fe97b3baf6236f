"""Scans of signed paper ballots and written proxies: the original sealed, a clean copy shown.

A vote is litigated, so the photo of the signed paper is kept exactly as it arrived: its sha256 is
its file name and goes into the ledger entry, and the hash chain (printed daily on the notice) pins
it. Re-encoding at intake would make the kept file something nobody photographed, and the
photo's own EXIF (taken-at time, device) can matter in a dispute. But the same EXIF may carry the
GPS position of whoever took it, the phone's serial number and a thumbnail, none of which a
volunteer or the street office needs to read the ballot. So:

- the original stays under ``votes/evidence/<sha256>.<ext>``, byte for byte, never served to the
  ordinary viewers; only an admin can download it (for a court or a dispute), each download audited,
  and the bytes are re-hashed first, so a changed file is refused instead of handed out as evidence;
- everyone who looks at a scan on the staff pages gets a copy re-encoded from the pixels alone
  (orientation applied; EXIF, GPS, XMP, ICC, comments dropped), made once under
  ``votes/evidence/view/`` and deletable at any time, since it can be made again from the original.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

from appliance.errors import Conflict, NotFound, ValidationError

logger = logging.getLogger(__name__)

MAX_SCAN_BYTES = 8 * 1024 * 1024
SUFFIX = {"JPEG": "jpg", "PNG": "png"}


class EvidenceStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    # --- intake -----------------------------------------------------------------------------
    def keep(self, data: bytes | None, required: bool) -> str:
        """Keep an uploaded scan as it is; returns its file name (``<sha256>.jpg|png``) or ""."""
        if not data:
            if required:
                raise ValidationError("Add a photo or scan of the signed paper.", field="scan")
            return ""
        if len(data) > MAX_SCAN_BYTES:
            raise ValidationError("The file is too large (at most %(mb)s MB).", field="scan", mb=MAX_SCAN_BYTES >> 20)
        kind = _picture_kind(data)
        digest = hashlib.sha256(data).hexdigest()
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{digest}.{SUFFIX[kind]}"
        if not path.exists():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(path)
        return path.name

    # --- reading ----------------------------------------------------------------------------
    def _stored(self, name: str) -> Path:
        name = Path(name or "x").name
        stem, _dot, suffix = name.partition(".")
        if len(stem) != 64 or suffix not in SUFFIX.values() or not all(c in "0123456789abcdef" for c in stem):
            raise NotFound("No such scan.")
        path = self.folder / name
        if not path.is_file():
            raise NotFound("No such scan.")
        return path

    def original(self, name: str) -> Path:
        """The sealed original, after checking it still hashes to its name."""
        path = self._stored(name)
        if hashlib.sha256(path.read_bytes()).hexdigest() != path.name.split(".")[0]:
            logger.error("Ballot scan %s no longer matches its hash", path.name)
            raise Conflict("This scan was changed after it was taken in: it no longer matches its fingerprint.")
        return path

    def viewing_copy(self, name: str) -> Path:
        """A copy without any metadata, made on first view from the original."""
        original = self._stored(name)
        view = self.folder / "view" / original.name
        if view.is_file():
            return view
        view.parent.mkdir(parents=True, exist_ok=True)
        tmp = view.with_suffix(".part")
        tmp.write_bytes(clean_copy(original.read_bytes()))
        tmp.replace(view)
        return view


def _picture_kind(data: bytes) -> str:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            kind = img.format
            img.verify()
    except Image.DecompressionBombError:  # not an OSError: a huge picture in a small file
        raise ValidationError("The scan must be a JPEG or PNG picture.", field="scan") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError("The scan must be a JPEG or PNG picture.", field="scan") from None
    if kind not in SUFFIX:
        raise ValidationError("The scan must be a JPEG or PNG picture.", field="scan")
    return kind


def clean_copy(data: bytes) -> bytes:
    """The picture's pixels, upright, in the same format, with no metadata at all. Full size:
    a signature and small handwriting must stay readable."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as img:
        kind = img.format
        upright = ImageOps.exif_transpose(img)
        upright.load()
    if kind == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    # A fresh image: Pillow's encoders carry comment/ICC/XMP/EXIF over from ``info``.
    pixels = Image.new(upright.mode, upright.size)
    if upright.mode == "P":
        pixels.putpalette(upright.getpalette())
    pixels.paste(upright)
    out = io.BytesIO()
    if kind == "JPEG":
        pixels.save(out, "JPEG", quality=92)
    else:
        pixels.save(out, "PNG", optimize=False)
    return out.getvalue()
