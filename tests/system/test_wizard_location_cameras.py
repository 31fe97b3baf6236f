"""The wizard's lamp-clock location step and its camera search: through the Flask client and
in a headless Chromium on a phone-sized screen. Cameras answer ONVIF discovery over real UDP
(the ``onvif_cameras`` fixture); sunrise and sunset come from astral on the box."""

from __future__ import annotations

import datetime
import re
import tomllib

from appliance.db.models import SetupStep
from appliance.system.onvif_sim import SimCamera
from tests.system.conftest import PARK
from tests.system.test_wizard_pages import code_session


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def sun_of(html: str) -> tuple[int, int]:
    rise = re.search(r'data-sunrise="(\d\d:\d\d)"', html).group(1)
    set_ = re.search(r'data-sunset="(\d\d:\d\d)"', html).group(1)
    return minutes(rise), minutes(set_)


def test_location_preview_shows_the_places_sunrise_and_sunset(client, services):
    token = code_session(client, services)
    fuzhou = client.post("/setup/location/preview", data={"city": "福州", "csrf_token": token})
    html = fuzhou.get_data(as_text=True)
    assert fuzhou.status_code == 200 and "福州" in html and "日出" in html and "日落" in html
    rise, set_ = sun_of(html)
    assert 5 * 60 <= rise <= 7 * 60 and 17 * 60 <= set_ <= 19 * 60 + 30  # any day of the year
    # Ürümqi keeps Beijing time 31.7° further west: its noon (halfway from sunrise to sunset)
    # comes about 2 h 7 min later, whatever the day.
    west = sun_of(client.post("/setup/location/preview", data={"city": "乌鲁木齐", "csrf_token": token})
                  .get_data(as_text=True))
    assert 120 <= (sum(west) - rise - set_) / 2 <= 134
    typed = client.post("/setup/location/preview", data={"city": "", "latitude": "26,08", "longitude": "119.30",
                                                         "csrf_token": token})
    assert typed.status_code == 200 and sun_of(typed.get_data(as_text=True)) == (rise, set_)


def test_location_garbage_names_the_field_and_writes_nothing(client, services, linli_home):
    token = code_session(client, services)
    config_file = linli_home / "config.toml"
    before = config_file.read_bytes() if config_file.exists() else None
    for form, field, words in (({"latitude": "abc", "longitude": "119.3"}, "latitude", "纬度"),
                               ({"latitude": "91", "longitude": "119.3"}, "latitude", "-90 到 90"),
                               ({"latitude": "nan", "longitude": "119.3"}, "latitude", "纬度"),
                               ({"latitude": "26", "longitude": "1e400"}, "longitude", "经度"),
                               ({"latitude": "26", "longitude": ""}, "longitude", "经度"),
                               ({"latitude": "", "longitude": ""}, "city", "城市"),
                               ({"city": "Atlantis"}, "city", "列表")):
        for url in ("/setup/location", "/setup/location/preview"):
            response = client.post(url, data={**form, "csrf_token": token})
            html = response.get_data(as_text=True)
            assert response.status_code == 400 and f'data-field="{field}"' in html and words in html, (form, url)
    assert (config_file.read_bytes() if config_file.exists() else None) == before
    assert SetupStep.get_or_none(SetupStep.step == "location") is None
    assert services.devices.schedule.location.latitude == 26.08


