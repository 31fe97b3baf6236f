"""Synthetic Chinese plates in street-like scenes, for evaluating the reader.

Plates are drawn to GA 36-2018 proportions (blue and yellow 440x140 mm with 7 characters,
green new-energy 480x140 mm with 8) with the WenQuanYi Zen Hei font from Debian's
fonts-wqy-zenhei, placed on a car-like scene and degraded on request. Everything is drawn
from one numpy Generator, so a seed gives the same set every time.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from models.errors import ModelError
from models.plates.validate import DIGITS, LETTERS, PROVINCES, SERIAL

FONT_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
)
# Letters and digits: a condensed bold grotesque is closer to the plate type than Zen Hei
# (Debian fonts-dejavu-extra); without it Zen Hei draws them too and accuracy drops.
LATIN_FONT_PATHS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"),)
PX_PER_MM = 2
BOLDEN = 0.04
# The last four are harder (issue 17): motion blur along the car's travel, heavy JPEG from a
# cheap camera's stream, rain streaks with washed-out contrast, night (dark, noisy, small).
# New conditions go at the end so a seed keeps giving the same plates for the earlier ones.
CONDITIONS = ("clear", "perspective", "blur", "noise", "low_light", "small",
              "motion", "jpeg", "rain", "night", "real_car")
# "real_car": the plate on a real car's rear (opencv-doc's licenseplate_motion.jpg, the only
# car photo in that Debian package), over the photo's own plate, at a random size and light.
CAR_PHOTO = Path("/usr/share/doc/opencv-doc/examples/data/licenseplate_motion.jpg")
CAR_PLATE_BOX = (228, 228, 352, 292)
COLOURS = ("blue", "yellow", "green")


@dataclass(frozen=True)
class SynthPlate:
    text: str
    colour: str
    condition: str
    image: np.ndarray  # BGR scene
    box: tuple[int, int, int, int]  # plate's bounding box in the scene


@lru_cache(maxsize=4)
def _font(size: int, latin: bool = False) -> ImageFont.FreeTypeFont:
    for path in (LATIN_FONT_PATHS + FONT_PATHS) if latin else FONT_PATHS:
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    raise ModelError("fonts-wqy-zenhei is not installed (apt-get install fonts-wqy-zenhei)")


@lru_cache(maxsize=256)
def _glyph(ch: str, w: int, h: int) -> np.ndarray:
    """The character stretched into its w x h cell, as plates use condensed type (mask 0..255)."""
    font = _font(160, latin=ch.isascii())
    canvas = Image.new("L", (220, 220), 0)
    ImageDraw.Draw(canvas).text((20, 10), ch, font=font, fill=255)
    arr = np.array(canvas)
    ys, xs = np.nonzero(arr > 40)
    if len(xs) == 0:
        return np.zeros((h, w), np.uint8)
    tight = arr[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    # Plate type is bolder than the font: thicken strokes to about a fifth of the cell width.
    k = max(1, int(tight.shape[1] * (BOLDEN if not ch.isascii() else 0.0)))
    tight = cv2.dilate(tight, np.ones((k, k), np.uint8))
    if ch == "1":
        # The plate 1 is a plain upright stroke with a short flag; fonts add a foot.
        out = np.zeros((h, w), np.uint8)
        sw = max(2, int(w * 0.24))
        x0 = (w - sw) // 2 + w // 10
        out[:, x0: x0 + sw] = 255
        cv2.fillConvexPoly(out, np.array([[x0, 0], [x0, h // 7], [x0 - w // 4, h // 5],
                                          [x0 - w // 4, h // 10]], np.int32), 255)
        return out
    return cv2.resize(tight, (w, h), interpolation=cv2.INTER_AREA)


def random_plate_text(rng: np.random.Generator, colour: str) -> str:
    def pick(alphabet: str, n: int = 1) -> str:
        return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), n))

    head = pick(PROVINCES) + pick(LETTERS)
    if colour == "green":
        return head + pick("DF") + pick(SERIAL) + pick(DIGITS, 4)
    # Most real serials are digits with at most two letters.
    serial = list(pick(DIGITS, 5))
    for pos in rng.choice(5, size=int(rng.integers(0, 3)), replace=False):
        serial[pos] = pick(LETTERS)
    return head + "".join(serial)


# GA 36-2018 layout, in mm: (plate width, character width, spacing between characters,
# spacing between the 2nd and 3rd character, which holds the separator dot). Characters are
# 90 mm tall on a 140 mm plate; the row of characters is centred on the plate and the dot
# (10 mm across) is centred in the wide gap.
#   blue/yellow small-car plate: 440 x 140, characters 45 x 90, spacing 12, gap 34
#     (7 x 45 + 5 x 12 + 34 = 409 mm of type, 15.5 mm either side)
#   green new-energy plate: 480 x 140, characters 43 x 90, spacing 9, gap 49
#     (8 x 43 + 6 x 9 + 49 = 447 mm of type, 16.5 mm either side)
LAYOUT_MM = {
    "blue": (440, 45, 12, 34),
    "yellow": (440, 45, 12, 34),
    "green": (480, 43, 9, 49),
}
PLATE_HEIGHT_MM, CHAR_HEIGHT_MM, DOT_DIAMETER_MM = 140, 90, 10


def char_cells_mm(colour: str, n: int) -> tuple[list[tuple[float, float]], float]:
    """(left, right) of each character cell and the dot's centre, in mm from the left edge."""
    width, cw, space, gap = LAYOUT_MM[colour]
    row = n * cw + (n - 2) * space + gap
    x = (width - row) / 2
    cells, dot = [], 0.0
    for i in range(n):
        cells.append((x, x + cw))
        x += cw
        if i == 1:
            dot = x + gap / 2
            x += gap
        else:
            x += space
    return cells, dot


