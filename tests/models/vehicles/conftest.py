from pathlib import Path

import cv2
import pytest

from models.manifest import model_path
from models.vehicles.detect import VehicleDetector, load_interpreter

# Street photos and a street video from Debian's opencv-doc package.
OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")


def opencv_sample(name):
    path = OPENCV_DATA / name
    if not path.is_file():
        pytest.fail(f"{path} missing: apt-get install opencv-doc")
    return path


def video_frame(name, index):
    cap = cv2.VideoCapture(str(opencv_sample(name)))
    cap.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, frame = cap.read()
    cap.release()
    assert ok, f"cannot read frame {index} of {name}"
    return frame


@pytest.fixture(name="opencv_sample", scope="session")
def opencv_sample_fixture():
    return opencv_sample


@pytest.fixture(scope="session")
def street_photos():
    photos = {
        name: cv2.imread(str(opencv_sample(name)))
        for name in ("licenseplate_motion.jpg", "building.jpg", "leuvenA.jpg", "graf1.png")
    }
    for index in (0, 200, 400, 600):
        photos[f"vtest.avi#{index}"] = video_frame("vtest.avi", index)
    return photos


@pytest.fixture(scope="session")
def int8_detector():
    return VehicleDetector(load_interpreter(model_path("vehicles.nanodet_int8")))


@pytest.fixture(scope="session")
def fp32_detector():
    return VehicleDetector(load_interpreter(model_path("vehicles.nanodet_fp32")))
