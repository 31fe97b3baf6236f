"""The demo's fire lane: a replay camera whose frames are made at init, and a zone over the lane.

The frames are the campus road of opencv-doc's vtest.avi with a real car's rear (opencv-doc's
licenseplate_motion.jpg) carrying a demo resident's plate: it drives in, parks in the fire
lane for two minutes, drives off, and the road stays empty for a while; the replay loops.
Nothing is downloaded: without opencv-doc (Debian package) the demo has no camera.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import cv2
import numpy as np

from appliance.db.models import FireZone, Vehicle
from models.plates.synth import render_plate

logger = logging.getLogger(__name__)

DATA = Path("/usr/share/doc/opencv-doc/examples/data")
CAMERA = "east-gate"
ZONE_NAME = "东侧消防通道"
LANE = [[200, 470], [700, 470], [700, 575], [200, 575]]
FPS = 2


def street() -> np.ndarray | None:
    """The first frame of vtest.avi (768x576); a van and a car are parked top right."""
    cap = cv2.VideoCapture(str(DATA / "vtest.avi"))
    ok, frame = cap.read()
    cap.release()
    return frame if ok else None


def car_with_plate(plate: str, colour: str = "blue") -> np.ndarray | None:
    """A real car's rear carrying a Chinese plate, at half size."""
    car = cv2.imread(str(DATA / "licenseplate_motion.jpg"))
    if car is None:
        return None
    x1, y1, x2, y2 = 228, 228, 352, 292  # the photo's own plate
    car[y1:y2, x1:x2] = cv2.resize(render_plate(plate, colour), (x2 - x1, y2 - y1),
                                   interpolation=cv2.INTER_AREA)
    return cv2.resize(car, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def compose(background: np.ndarray, car: np.ndarray, x: int | None) -> np.ndarray:
    """The street with the car's left edge at x on the lane (None: no car)."""
    frame = background.copy()
    if x is not None:
        h, w = car.shape[:2]
        x0, x1 = max(0, x), min(frame.shape[1], x + w)
        if x1 > x0:
            frame[576 - 10 - h:576 - 10, x0:x1] = car[:, x0 - x:x1 - x]
    return frame


def scenario(park_s: int = 120, empty_s: int = 40, fps: int = FPS) -> list[int | None]:
    """The car's x per frame: drives in, parks in the lane, drives off, road empty."""
    xs: list[int | None] = [round(-100 + 420 * i / (8 * fps)) for i in range(8 * fps + 1)]
    xs += [320] * (park_s * fps)
    xs += [320 + round(600 * (i + 1) / (5 * fps)) for i in range(5 * fps)]
    xs += [None] * (empty_s * fps)
    return xs


def write_replay(folder: Path, plate: str, xs: list[int | None]) -> int:
    """One JPEG per frame in ``folder``; repeated pictures are hard links (no extra space)."""
    background, car = street(), car_with_plate(plate)
    if background is None or car is None:
        raise FileNotFoundError("opencv-doc sample pictures are missing (apt-get install opencv-doc)")
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[int | None, Path] = {}
    for i, x in enumerate(xs):
        path = folder / f"{i:05d}.jpg"
        if path.exists():
            path.unlink()
        if x in made:
            os.link(made[x], path)
        else:
            cv2.imwrite(str(path), compose(background, car, x), [cv2.IMWRITE_JPEG_QUALITY, 90])
            made[x] = path
    return len(xs)


def demo_plate() -> str | None:
    """A demo resident's ordinary (7-character, blue) plate whose owner has a phone."""
    for vehicle in Vehicle.select().order_by(Vehicle.id):
        if len(vehicle.plate) == 7 and vehicle.resident.phone and vehicle.resident.move_out is None:
            return vehicle.plate
    return None


DUTY_NAME, DUTY_PHONE = "志愿者 小王", "13900000000"


def create_demo_lane(home: Path, firelane) -> str:
    """Make the replay and the zone; returns the config.toml lines for the camera ('' if none).
    The demo volunteer is on duty, so the ladder has someone to text."""
    if not firelane.settings.duty()[1]:
        firelane.settings.set_duty(DUTY_NAME, DUTY_PHONE, "demo")
    plate = demo_plate()
    if plate is None:
        return ""
    folder = Path(home) / "replays" / CAMERA
    try:
        frames = write_replay(folder, plate, scenario())
    except FileNotFoundError as exc:
        logger.warning("demo fire lane left out: %s", exc)
        return ""
    if not FireZone.select().where(FireZone.camera == CAMERA, FireZone.name == ZONE_NAME).exists():
        firelane.zones.save({"name": ZONE_NAME, "camera": CAMERA, "polygon": LANE, "dwell_s": 30,
                            "inertia": 2}, "demo")
    logger.info("demo fire lane: %s frames of %s parking in %s", frames, plate, ZONE_NAME)
    return (f'\n[[firelane.cameras]]\nname = "{CAMERA}"\nsource = {json.dumps(f"file:{folder}")}\n'
            f"fps = {FPS}\n")
