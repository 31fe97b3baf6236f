"""Text messages sent to the box: stored on the SIM by the (simulated) dongle, listed with
AT+CMGL in PDU mode, joined when long, and deleted once read."""

from __future__ import annotations

import pytest

from hardware.modem.errors import PduError
from hardware.modem.deliver import decode_deliver, encode_deliver


@pytest.mark.parametrize("text", ["1", "是 5", "2*3", "没修好，楼道灯还是不亮" * 6, "fixed, thanks " * 20])
def test_deliver_pdus_round_trip(text):
    pdus = encode_deliver("+8613800138000", text, reference=9)
    decoded = [decode_deliver(p) for p in pdus]
    assert {d.sender for d in decoded} == {"+8613800138000"}
    assert "".join(d.text for d in decoded) == text
    assert [d.part for d in decoded] == list(range(1, len(pdus) + 1))


@pytest.mark.parametrize("garbage", ["", "zz", "00", "0004", "0001000B"])
def test_unreadable_pdu_is_an_error(garbage):
    with pytest.raises(PduError):
        decode_deliver(garbage)


def test_received_messages_are_read_joined_and_deleted(modem, sim_modem):
    sim_modem.receive_sms("+8613800138000", "是 5")
    sim_modem.receive_sms("13900139000", "修好了，谢谢物业的师傅们！" * 8)  # two parts
    got = modem.received_sms()
    assert [(m.sender, m.text) for m in got] == [("+8613800138000", "是 5"),
                                                 ("13900139000", "修好了，谢谢物业的师傅们！" * 8)]
    assert sim_modem.inbox == {} and sorted(sim_modem.deleted) == [1, 2, 3]
    assert modem.received_sms() == []


def test_a_part_still_missing_waits_on_the_sim(modem, sim_modem):
    indexes = sim_modem.receive_sms("13900139000", "二" * 100)
    last = sim_modem.inbox.pop(indexes[-1])  # the network has not delivered part 2 yet
    assert modem.received_sms() == []
    sim_modem.inbox[indexes[-1]] = last
    (msg,) = modem.received_sms()
    assert msg.text == "二" * 100 and sim_modem.inbox == {}


def test_an_unreadable_stored_message_is_deleted_not_stuck(modem, sim_modem):
    sim_modem.inbox[7] = ["0004", False]
    sim_modem.receive_sms("13800138000", "2")
    assert [m.text for m in modem.received_sms()] == ["2"]
    assert 7 in sim_modem.deleted and sim_modem.inbox == {}


def test_a_part_that_never_arrives_is_given_up_and_the_rest_delivered(modem, sim_modem):
    import time
    modem.partial_sms_timeout = 0.3
    indexes = sim_modem.receive_sms("13900139000", "1 5 " + "谢谢师傅" * 30)
    del sim_modem.inbox[indexes[-1]]  # the network lost part 2 for good
    assert modem.received_sms() == []  # still waiting
    assert set(sim_modem.inbox) == set(indexes[:-1])
    time.sleep(0.4)
    (msg,) = modem.received_sms()
    assert msg.incomplete and msg.text.startswith("1 5 谢谢师傅") and msg.text.endswith("…")
    assert sim_modem.inbox == {} and set(indexes[:-1]) <= set(sim_modem.deleted)
    assert modem.received_sms() == []


def test_a_late_part_within_the_wait_makes_a_whole_message(modem, sim_modem):
    modem.partial_sms_timeout = 3600
    indexes = sim_modem.receive_sms("13900139000", "二" * 100)
    last = sim_modem.inbox.pop(indexes[-1])
    assert modem.received_sms() == []
    sim_modem.inbox[indexes[-1]] = last
    (msg,) = modem.received_sms()
    assert not msg.incomplete and msg.text == "二" * 100
    assert modem._partial_sms == {}
