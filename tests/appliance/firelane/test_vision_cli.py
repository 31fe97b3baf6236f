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


def test_a_damaged_model_is_reported_in_words_not_a_traceback(tmp_path, capsys, monkeypatch):
    import models.plates.read
    from models.errors import ModelError

    def broken(*args, **kwargs):
        raise ModelError("plates.detector: truncated file")

    monkeypatch.setattr(models.plates.read.PlateReader, "__init__", broken)
    assert main(["plate", "read", FRUITS]) == 3
    err = capsys.readouterr().err
    assert "识别模型无法使用" in err and "truncated file" in err and "Traceback" not in err


def test_plate_kinds_are_named_in_the_readers_language(capsys, monkeypatch):
    from appliance.i18n import set_locale

    monkeypatch.setenv("LINLI_LANG", "zh_CN")
    assert main(["plate", "check", "粤BD12345"]) == 0
    assert "小型新能源车牌" in capsys.readouterr().out
    monkeypatch.setenv("LINLI_LANG", "en")
    try:
        assert main(["plate", "check", "粤BD12345"]) == 0
        assert "small new-energy plate" in capsys.readouterr().out
    finally:
        set_locale("zh_CN")
