"""The fire lane through the real runtime: a replay camera in config.toml, the watch thread,
motion gating, the notice thread, the modem driver and a simulated dongle on a pty."""
from appliance.firelane.setup import FireLaneFeature
import time

import pytest

from appliance.i18n import gettext

from appliance.config import load_config
from appliance.db.models import FireIncident, FireNotice, OutboxEntry
from appliance.firelane import demo
from appliance.runtime import build_runtime
from tests.ringing import ring_without_waiting

pytestmark = pytest.mark.slow  # replays a camera through the real models for seconds


OWNER_PHONE = "13800138000"


def wait_until(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def register_owner(services):
    b = services.registry.save_building({"name": "3号楼"}, "test")
    u = services.registry.save_unit({"building_id": b.id, "number": "2单元301"}, "test")
    r = services.registry.save_resident({"name": "王伟", "phone": OWNER_PHONE, "unit_id": u.id}, "test")
    services.registry.add_vehicle(r.id, "京A12345", "test")
    return r


def park_in_the_lane(fl):
    """An incident for the owner's car, as the watch opens it."""
    import numpy as np

    from models.plates.vote import BestRead

    zone = fl.zones.save({"name": "东侧消防通道", "camera": "cam", "polygon": demo.LANE}, "test")
    return fl.incidents.open(zone, "cam", 1, "car", fl.clock(), frame=np.zeros((60, 80, 3), np.uint8),
                            box=(1, 1, 20, 20), plate=BestRead("京A12345", 0.9, 5, True, exact=5, confirmed=5))


@pytest.fixture
def box(tmp_path):
    if demo.street() is None:
        pytest.fail("opencv-doc is not installed (scripts/system-packages.sh)")
    home = tmp_path / "box"
    home.mkdir()
    frames = tmp_path / "lane"
    # Drives in, parks 60 s (camera time), drives off, empty road; served as fast as read.
    demo.write_replay(frames, "京A12345", demo.scenario(park_s=60, empty_s=20))
    (home / "config.toml").write_text(f"""
[firelane]
motion_check_every_s = 10.0

[[firelane.cameras]]
name = "gate-cam"
source = "file:{frames}"
fps = 2
realtime = false
loop = false
start_ts = 0.0
""", encoding="utf-8")
    config = load_config(home)
    assert not config.safe_mode, config.problems
    runtime = build_runtime(config, immediate_tasks=True, hardware=True)
    yield runtime
    runtime.close()


def test_replay_camera_to_sms_on_the_simulated_modem_and_back_to_a_closed_incident(box):
    s = box.services
    r = register_owner(s)
    fl = s.firelane
    fl.settings.save({"t2_min": 10, "t3_min": 30, "owner_call": "0"}, "test")
    fl.zones.save({"name": "东侧消防通道", "camera": "gate-cam", "polygon": demo.LANE,
                  "dwell_s": 30, "inertia": 2}, "test")

    box.start_background()
    sim = box.feature(FireLaneFeature).simulated_modem
    assert wait_until(lambda: FireIncident.select().where(FireIncident.status == "closed").exists()
                      and sim.sent, timeout=120), (
        list(FireIncident.select().dicts()), s.health.report())

    (inc,) = FireIncident.select()
    assert inc.plate == "京A12345" and inc.owner_id == r.id
    # Opened once the dwell (30 s of camera time) had passed; the replay runs faster than real
    # time, so the rest of the stay is shorter on the wall clock.
    assert inc.duration_s >= 30 and inc.closed_at >= inc.opened_at
    # The dongle got one SMS: the PDU decoded back to the owner's number and the notice.
    (sms,) = sim.sent
    assert sms.number == "+86" + OWNER_PHONE
    assert "京A12345" in sms.text and "东侧消防通道" in sms.text
    assert "第二十八条" in sms.text and "第六十条" in sms.text and "可" in sms.text
    assert sms.parts >= 2  # Chinese in UCS-2: a long notice goes as a concatenated SMS
    # The notice thread reads the dongle's delivery report back onto the notice.
    assert wait_until(lambda: [n.status for n in FireNotice.select()] == ["delivered"], timeout=10)
    events = [e.payload["type"] for e in OutboxEntry.select().where(
        OutboxEntry.kind == "firelane.event").order_by(OutboxEntry.seq)]
    assert events[0] == "new" and events[-1] == "end"

    assert wait_until(lambda: "ended" in s.health.report()["subsystems"]["camera gate-cam"]["technical"])
    assert "正常" in s.health.report()["subsystems"]["camera gate-cam"]["detail"]
    report = s.health.report()["subsystems"]
    assert report["camera gate-cam"]["ok"], report["camera gate-cam"]
    assert report["modem"]["ok"] and "simulated modem" in report["modem"]["technical"]
    assert "信号" in report["modem"]["detail"]
    gate = box.feature(FireLaneFeature).camera_watches[0].gate
    assert gate.stats.skipped > gate.stats.frames / 2  # still frames were not detected


def test_safe_mode_starts_no_camera(tmp_path):
    home = tmp_path / "box"
    home.mkdir()
    (home / "config.toml").write_text('[[firelane.cameras]]\nname = "x"\nsource = "ftp://nope"\n',
                                      encoding="utf-8")
    config = load_config(home)
    assert config.safe_mode
    runtime = build_runtime(config, immediate_tasks=True, hardware=True)
    try:
        runtime.start_background()
        assert runtime.feature(FireLaneFeature).camera_watches == []
        assert runtime.services.health.report()["subsystems"]["cameras"]["detail"] == gettext("off: the settings file has errors (safe mode)")
    finally:
        runtime.close()


@pytest.mark.parametrize("answer", ["answer", "no answer"])
def test_owner_is_phoned_through_the_modem_and_texted_when_nobody_answers(runtime, answer):
    register_owner(runtime.services)
    fl = runtime.services.firelane
    ring_without_waiting(fl.notifier)
    sim = runtime.feature(FireLaneFeature).simulated_modem
    sim.call_answer = answer
    inc = park_in_the_lane(fl)
    (call,) = sim.calls
    assert call.number == "+86" + OWNER_PHONE
    if answer == "answer":
        assert call.spoken and "第二十八条" in call.spoken[0]  # spoken (AT+QTTS) into the call
        assert sim.sent == []
        assert fl.delivery.state(inc) == {"sms_owner": "called"}
    else:
        assert call.spoken == []
        (sms,) = sim.sent  # nobody answered: the same notice by SMS
        assert "京A12345" in sms.text
        assert fl.delivery.state(inc) == {"sms_owner": "sent"}
        assert "no answer" in FireNotice.get().error


@pytest.mark.parametrize("network", ["delivered", "failed"])
def test_the_dongle_delivery_report_reaches_the_notice(runtime, network):
    from appliance.firelane.reports import apply_reports

    register_owner(runtime.services)
    fl = runtime.services.firelane
    fl.settings.save({"owner_call": "0"}, "test")
    runtime.feature(FireLaneFeature).simulated_modem.delivery = network  # what the network will say about the SMS
    park_in_the_lane(fl)
    notice = FireNotice.get(FireNotice.channel == "sms_owner")
    assert notice.status == "sent" and notice.ref  # the +CMGS references of the parts
    assert len(notice.ref.split(",")) == runtime.feature(FireLaneFeature).simulated_modem.sent[0].parts
    expected = "delivered" if network == "delivered" else "undelivered"
    assert wait_until(lambda: apply_reports(fl.db, fl.clock, fl.notifier.reports()) >= 0
                      and FireNotice.get_by_id(notice.id).status == expected, timeout=10)
