"""``linli face compare A B``: similarity and decision with the box's thresholds, exit 2 without a face."""

from __future__ import annotations

import cv2
import numpy as np

from appliance.cli import main
from models.face import dataset


def test_compare_prints_similarity_and_decision(linli_home, capsys):
    pictures = dataset.fetch()
    assert main(["face", "compare", str(pictures / "obama.jpg"), str(pictures / "obama2.jpg")]) == 0
    similarity, decision = capsys.readouterr().out.strip().split("\t")
    assert decision == "same" and 0.955 <= float(similarity) <= 1.0
    assert main(["face", "compare", str(pictures / "obama.jpg"), str(pictures / "biden.jpg")]) == 0
    assert capsys.readouterr().out.strip().split("\t")[1] == "different"


def test_compare_uses_the_thresholds_from_the_box_config(linli_home, capsys):
    pictures = dataset.fetch()
    (linli_home / "config.toml").write_text("[face]\naccept = 0.999\nreject = 0.5\n")
    assert main(["face", "compare", str(pictures / "obama.jpg"), str(pictures / "obama2.jpg")]) == 0
    assert capsys.readouterr().out.strip().split("\t")[1] == "unknown"


def test_exit_2_when_a_picture_has_no_face(linli_home, tmp_path, capsys):
    pictures = dataset.fetch()
    empty = tmp_path / "wall.jpg"
    cv2.imwrite(str(empty), np.full((300, 400, 3), 200, np.uint8))
    assert main(["face", "compare", str(pictures / "obama.jpg"), str(empty)]) == 2
    assert capsys.readouterr().out == ""


def test_selfcheck_reports_the_face_subsystem(services):
    report = services.health.report()["subsystems"]["face"]
    assert report["ok"] and "已登记 0 位住户" in report["detail"]  # Chinese by default
