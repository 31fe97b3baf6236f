"""Report photos: only JPEG/PNG, capped, bombs refused before decoding, metadata stripped,
resized and small enough for the SD card."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from appliance.errors import ValidationError
from appliance.participation.photos import PhotoRules, PhotoStore, clean

RULES = PhotoRules()


def jpeg(width=4000, height=3000, exif=None) -> bytes:
    # Smooth blobs with fine grain: compresses like a phone photo (a few MB at 12 MP).
    img = Image.merge("RGB", [Image.effect_noise((max(1, width // 16), max(1, height // 16)), 80 + 20 * i)
                              .resize((width, height), Image.Resampling.BICUBIC) for i in range(3)])
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def segments(data: bytes) -> set[int]:
    """JPEG marker kinds before the image data."""
    kinds, i = set(), 2
    while data[i] == 0xFF and data[i + 1] != 0xDA:
        kinds.add(data[i + 1])
        i += 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
    return kinds


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    gps = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}
    exif[0x8825] = gps
    return exif.tobytes()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (a decompression bomb)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # One compressed stream of zeros: kilobytes on the wire, gigabytes when decoded.
    idat = zlib.compress(b"\0" * (1 << 20), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_phone_jpeg_is_resized_small_and_stripped_of_gps_and_exif():
    data = jpeg(4000, 3000, exif=gps_exif())
    assert b"PhoneMaker" in data
    photo = clean(data, RULES)
    assert max(photo.width, photo.height) <= 1600
    assert len(photo.jpeg) <= 300 * 1024
    # Orientation 6 was applied before the EXIF went: the landscape shot is stored upright (portrait).
    assert (photo.width, photo.height) == (1200, 1600)
    stored = Image.open(io.BytesIO(photo.jpeg))
    assert stored.format == "JPEG"
    assert not stored.getexif() and "exif" not in stored.info
    assert not stored.getexif().get_ifd(0x8825)
    assert b"PhoneMaker" not in photo.jpeg and 0xE1 not in segments(photo.jpeg)
    assert max(Image.open(io.BytesIO(photo.thumb)).size) <= 320


def test_huge_exif_is_not_copied():
    exif = Image.Exif()
    exif[0x010E] = "x" * 60000  # ImageDescription, ~60 KB of metadata
    photo = clean(jpeg(800, 600, exif=exif.tobytes()), RULES)
    assert b"xxxxxxxxxxxxxxxx" not in photo.jpeg
    assert segments(photo.jpeg) <= {0xE0, 0xDB, 0xC0, 0xC4}  # JFIF, tables, frame: no APP1 (EXIF/XMP), no APP2 (ICC)


def test_png_with_transparency_becomes_a_jpeg():
    img = Image.new("RGBA", (500, 300), (0, 0, 0, 0))
    out = io.BytesIO()
    img.save(out, "PNG", pnginfo=None)
    photo = clean(out.getvalue(), RULES)
    stored = Image.open(io.BytesIO(photo.jpeg))
    assert stored.format == "JPEG" and stored.size == (500, 300)
    assert stored.getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"%PDF-1.7 not a picture" * 10, "not a JPEG or PNG"),
    (b"GIF89a" + b"\0" * 100, "not a JPEG or PNG"),
    (b"<script>alert(1)</script>", "not a JPEG or PNG"),
])
def test_non_images_are_refused_with_a_clear_message(data, words):
    with pytest.raises(ValidationError) as err:
        clean(data, RULES)
    assert err.value.field == "photo"
    assert words in err.value.msgid


def test_truncated_jpeg_is_refused():
    data = jpeg(1200, 900)
    with pytest.raises(ValidationError) as err:
        clean(data[: len(data) // 3], RULES)
    assert "damaged" in err.value.msgid


def test_20000_by_20000_png_is_refused_before_decoding(monkeypatch):
    bomb = png_header_only(20000, 20000)
    assert len(bomb) < 10_000
    loaded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: loaded.append(1))
    with pytest.raises(ValidationError) as err:
        clean(bomb, RULES)
    assert "too many pixels" in err.value.msgid
    assert loaded == []  # not a pixel was decoded


def test_upload_size_cap():
    with pytest.raises(ValidationError) as err:
        clean(b"\xff\xd8\xff" + b"\0" * (RULES.max_bytes + 1), RULES)
    assert "too large" in err.value.msgid


def test_store_writes_photo_and_thumbnail_and_nothing_when_refused(tmp_path):
    store = PhotoStore(tmp_path / "photos", RULES)
    name, photo = store.put(jpeg(2000, 1500, exif=gps_exif()))
    assert store.path(name).read_bytes() == photo.jpeg
    assert store.path(name, thumb=True).read_bytes() == photo.thumb
    assert store.path("../../etc/passwd") is None
    with pytest.raises(ValidationError):
        store.put(b"not a picture")
    assert sorted(p.name for p in (tmp_path / "photos").iterdir()) == sorted([f"{name}.jpg", f"{name}.t.jpg"])
    store.remove(name)
    assert store.path(name) is None
