"""Wiegand card readers on two GPIO lines: frames decoded, noise dropped, cards let in."""

from __future__ import annotations

from appliance.access.setup import AccessFeature

import time

from gpiozero.pins.mock import MockFactory

from hardware.simulation import send_wiegand
from hardware.wiegand import WiegandReader, decode, encode26

FACILITY, NUMBER = 123, 45678  # printed on the card as "123,45678"
CARD = f"{(FACILITY << 16) | NUMBER:08d}"


def test_a_26_bit_frame_is_the_card_number_readers_print_and_bad_parity_is_refused():
    bits = encode26((FACILITY << 16) | NUMBER)
    assert len(bits) == 26 and decode(bits).card == CARD == "08106606"
    flipped = bits[:5] + ("0" if bits[5] == "1" else "1") + bits[6:]
    assert decode(flipped).card is None and decode(flipped).why == "bad parity"
    assert decode("1" * 7).card is None  # a burst of noise


def test_a_34_bit_frame_gives_the_ten_digit_number():
    value = 0xDEADBEEF
    body = f"{value:032b}"
    bits = ("1" if body[:16].count("1") % 2 else "0") + body + ("0" if body[16:].count("1") % 2 else "1")
    assert decode(bits).card == f"{value:010d}"


def test_the_reader_hands_over_a_frame_after_the_gap_and_drops_noise():
    cards = []
    factory = MockFactory()
    with WiegandReader(5, 6, cards.append, frame_gap_s=0.02, pin_factory=factory) as reader:
        send_wiegand(reader, "10110")  # noise on the cable
        time.sleep(0.1)
        send_wiegand(reader, encode26((FACILITY << 16) | NUMBER))
        deadline = time.monotonic() + 2
        while not cards and time.monotonic() < deadline:
            time.sleep(0.01)
        assert cards == [CARD]
        assert [f.card for f in reader.history] == [None, CARD]
    factory.close()


def test_a_card_at_a_wiegand_reader_opens_the_gate_for_its_resident(linli_home):
    from appliance.config import load_config
    from appliance.db.models import AccessEvent
    from appliance.runtime import build_runtime

    (linli_home / "config.toml").write_text("[gate]\nwiegand_d0_pin = 5\nwiegand_d1_pin = 6\n")
    runtime = build_runtime(load_config(linli_home), immediate_tasks=True, hardware=True)
    try:
        services = runtime.services
        reg = services.registry
        b = reg.save_building({"name": "1号楼"}, "test")
        u = reg.save_unit({"building_id": b.id, "number": "1单元101"}, "test")
        r = reg.save_resident({"name": "王五", "unit_id": u.id, "move_in": "2020-01-01"}, "test")
        services.credentials.add_card(r.id, CARD, "test")
        send_wiegand(runtime.feature(AccessFeature).wiegand, encode26((FACILITY << 16) | NUMBER))
        time.sleep(0.2)  # the frame gap
        send_wiegand(runtime.feature(AccessFeature).wiegand, encode26(999))  # a card nobody enrolled
        deadline = time.monotonic() + 3
        while services.access.log.pending() + AccessEvent.select().count() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        services.access.log.flush()
        events = list(AccessEvent.select().order_by(AccessEvent.id))
        assert [(e.method, e.granted, e.source) for e in events] == [("card", True, "wiegand"),
                                                                     ("card", False, "wiegand")]
        assert events[0].resident_id == r.id
        assert runtime.services.access.gate.events().count("opened") == 1  # the unknown card did not open it
    finally:
        runtime.close()


def test_a_wiegand_pin_already_used_by_the_gate_is_a_config_problem(linli_home):
    from appliance.config import load_config

    (linli_home / "config.toml").write_text("[gate]\nrelay_pin = 26\nwiegand_d0_pin = 26\nwiegand_d1_pin = 6\n")
    config = load_config(linli_home)
    assert config.safe_mode and any("gate.wiegand_d0_pin" in p and "26" in p for p in config.problems)
    (linli_home / "config.toml").write_text("[gate]\nwiegand_d0_pin = 5\n")
    assert any("wiegand_d1_pin" in p for p in load_config(linli_home).problems)


def test_a_wiegand_reader_that_cannot_start_shows_up_in_health(linli_home, monkeypatch):
    import hardware.wiegand
    from appliance.config import load_config
    from appliance.runtime import build_runtime
    from hardware.errors import HardwareError

    def broken(*args, **kwargs):
        raise HardwareError("Wiegand reader pins 5/6: the line is busy")

    monkeypatch.setattr(hardware.wiegand, "WiegandReader", broken)
    (linli_home / "config.toml").write_text("[gate]\nwiegand_d0_pin = 5\nwiegand_d1_pin = 6\n")
    runtime = build_runtime(load_config(linli_home), immediate_tasks=True, hardware=True)
    try:
        gate = runtime.services.health.report()["subsystems"]["gate"]
        assert not gate["ok"] and "读卡器没有启动" in gate["detail"] and "busy" in gate["technical"]
    finally:
        runtime.close()
