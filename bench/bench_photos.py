"""Photo intake of a 12-MP phone JPEG (check, decode, strip, resize, store) on one thread, and
the bytes stored; the peer is the plain way (full-size decode, then resize, then save)."""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from bench._results import record

RUNS = 7


def phone_jpeg() -> bytes:
    # Smooth colour fields with grain, 4000x3000, quality 92 and EXIF with GPS: a phone's output.
    img = Image.merge("RGB", [Image.effect_noise((250, 188), 80 + 20 * i).resize((4000, 3000), Image.Resampling.BICUBIC)
                              for i in range(3)])
    grain = Image.effect_noise((4000, 3000), 12).convert("RGB")
    img = Image.blend(img, grain, 0.15)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def plain(data: bytes) -> bytes:
    img = Image.open(io.BytesIO(data))
    img.load()
    img.thumbnail((1600, 1600), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def main() -> None:
    from appliance.participation.photos import PhotoRules, PhotoStore

    data = phone_jpeg()
    print(f"  input: 4000x3000 JPEG, {len(data) / 1e6:.2f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        store = PhotoStore(Path(tmp), PhotoRules())
        times, stored = [], 0
        for _ in range(RUNS):
            started = time.perf_counter()
            name, photo = store.put(data)
            times.append((time.perf_counter() - started) * 1000)
            stored, thumb = len(photo.jpeg), len(photo.thumb)
        peer = []
        for _ in range(3):
            started = time.perf_counter()
            plain(data)
            peer.append((time.perf_counter() - started) * 1000)
    record("photo_intake_12mp_ms", statistics.median(times), "ms", peer="full decode + resize + save",
           peer_value=statistics.median(peer), goal="<= 1500 on a Pi 4")
    record("photo_stored_bytes_12mp", stored, "bytes", peer="input JPEG", peer_value=len(data),
           goal="<= 307200")
    record("photo_thumb_bytes_12mp", thumb, "bytes", goal="-")


if __name__ == "__main__":
    main()
