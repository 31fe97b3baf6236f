import numpy as np
import pytest

from appliance.db.models import FireIncident, FireNotice, OutboxEntry
from appliance.errors import ValidationError
from appliance.i18n import set_locale
from models.plates.vote import BestRead

from .conftest import DUTY_PHONE, OWNER_PHONE

LANE = [[0, 0], [100, 0], [100, 100], [0, 100]]


@pytest.fixture
def zone(firelane):
    return firelane.zones.save({"name": "北门通道", "camera": "cam1", "polygon": LANE}, "test")


@pytest.fixture
def duty(firelane):
    firelane.settings.save({"t2_min": 10, "t3_min": 30, "duty_name": "小王",
                            "duty_phone": DUTY_PHONE}, "test")


def read(text, conf=0.9, trusted=True):
    """A voted read: trusted = both recognisers and five frames agree on exactly this text."""
    return BestRead(text, conf, 5, True, exact=5 if trusted else 1, confirmed=5 if trusted else 0)


def open_one(firelane, zone, clock, plate="京A12345", track=1, trusted=True):
    return firelane.incidents.open(zone, "cam1", track, "car", clock(),
                                   plate=read(plate, trusted=trusted) if plate else None,
                                  frame=np.zeros((120, 160, 3), np.uint8), box=(10, 10, 60, 60))


def test_ladder_owner_then_volunteer_then_escalation(firelane, zone, clock, notifier, owner, duty):
    inc = open_one(firelane, zone, clock)
    assert [m.number for m in notifier.sent] == [OWNER_PHONE]
    clock.advance(599)
    firelane.tick()
    assert FireIncident.get_by_id(inc.id).stage == "owner"
    clock.advance(1)
    firelane.tick()
    assert FireIncident.get_by_id(inc.id).stage == "volunteer"
    assert [m.number for m in notifier.sent] == [OWNER_PHONE, DUTY_PHONE]
    assert "王伟" in notifier.sent[1].text  # the volunteer learns whose car it is
    assert firelane.incidents.badge_count() == 1
    clock.advance(1200)
    firelane.tick()
    inc = FireIncident.get_by_id(inc.id)
    assert inc.stage == "escalated"
    esc = OutboxEntry.get(OutboxEntry.kind == "firelane.escalation")
    assert esc.payload["plate"] == "京A12345" and esc.payload["registered"]
    assert OWNER_PHONE not in str(esc.payload) and "王伟" not in str(esc.payload)
    # Ticking on sends nothing more.
    for _ in range(5):
        clock.advance(600)
        firelane.tick()
    assert len(notifier.sent) == 2
    assert [n.channel for n in FireNotice.select().order_by(FireNotice.id)] == [
        "sms_owner", "dashboard", "sms_volunteer", "outbox"]


def test_one_incident_per_stay(firelane, zone, clock, notifier, owner):
    assert open_one(firelane, zone, clock) is not None
    clock.advance(30)
    assert open_one(firelane, zone, clock) is None  # same track again
    assert open_one(firelane, zone, clock, track=7) is None  # tracker lost it, same plate
    assert FireIncident.select().count() == 1
    assert len(notifier.sent) == 1
    firelane.incidents.vehicle_left(zone, 1)
    clock.advance(3600)
    assert open_one(firelane, zone, clock, track=9) is not None  # a new stay later is new
    assert FireIncident.select().count() == 2


def test_ocr_slip_goes_to_the_volunteer_with_the_owners_plate_as_candidate(
        firelane, zone, clock, notifier, owner, duty):
    # A confident, consistent read one character off a registered plate (2 read as Z) is
    # not phoned: the same slip could name a neighbour's car. The volunteer checks the car.
    inc = open_one(firelane, zone, clock, plate="京A1Z345")
    assert inc.owner is None and inc.stage == "volunteer"
    assert [m.number for m in notifier.sent] == [DUTY_PHONE]
    assert inc.evidence["candidates"] == ["京A12345"]


def test_untrusted_exact_read_is_not_phoned(firelane, zone, clock, notifier, owner, duty):
    # One frame, one recogniser: even an exact match waits for the volunteer.
    inc = open_one(firelane, zone, clock, plate="京A12345", trusted=False)
    assert inc.owner is None and inc.stage == "volunteer"
    assert [m.number for m in notifier.sent] == [DUTY_PHONE]
    assert inc.evidence["candidates"] == ["京A12345"]


def test_trusted_read_of_a_plate_with_a_registered_neighbour_is_not_phoned(
        firelane, zone, clock, notifier, owner, duty, services):
    services.registry.add_vehicle(owner.id, "京A12346", "test")  # one character from the first
    inc = open_one(firelane, zone, clock, plate="京A12345")
    assert inc.owner is None and inc.stage == "volunteer"
    assert [m.number for m in notifier.sent] == [DUTY_PHONE]
    assert inc.evidence["candidates"] == ["京A12345", "京A12346"]


