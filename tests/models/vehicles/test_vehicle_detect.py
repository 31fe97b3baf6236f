import shutil

import cv2
import numpy as np
import pytest

from models.errors import ModelError, ModelFileError
from models.manifest import load_manifest, model_path
from models.vehicles.detect import VEHICLE_CLASSES, detect
from models.vehicles.geometry import iou


def test_int8_finds_the_same_vehicles_as_fp32_on_street_photos(street_photos, fp32_detector,
                                                              int8_detector):
    # Dynamic-range int8 must keep the reference boxes (IoU >= 0.9, same label) and add none.
    low = 0.25  # search the int8 side below the threshold so borderline scores still pair
    checked = 0
    for name, photo in street_photos.items():
        ref = [d for d in fp32_detector.detect(photo) if d.score >= 0.35]
        int8_detector.min_score = low
        try:
            got = int8_detector.detect(photo)
        finally:
            int8_detector.min_score = 0.35
        for r in ref:
            best = max(got, key=lambda g: iou(g.box, r.box), default=None)
            assert best is not None, f"{name}: int8 lost {r}"
            assert iou(best.box, r.box) >= 0.9, f"{name}: {best} vs {r}"
            assert best.label == r.label
            assert abs(best.score - r.score) < 0.05
            checked += 1
        strong = [g for g in got if g.score >= 0.45]
        for g in strong:
            fp32_detector.min_score = low
            try:
                assert any(iou(g.box, r.box) >= 0.9 for r in fp32_detector.detect(photo)), name
            finally:
                fp32_detector.min_score = 0.35
    assert checked >= 4  # the photos do hold vehicles; an empty comparison proves nothing


def test_int8_vehicle_scores_stay_close_to_fp32(street_photos, fp32_detector, int8_detector):
    vehicle = sorted(VEHICLE_CLASSES)
    worst = 0.0
    for photo in street_photos.values():
        for (_, c32, _), (_, c8, _) in zip(fp32_detector.raw(photo), int8_detector.raw(photo)):
            worst = max(worst, float(np.abs(c32[:, vehicle] - c8[:, vehicle]).max()))
    assert worst < 0.05


def test_parked_van_and_car_in_the_street_video(street_photos, int8_detector):
    found = detect(street_photos["vtest.avi#0"], int8_detector)
    # The white van and the car parked top right of the campus road.
    parked = [d for d in found if d.box[0] > 600 and d.box[3] < 130]
    assert len(parked) >= 2
    assert {d.label for d in parked} <= {"car", "truck", "bus"}


def test_car_filling_the_frame_is_one_car(street_photos, int8_detector):
    photo = street_photos["licenseplate_motion.jpg"]
    int8_detector.min_score = 0.25
    try:
        found = int8_detector.detect(photo)
    finally:
        int8_detector.min_score = 0.35
    h, w = photo.shape[:2]
    assert [d.label for d in found] == ["car"]
    assert iou(found[0].box, (0, 0, w - 1, h - 1)) > 0.6


@pytest.mark.parametrize("name", ["fruits.jpg", "board.jpg", "messi5.jpg", "baboon.jpg"])
def test_no_vehicle_in_photos_without_one(name, int8_detector, opencv_sample):
    assert detect(cv2.imread(str(opencv_sample(name))), int8_detector) == []


def test_tampered_model_file_is_refused(tmp_path):
    manifest = load_manifest()
    entry = manifest["models"]["vehicles.nanodet_int8"]
    original = model_path("vehicles.nanodet_int8")
    copy = tmp_path / "nanodet_int8.tflite"
    shutil.copy(original, copy)
    with open(copy, "r+b") as f:
        f.seek(4096)
        f.write(b"\x00" * 16)
    from models import manifest as manifest_module
    manifest_module_dir = manifest_module.MODELS_DIR
    try:
        manifest_module.MODELS_DIR = tmp_path.parent
        entry["files"]["file"]["path"] = f"{tmp_path.name}/nanodet_int8.tflite"
        with pytest.raises(ModelFileError):
            model_path("vehicles.nanodet_int8", manifest=manifest)
    finally:
        manifest_module.MODELS_DIR = manifest_module_dir


def test_grey_image_is_refused_with_a_model_error(int8_detector):
    with pytest.raises(ModelError):
        int8_detector.detect(np.zeros((10, 10), np.uint8))
