"""The kiosk camera named in [face] kiosk_camera is opened by the runtime for face entry."""

from __future__ import annotations

import cv2
import numpy as np

from appliance.config import load_config
from appliance.runtime import build_runtime


def write_frames(folder, n=3):
    folder.mkdir()
    for i in range(n):
        image = np.full((120, 160, 3), 40 * i, np.uint8)
        cv2.imwrite(str(folder / f"{i:03d}.png"), image)
    return folder


def test_configured_kiosk_camera_feeds_face_entry_and_is_closed(linli_home, tmp_path):
    folder = write_frames(tmp_path / "kiosk")
    (linli_home / "config.toml").write_text(f'[face]\nkiosk_camera = "file:{folder}"\n', encoding="utf-8")
    rt = build_runtime(load_config(linli_home), immediate_tasks=True)
    try:
        camera = rt.services.face.camera
        frame = camera.read(timeout=2)
        assert frame is not None and frame.image.shape == (120, 160, 3)
        health = rt.services.health.report()["subsystems"]["face entry"]
        assert health["ok"] and health["detail"].startswith("已开启")
    finally:
        rt.close()
    assert camera.health()["state"] == "closed"


def test_a_missing_kiosk_camera_only_hides_face_entry(linli_home, tmp_path):
    (linli_home / "config.toml").write_text(f'[face]\nkiosk_camera = "file:{tmp_path / "nothing"}"\n',
                                            encoding="utf-8")
    rt = build_runtime(load_config(linli_home), immediate_tasks=True)
    try:
        assert rt.services.face.camera is None
        detail = rt.services.health.report()["subsystems"]["face entry"]["detail"]
        assert "没有摄像头" in detail
    finally:
        rt.close()
