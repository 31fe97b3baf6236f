import cv2
import numpy as np

from appliance.cli import main
from models.plates.synth import make_sample

BUILDING = "/usr/share/doc/opencv-doc/examples/data/building.jpg"
FRUITS = "/usr/share/doc/opencv-doc/examples/data/fruits.jpg"


def test_plate_read_prints_one_line_per_image(tmp_path, capsys):
    sample = make_sample(np.random.default_rng(4), "blue", "clear")
    path = tmp_path / "car.jpg"
    cv2.imwrite(str(path), sample.image)
    assert main(["plate", "read", str(path), FRUITS]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t")[:2] == [str(path), sample.text]
    assert 0.5 < float(lines[0].split("\t")[2]) <= 1.0
    assert lines[1] == f"{FRUITS}\t-\t0.00"


def test_plate_read_of_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["plate", "read", str(tmp_path / "none.jpg")]) == 2
    assert "none.jpg" in capsys.readouterr().err


def test_detect_prints_label_score_and_box(capsys):
    assert main(["detect", BUILDING, FRUITS]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1  # the car behind the hedge; nothing in the fruit bowl
    path, label, score, box = lines[0].split("\t")
    assert path == BUILDING and label == "car" and float(score) >= 0.35
    x1, y1, x2, y2 = map(int, box.split(","))
    assert 80 < x1 < x2 < 190 and 480 < y1 < y2 < 530