def test_location_saved_moves_the_lamp_clock_and_can_be_revisited(client, services, linli_home):
    token = code_session(client, services)
    winter = services.devices.schedule.sun(datetime.date(2026, 12, 21))
    assert client.post("/setup/location/skip", data={"csrf_token": token}).headers["Location"].endswith("/setup/admin")
    assert SetupStep.get(SetupStep.step == "location").status == "skipped"
    page = client.get("/setup/location").get_data(as_text=True)
    assert '<option value="福州" selected>' in page and 'id="sun-times"' in page  # the default place, shown

    saved = client.post("/setup/location", data={"city": "青岛", "latitude": "1", "longitude": "2",
                                                 "csrf_token": token})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/setup/admin")
    settings = tomllib.loads((linli_home / "config.toml").read_text(encoding="utf-8"))
    assert settings["devices"] == {"latitude": 36.07, "longitude": 120.38}
    assert (services.config.devices.latitude, services.config.devices.longitude) == (36.07, 120.38)
    # The running lamp clock follows at once: Qingdao's winter sunset is earlier than Fuzhou's.
    qingdao = services.devices.schedule.sun(datetime.date(2026, 12, 21))
    assert qingdao[1] < winter[1] and qingdao[0] > winter[0]
    assert SetupStep.get(SetupStep.step == "location").data == {"city": "青岛", "latitude": 36.07,
                                                                "longitude": 120.38}
    again = client.get("/setup/location").get_data(as_text=True)
    assert '<option value="青岛" selected>' in again and "青岛" in again

    typed = client.post("/setup/location", data={"city": "", "latitude": " 24.5 ", "longitude": "118.1",
                                                 "csrf_token": token})
    assert typed.status_code == 302
    assert tomllib.loads((linli_home / "config.toml").read_text(encoding="utf-8"))["devices"] == {
        "latitude": 24.5, "longitude": 118.1}
    assert 'value="24.5"' in client.get("/setup/location").get_data(as_text=True)


def test_camera_search_lists_found_cameras_and_fills_the_address(client, services, wizard_finds):
    token = code_session(client, services)
    wizard_finds.cameras.append(PARK)
    found = client.post("/setup/camera/find", data={"csrf_token": token})
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and 'data-count="2"' in html
    assert "192.168.1.64" in html and "HIKVISION DS-2CD2T47" in html and "192.168.1.108" in html
    assert "http://192.168.1.64/onvif/device_service" in html and "用户名和密码" in html
    assert all(p["types"] == ["dn:NetworkVideoTransmitter"] for p in wizard_finds.history)

    filled = client.post("/setup/camera/fill", data={"host": "192.168.1.64", "maker": "hikvision",
                                                     "camera_user": "admin", "camera_password": "a:b@1",
                                                     "csrf_token": token})
    assert filled.status_code == 200
    assert 'value="rtsp://admin:a%3Ab%401@192.168.1.64:554/Streaming/Channels/101"' in filled.get_data(as_text=True)
    unknown = client.post("/setup/camera/fill", data={"host": "192.168.1.70", "maker": "acme", "csrf_token": token})
    html = unknown.get_data(as_text=True)
    assert 'value="rtsp://192.168.1.70:554/"' in html and "每个品牌不一样" in html  # no made-up path
    bad = client.post("/setup/camera/fill", data={"host": "x/../y", "source": "rtsp://kept", "csrf_token": token})
    assert bad.status_code == 400 and 'data-field="source"' in bad.get_data(as_text=True)
    assert 'value="rtsp://kept"' in bad.get_data(as_text=True)


def test_the_camera_itself_gives_its_address_once_the_login_is_right(client, services, wizard_finds,
                                                                       onvif_service):
    token = code_session(client, services)
    wizard_finds.cameras[:] = [SimCamera("c0ffee00-0000-4000-8000-000000000001", "127.0.0.1", "HIKVISION DS-2CD2T47",
                                         xaddr=onvif_service.url)]
    html = client.post("/setup/camera/find", data={"csrf_token": token}).get_data(as_text=True)
    assert onvif_service.url in html
    form = {"host": "127.0.0.1", "maker": "hikvision", "xaddr": onvif_service.url, "camera_user": "admin",
            "csrf_token": token}
    refused = client.post("/setup/camera/fill", data={**form, "camera_password": "12345", "source": ""})
    assert refused.status_code == 400 and "不接受这个用户名和密码" in refused.get_data(as_text=True)
    filled = client.post("/setup/camera/fill", data={**form, "camera_password": "Hik12345"})
    html = filled.get_data(as_text=True)
    assert filled.status_code == 200 and 'data-from="camera"' in html
    assert ('value="rtsp://admin:Hik12345@127.0.0.1:554/Streaming/Channels/101?transportmode=unicast&amp;'
            'profile=Profile_1"') in html
    # A service address on another host than the camera picked is never asked.
    calls = len(onvif_service.history)
    other = client.post("/setup/camera/fill", data={**form, "host": "192.168.1.64", "camera_password": "Hik12345"})
    assert other.status_code == 200 and 'data-from="camera"' not in other.get_data(as_text=True)
    assert len(onvif_service.history) == calls