def test_unreadable_plate_goes_to_the_volunteer_at_once(firelane, zone, clock, notifier, duty):
    inc = open_one(firelane, zone, clock, plate=None)
    assert inc.stage == "volunteer" and inc.plate == ""
    (sms,) = notifier.sent
    assert sms.number == DUTY_PHONE
    assert "车牌无法识别" in sms.text


def test_moved_out_owner_is_not_texted(firelane, zone, clock, notifier, owner, services, duty):
    services.registry.move_out(owner.id, None, "test")
    inc = open_one(firelane, zone, clock)
    assert inc.owner is None and inc.stage == "volunteer"
    assert [m.number for m in notifier.sent] == [DUTY_PHONE]


def test_failed_sms_is_retried_with_backoff_and_the_ladder_goes_on(
        firelane, zone, clock, notifier, owner, duty):
    notifier.fail_next = 2
    inc = open_one(firelane, zone, clock)
    first = FireNotice.get(FireNotice.channel == "sms_owner")
    assert first.status == "failed" and "no network" in first.error
    assert firelane.delivery.state(inc) == {"sms_owner": "retrying"}
    clock.advance(59)
    firelane.tick()
    assert notifier.sent == []  # not before the first back-off
    clock.advance(1)
    firelane.tick()  # second attempt fails too; the third waits longer
    assert notifier.sent == []
    clock.advance(299)
    firelane.tick()
    assert notifier.sent == []
    clock.advance(1)
    firelane.tick()
    assert [m.number for m in notifier.sent] == [OWNER_PHONE]
    attempts = [n.status for n in FireNotice.select().where(FireNotice.channel == "sms_owner")
                .order_by(FireNotice.id)]
    assert attempts == ["failed", "failed", "sent"]
    assert firelane.delivery.state(inc) == {"sms_owner": "sent"}
    # The platform heard of each attempt, without the phone number.
    events = [e.payload for e in OutboxEntry.select().where(OutboxEntry.kind == "firelane.event")
              .order_by(OutboxEntry.seq)]
    assert [e["delivery"].get("sms_owner") for e in events if e["type"] == "update"][-3:] == [
        "retrying", "retrying", "sent"]
    assert OWNER_PHONE not in str(events)
    clock.advance(300)
    firelane.tick()
    assert FireIncident.get_by_id(inc.id).stage == "volunteer"
    assert [m.number for m in notifier.sent] == [OWNER_PHONE, DUTY_PHONE]


def test_retries_stop_when_the_vehicle_leaves_or_after_four_attempts(
        firelane, zone, clock, notifier, owner):
    notifier.fail_next = 100
    inc = open_one(firelane, zone, clock)
    for _ in range(10):
        clock.advance(900)
        firelane.tick()
    owner_notices = FireNotice.select().where(FireNotice.channel == "sms_owner")
    assert [n.status for n in owner_notices] == ["failed"] * 4
    assert firelane.delivery.state(inc) == {"sms_owner": "failed"}

    firelane.incidents.vehicle_left(zone, 1)

    # A new stay whose first SMS fails; the car leaves before the retry is due.
    clock.advance(3600)
    notifier.fail_next = 1
    inc = open_one(firelane, zone, clock, track=3)
    assert firelane.delivery.state(inc) == {"sms_owner": "retrying"}
    firelane.incidents.vehicle_left(zone, 3)
    clock.advance(900)
    firelane.tick()
    assert notifier.sent == []
    assert firelane.delivery.state(inc) == {"sms_owner": "cancelled"}


def test_owner_gets_a_spoken_call_where_the_modem_can(firelane, zone, clock, notifier, owner):
    notifier.voice = True
    inc = open_one(firelane, zone, clock)
    (call,) = notifier.calls
    assert call.number == OWNER_PHONE and "第二十八条" in call.text
    assert notifier.sent == []
    assert [n.channel for n in FireNotice.select()] == ["call_owner"]
    assert firelane.delivery.state(inc) == {"sms_owner": "called"}


def test_events_new_update_end_go_to_the_outbox(firelane, zone, clock, notifier, owner):
    inc = open_one(firelane, zone, clock)
    firelane.incidents.acknowledge(inc.id, "volunteer")
    firelane.incidents.vehicle_left(zone, 1)
    events = [e.payload for e in OutboxEntry.select().where(OutboxEntry.kind == "firelane.event")
              .order_by(OutboxEntry.seq)]
    assert [e["type"] for e in events] == ["new", "update", "update", "end"]
    assert events[0]["uuid"] == events[-1]["uuid"] == str(inc.uuid)
    assert events[1]["delivery"] == {"sms_owner": "sent"} and events[2]["acknowledged"]
    assert events[-1]["status"] == "closed" and events[-1]["closed_at"]


