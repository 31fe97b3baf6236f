"""The wizard's gate wiring and camera steps against the simulated gate (gpiozero MockFactory
pins behind the real Gate class) and a camera replaying real pictures from a folder: through
the Flask client, and in a headless Chromium on a phone-sized screen."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

from appliance.db.models import SetupStep
from tests.conftest import csrf_token
from tests.system.test_wizard_pages import code_session

SCENES = Path(__file__).resolve().parent.parent / "models" / "plates" / "scenes"


def camera_folder(tmp_path) -> Path:
    folder = tmp_path / "cam"
    folder.mkdir()
    for i, picture in enumerate(sorted(SCENES.glob("*.jpg"))[:3]):
        shutil.copy(picture, folder / f"{i:03d}.jpg")
    return folder


def test_gate_step_needs_the_relay_click_and_records_what_was_seen(client, services):
    token = code_session(client, services)
    gate = services.access.gate
    html = client.get("/setup/gate").get_data(as_text=True)
    assert 'id="relay-click"' in html and 'data-count="0"' in html

    refused = client.post("/setup/gate", data={"csrf_token": token})
    assert refused.status_code == 400 and 'data-field="relay"' in refused.get_data(as_text=True)
    assert SetupStep.get_or_none(SetupStep.step == "gate") is None

    clicked = client.post("/setup/gate/click", data={"csrf_token": token}).get_data(as_text=True)
    assert gate.relay_energised and 'data-on="yes"' in clicked
    assert any(k == "opened" and d.get("source") == "setup test" for _t, k, d in gate.history)

    services.access.simulate("exit", "test")
    services.access.simulate("fire_on", "test")
    live = client.get("/setup/gate/state").get_data(as_text=True)
    assert 'id="t-exit" data-count="1"' in live and 'id="t-fire" data-on="yes"' in live
    services.access.simulate("fire_off", "test")
    gate.reset_fire()
    assert 'id="t-fire" data-on="no"' in client.get("/setup/gate/state").get_data(as_text=True)

    assert client.post("/setup/gate", data={"csrf_token": token}).status_code == 302
    step = SetupStep.get(SetupStep.step == "gate")
    assert step.status == "done" and step.data == {"relay_clicked": True, "exit_seen": True, "fire_seen": True}


def test_camera_step_shows_a_picture_and_saves_the_source(client, services, tmp_path, linli_home):
    token = code_session(client, services)
    folder = camera_folder(tmp_path)
    shown = client.post("/setup/camera/snapshot", data={"source": f"file:{folder}", "csrf_token": token})
    assert shown.status_code == 200 and 'src="data:image/jpeg;base64,/9j/' in shown.get_data(as_text=True)

    for bad, words in (("ftp://cam", "rtsp://"), ("", "摄像头"), (f"file:{tmp_path / 'nothing'}", "没有")):
        refused = client.post("/setup/camera/snapshot", data={"source": bad, "csrf_token": token})
        assert refused.status_code == 400 and words in refused.get_data(as_text=True), bad

    bad = client.post("/setup/camera", data={"camera_name": "东门", "source": "ftp://x", "csrf_token": token})
    config_file = linli_home / "config.toml"
    assert bad.status_code == 400 and (not config_file.exists() or "firelane" not in config_file.read_text("utf-8"))
    ok = client.post("/setup/camera", data={"camera_name": "东门", "source": f"file:{folder}", "csrf_token": token})
    assert ok.status_code == 302
    again = client.post("/setup/camera", data={"camera_name": "东门", "source": f"file:{folder}/",
                                               "csrf_token": token})
    assert again.status_code == 302  # same name: replaced, not added twice
    saved = tomllib.loads((linli_home / "config.toml").read_text(encoding="utf-8"))
    assert saved["firelane"]["cameras"] == [{"name": "东门", "source": f"file:{folder}/"}]


def test_gate_and_camera_steps_in_a_phone_browser(phone_page, live_server, services, users, tmp_path, linli_home):
    page = phone_page
    page.goto(f"{live_server}/setup")
    page.fill("input[name=code]", services.system.wizard.ensure_code())
    page.click("text=继续")
    page.goto(f"{live_server}/setup/gate")

    page.click("#relay-click")
    page.wait_for_selector("#t-relay[data-on=yes]")
    # The installer presses the exit button at the gate: the page shows it without a reload.
    services.access.simulate("exit", "test")
    page.wait_for_selector("#t-exit[data-count='1']", timeout=5000)
    services.access.simulate("fire_on", "test")
    page.wait_for_selector("#t-fire[data-on=yes]", timeout=5000)
    services.access.simulate("fire_off", "test")
    services.access.gate.reset_fire()
    page.wait_for_selector("#t-fire[data-on=no]", timeout=5000)
    page.click("#save")
    page.wait_for_url(re.compile(r".*/setup/camera$"))

    page.fill("input[name=camera_name]", "东门")
    page.fill("input[name=source]", "rtsp://")  # half typed: the picture button says what is wrong
    page.click("#snapshot")
    page.wait_for_selector("#snapshot-box [data-field=source]")
    page.fill("input[name=source]", f"file:{camera_folder(tmp_path)}")
    page.click("#snapshot")
    page.wait_for_selector("#snapshot-img", timeout=15000)
    assert page.eval_on_selector("#snapshot-img", "img => img.naturalWidth") > 100
    page.click("#save")
    page.wait_for_url(re.compile(r".*/setup/pairing$"))

    done = {s["step"]: s["status"] for s in services.system.wizard.steps()}
    assert done["gate"] == "done" and done["camera"] == "done"
    saved = tomllib.loads((linli_home / "config.toml").read_text(encoding="utf-8"))
    assert saved["firelane"]["cameras"][0]["name"] == "东门"