def test_camera_search_with_no_camera_or_only_garbage_says_so(client, services, wizard_finds):
    token = code_session(client, services)
    wizard_finds.cameras.clear()
    wizard_finds.extra_replies = [b"<not-soap/>", b"\xff\xfe garbage"]
    response = client.post("/setup/camera/find", data={"csrf_token": token})
    assert response.status_code == 200 and "没有找到摄像头" in response.get_data(as_text=True)
    wizard_finds.cameras.append(SimCamera("a1", "192.168.1.70", "", "", types="pr:Printer"))
    assert "没有找到摄像头" in client.post("/setup/camera/find", data={"csrf_token": token}).get_data(as_text=True)


def test_location_and_camera_search_in_a_phone_browser(phone_page, live_server, services, users, linli_home,
                                                      wizard_finds, onvif_service):
    page = phone_page
    page.goto(f"{live_server}/setup")
    page.fill("input[name=code]", services.system.wizard.ensure_code())
    page.click("text=继续")
    page.goto(f"{live_server}/setup/location")
    page.select_option("select[name=city]", "青岛")
    page.wait_for_selector("#sun-times:has-text('青岛')")
    assert re.search(r"日出 \d\d:\d\d，日落 \d\d:\d\d", page.inner_text("#sun-times"))
    page.select_option("select[name=city]", "")
    page.fill("input[name=latitude]", "北纬36度")
    page.wait_for_selector("#sun-box [data-field=latitude]")
    page.fill("input[name=latitude]", "36.07")
    page.fill("input[name=longitude]", "120.38")
    page.wait_for_selector("#sun-times:has-text('这个位置')")
    page.click("#save")
    page.wait_for_url(re.compile(r".*/setup/admin$"))
    settings = tomllib.loads((linli_home / "config.toml").read_text(encoding="utf-8"))
    assert settings["devices"] == {"latitude": 36.07, "longitude": 120.38}

    wizard_finds.cameras.append(SimCamera("c0ffee00-0000-4000-8000-000000000001", "127.0.0.1", "HIKVISION DS-2CD2T47",
                                          xaddr=onvif_service.url))
    page.goto(f"{live_server}/setup/camera")
    assert not page.is_visible("#find-progress")
    page.click("#find-cameras")
    page.wait_for_selector("#find-progress", state="visible", timeout=1000)  # the search takes ~1.5 s here
    page.wait_for_selector(".found-cameras li[data-host='192.168.1.64']")
    assert not page.is_visible("#find-progress")
    assert "HIKVISION DS-2CD2T47" in page.inner_text(".found-cameras")
    page.fill("input[name=camera_user]", "admin")
    page.fill("input[name=camera_password]", "Hik12345")
    page.click(".found-cameras li[data-host='192.168.1.64'] .use-camera")  # nothing answers there: the usual path
    page.wait_for_selector("#filled-note")
    assert page.input_value("input[name=source]") == "rtsp://admin:Hik12345@192.168.1.64:554/Streaming/Channels/101"
    page.fill("input[name=camera_password]", "wrong")
    page.click(".found-cameras li[data-host='127.0.0.1'] .use-camera")
    page.wait_for_selector("#source-field [data-field=source]:has-text('不接受')")
    page.fill("input[name=camera_password]", "Hik12345")
    page.click(".found-cameras li[data-host='127.0.0.1'] .use-camera")
    page.wait_for_selector("#filled-note[data-from=camera]")
    source = "rtsp://admin:Hik12345@127.0.0.1:554/Streaming/Channels/101?transportmode=unicast&profile=Profile_1"
    assert page.input_value("input[name=source]") == source
    page.fill("input[name=camera_name]", "东门")
    page.click("#save")
    page.wait_for_url(re.compile(r".*/setup/pairing$"))
    cameras = tomllib.loads((linli_home / "config.toml").read_text(encoding="utf-8"))["firelane"]["cameras"]
    assert cameras == [{"name": "东门", "source": source}]