def test_edited_owner_message_is_used(firelane, zone, clock, notifier, owner):
    firelane.settings.save({"t2_min": 10, "t3_min": 30,
                            "owner_sms": "%(plate)s 请挪车，消防法第二十八条、第六十条：可罚款。"}, "test")
    open_one(firelane, zone, clock)
    assert notifier.sent[0].text == "京A12345 请挪车，消防法第二十八条、第六十条：可罚款。"


def test_bad_template_and_timers_are_refused(firelane):
    with pytest.raises(ValidationError):
        firelane.settings.save({"t2_min": 10, "t3_min": 30, "owner_sms": "%(phone)s"}, "test")
    with pytest.raises(ValidationError):
        firelane.settings.save({"t2_min": 30, "t3_min": 10}, "test")


def test_english_locale_gets_the_english_notice(firelane, zone, clock, notifier, owner):
    set_locale("en")
    try:
        open_one(firelane, zone, clock)
    finally:
        set_locale("zh_CN")
    assert "Article 28" in notifier.sent[0].text and "may" in notifier.sent[0].text


def test_zone_needs_a_polygon(firelane):
    with pytest.raises(ValidationError):
        firelane.zones.save({"name": "x", "camera": "cam1", "polygon": "1,1 2,2"}, "test")
    z = firelane.zones.save({"name": "x", "camera": "cam1", "polygon": "1,1 50,1 50,50"}, "test")
    assert z.polygon == [[1, 1], [50, 1], [50, 50]]


def test_a_plate_on_the_district_watch_list_is_reported_first(firelane, zone, clock, notifier, owner):
    from appliance.db.models import PlateWatch

    open_one(firelane, zone, clock, plate="京A12345", track=1)
    assert not OutboxEntry.select().where(OutboxEntry.kind == "firelane.watch_hit").exists()
    firelane.incidents.vehicle_left(zone, 1)
    PlateWatch.create(plate="京A12345", reason="被盗车辆")
    inc = open_one(firelane, zone, clock, plate="京A12345", track=2)
    hit = OutboxEntry.get(OutboxEntry.kind == "firelane.watch_hit")
    assert hit.priority == 1 and hit.payload["plate"] == "京A12345" and hit.payload["incident"] == str(inc.uuid)
    assert hit.payload["reason"] == "被盗车辆"


def test_a_guest_car_in_the_fire_lane_phones_the_resident_who_invited_it(firelane, zone, clock, notifier, owner,
                                                                      services):
    services.parking.service.create_pass("沪B67890", 4, 1, "女儿回家", "resident", resident=owner)
    services.parking.service.decide("entry", "沪B67890")  # it drove in on the pass
    open_one(firelane, zone, clock, plate="沪B67890")
    assert [m.number for m in notifier.sent] == [OWNER_PHONE]
    assert "沪B67890" in notifier.sent[0].text


def test_a_guest_car_read_unsurely_goes_to_the_volunteer_not_the_inviter(firelane, zone, clock, notifier, owner,
                                                                       duty, services):
    services.parking.service.create_pass("沪B67890", 4, 1, "", "resident", resident=owner)
    services.parking.service.decide("entry", "沪B67890")
    open_one(firelane, zone, clock, plate="沪B67890", trusted=False)
    assert OWNER_PHONE not in [m.number for m in notifier.sent]


def test_a_car_that_stays_refreshes_its_latest_picture_once_a_minute_not_every_frame(
        firelane, zone, clock, notifier, tmp_path, duty):
    inc = open_one(firelane, zone, clock, plate="京B99999", trusted=False)
    latest = tmp_path / "evidence" / str(inc.uuid) / "latest.jpg"
    writes = []
    for second in range(0, 300, 2):  # five minutes of frames, two seconds apart
        clock.advance(2)
        frame = np.full((120, 160, 3), second % 250, np.uint8)
        firelane.incidents.seen(zone, 1, frame=frame, box=(10, 10, 60, 60))
        stamp = latest.stat().st_mtime_ns, latest.stat().st_size
        if not writes or writes[-1] != stamp:
            writes.append(stamp)
    assert 4 <= len(writes) <= 6, len(writes)  # the first picture and about one a minute
    stored = FireIncident.get_by_id(inc.id)
    assert (clock() - stored.last_seen_at).total_seconds() < 60
    # A better plate read is not held back for the minute.
    clock.advance(2)
    firelane.incidents.seen(zone, 1, plate=read("京B99999", conf=0.99), plate_crop=np.zeros((20, 60, 3), np.uint8))
    assert FireIncident.get_by_id(inc.id).plate_confidence == pytest.approx(0.99)