def render_plate(text: str, colour: str) -> np.ndarray:
    """A flat, front-on plate image (BGR) at PX_PER_MM."""
    s = PX_PER_MM
    if colour not in LAYOUT_MM:
        raise ValueError(colour)
    width = LAYOUT_MM[colour][0]
    W, H = int(width * s), int(PLATE_HEIGHT_MM * s)
    if colour == "blue":
        bg, fg = np.array([170, 70, 10], np.float32), np.array([250, 250, 250], np.float32)
        plate = np.tile(bg, (H, W, 1))
    elif colour == "yellow":
        bg, fg = np.array([10, 190, 245], np.float32), np.array([15, 15, 15], np.float32)
        plate = np.tile(bg, (H, W, 1))
    else:  # green: fades from near-white at the top to green at the bottom
        top, bottom = np.array([240, 248, 235], np.float32), np.array([90, 200, 60], np.float32)
        t = np.linspace(0, 1, H, dtype=np.float32)[:, None, None]
        plate = np.broadcast_to(top * (1 - t) + bottom * t, (H, W, 3)).copy()
        fg = np.array([15, 15, 15], np.float32)
    # Rim: a thin line in the text colour, as on real plates.
    cv2.rectangle(plate, (3 * s, 3 * s), (W - 3 * s, H - 3 * s), fg.tolist(), 2 * s)
    cells, dot = char_cells_mm(colour, len(text))
    if len(text) > 2:
        cv2.circle(plate, (round(dot * s), H // 2), round(DOT_DIAMETER_MM / 2 * s), fg.tolist(), -1)
    top_mm = (PLATE_HEIGHT_MM - CHAR_HEIGHT_MM) / 2
    for ch, (left, right) in zip(text, cells):
        x0, x1 = round(left * s), round(right * s)
        mask = _glyph(ch, x1 - x0, CHAR_HEIGHT_MM * s).astype(np.float32)[..., None] / 255.0
        ys = round(top_mm * s)
        region = plate[ys: ys + mask.shape[0], x0: x1]
        region[:] = region * (1 - mask) + fg * mask
    return np.clip(plate, 0, 255).astype(np.uint8)


def _scene(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A road, a car body and a bumper: enough context for the plate detector."""
    img = np.zeros((h, w, 3), np.float32)
    img[:] = rng.uniform(70, 140)
    img += np.linspace(-20, 20, h, dtype=np.float32)[:, None, None]
    body = rng.uniform(30, 220, 3)
    cx, cy = w // 2 + int(rng.integers(-w // 8, w // 8)), int(h * rng.uniform(0.55, 0.65))
    bw, bh = int(w * rng.uniform(0.55, 0.75)), int(h * rng.uniform(0.45, 0.6))
    cv2.rectangle(img, (cx - bw // 2, cy - bh // 2), (cx + bw // 2, cy + bh // 2), body.tolist(), -1)
    cv2.rectangle(img, (cx - bw // 2 + 10, cy - bh // 2 + 10), (cx + bw // 2 - 10, cy - bh // 8),
                  (body * 0.4).tolist(), -1)  # windscreen
    for side in (-1, 1):  # lamps
        lx = cx + side * int(bw * 0.38)
        cv2.rectangle(img, (lx - 30, cy - 5), (lx + 30, cy + 20), (40, 40, 200), -1)
    img += rng.normal(0, 4, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), (cx, cy + bh // 4)


@lru_cache(maxsize=1)
def _car_photo() -> np.ndarray:
    car = cv2.imread(str(CAR_PHOTO))
    if car is None:
        raise ModelError("opencv-doc is not installed (apt-get install opencv-doc)")
    return car


def _on_real_car(rng: np.random.Generator, text: str, colour: str,
                 scene_size: tuple[int, int]) -> SynthPlate:
    car = _car_photo().copy()
    x1, y1, x2, y2 = CAR_PLATE_BOX
    flat = render_plate(text, colour)
    # At the plate's own aspect, centred on the photo's plate (which is taller: European).
    ph = round((x2 - x1) * flat.shape[0] / flat.shape[1])
    y1 = (y1 + y2 - ph) // 2
    y2 = y1 + ph
    car[y1:y2, x1:x2] = cv2.resize(flat, (x2 - x1, ph), interpolation=cv2.INTER_AREA)
    k = float(rng.uniform(0.8, 1.3))
    car = cv2.resize(car, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    W, H = scene_size
    ox = int(rng.integers(-max(1, car.shape[1] - W) // 2 - 1, 1)) if car.shape[1] > W else 0
    oy = int(rng.integers(-max(1, car.shape[0] - H) // 2 - 1, 1)) if car.shape[0] > H else 0
    scene = np.full((H, W, 3), 100, np.uint8)
    sx0, sy0 = max(0, -ox), max(0, -oy)
    h, w = min(H, car.shape[0] - sy0), min(W, car.shape[1] - sx0)
    scene[:h, :w] = car[sy0: sy0 + h, sx0: sx0 + w]
    img = scene.astype(np.float32) * rng.uniform(0.6, 1.2) + rng.normal(0, 4, scene.shape)
    box = (int(x1 * k) - sx0, int(y1 * k) - sy0, int(x2 * k) - sx0, int(y2 * k) - sy0)
    return SynthPlate(text, colour, "real_car", np.clip(img, 0, 255).astype(np.uint8), box)


def make_sample(rng: np.random.Generator, colour: str, condition: str,
                scene_size: tuple[int, int] = (640, 480), text: str | None = None) -> SynthPlate:
    text = text or random_plate_text(rng, colour)
    if condition == "real_car":
        return _on_real_car(rng, text, colour, scene_size)
    flat = render_plate(text, colour)
    scene, (px, py) = _scene(rng, *scene_size)
    ph, pw = flat.shape[:2]
    target_w = rng.uniform(60, 90) if condition in ("small", "night") else rng.uniform(130, 190)
    k = target_w / pw
    tw, th = target_w, ph * k
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    dst = np.float32([[px - tw / 2, py - th / 2], [px + tw / 2, py - th / 2],
                      [px + tw / 2, py + th / 2], [px - tw / 2, py + th / 2]])
    jitter = 0.15 if condition == "perspective" else 0.02
    dst += rng.uniform(-jitter, jitter, dst.shape).astype(np.float32) * np.float32([tw, th])
    if condition == "perspective":  # a camera looking down and from the side
        dy = rng.uniform(-0.12, 0.12) * tw
        dst[[1, 2], 1] += dy
    mat = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(flat, mat, scene_size, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), mat, scene_size)
    scene = np.where(mask[..., None] > 127, warped, scene)
    img = scene.astype(np.float32)
    if condition == "blur":
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(1.2, 2.0))
    elif condition == "noise":
        img += rng.normal(0, rng.uniform(12, 20), img.shape).astype(np.float32)
    elif condition == "low_light":
        img = 255.0 * (img / 255.0) ** 1.8 * rng.uniform(0.35, 0.5)
        img += rng.normal(0, 3, img.shape).astype(np.float32)
    elif condition == "motion":
        n = int(rng.integers(5, 10))
        kernel = np.zeros((n, n), np.float32)
        kernel[n // 2, :] = 1.0 / n
        rot = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), float(rng.uniform(-30, 30)), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (n, n))
        img = cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))
    elif condition == "jpeg":
        quality = int(rng.integers(12, 25))
        ok, buf = cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8),
                               [cv2.IMWRITE_JPEG_QUALITY, quality])
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR).astype(np.float32)
    elif condition == "rain":
        img = img * 0.7 + 60.0  # wet glass and haze: less contrast
        for _ in range(int(rng.integers(150, 300))):
            x, y = int(rng.integers(0, scene_size[0])), int(rng.integers(0, scene_size[1]))
            length = int(rng.integers(8, 25))
            cv2.line(img, (x, y), (x + length // 5, y + length), (200, 200, 200), 1)
        img = cv2.GaussianBlur(img, (0, 0), 0.8)
    elif condition == "night":
        img = 255.0 * (img / 255.0) ** 2.0 * rng.uniform(0.3, 0.45)
        img += rng.normal(0, rng.uniform(6, 10), img.shape).astype(np.float32)
    x1, y1 = dst.min(axis=0)
    x2, y2 = dst.max(axis=0)
    return SynthPlate(text, colour, condition, np.clip(img, 0, 255).astype(np.uint8),
                      (int(x1), int(y1), int(x2), int(y2)))


def make_set(seed: int = 2018, per_cell: int = 20, conditions=CONDITIONS, colours=COLOURS):
    """per_cell samples for each (colour, condition), in a fixed order."""
    rng = np.random.default_rng(seed)
    return [make_sample(rng, colour, condition)
            for condition in conditions for colour in colours for _ in range(per_cell)]
