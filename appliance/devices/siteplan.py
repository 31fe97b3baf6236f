"""The site plan (小区平面图): one picture staff upload, and where each lamp and sensor sits
on it (0..1 of its width and height, the same coordinates work orders use)."""

from __future__ import annotations

import io
import logging
import math
from pathlib import Path

from appliance.db.models import Device
from appliance.errors import NotFound, ValidationError

logger = logging.getLogger(__name__)

MAX_BYTES = 8 << 20
MAX_SIDE = 2400
FILE = "plan.jpg"


class SitePlan:
    def __init__(self, db, audit, folder: Path):
        self.db, self.audit, self.folder = db, audit, Path(folder)

    @property
    def path(self) -> Path:
        return self.folder / FILE

    def exists(self) -> bool:
        return self.path.is_file()

    def size(self) -> tuple[int, int]:
        from PIL import Image

        with Image.open(self.path) as img:
            return img.size

    def upload(self, data: bytes | None, actor: str) -> tuple[int, int]:
        """Re-encoded on the box (metadata dropped, at most MAX_SIDE px); returns its size."""
        if not data:
            raise ValidationError("Choose a picture of the site plan.", field="plan")
        if len(data) > MAX_BYTES:
            raise ValidationError("The file is too large (at most %(mb)s MB).", field="plan", mb=MAX_BYTES >> 20)
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as img:
                img = img.convert("RGB")
                img.thumbnail((MAX_SIDE, MAX_SIDE))
                out = io.BytesIO()
                img.save(out, "JPEG", quality=88)
                size = img.size
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise ValidationError("The site plan must be a JPEG or PNG picture.", field="plan") from None
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_bytes(out.getvalue())
        tmp.replace(self.path)  # all or nothing: the old plan stays until the new one is whole
        self.audit.record(actor, "update", "siteplan", "", {"name": f"{size[0]}×{size[1]}"})
        return size

    def place(self, name: str, x, y, actor: str) -> Device:
        device = Device.get_or_none(Device.name == str(name)[:200])
        if device is None:
            raise NotFound("No such device: %(name)s", name=str(name)[:60])
        values = {}
        for field, value in (("x", x), ("y", y)):
            try:
                number = float(str(value)[:30])
            except ValueError:
                raise ValidationError("Not a number: %(value)s", field=field, value=str(value)[:20]) from None
            if not math.isfinite(number) or not 0.0 <= number <= 1.0:
                raise ValidationError("Must be between %(lo)s and %(hi)s.", field=field, lo=0, hi=1)
            values[field] = round(number, 4)
        with self.db.atomic():
            Device.update(plan_x=values["x"], plan_y=values["y"]).where(Device.id == device.id).execute()
            self.audit.record(actor, "place", "device", device.id, {"name": device.name})
        return Device.get_by_id(device.id)
