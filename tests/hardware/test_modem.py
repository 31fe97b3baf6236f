"""The real Modem class talking through pyserial to a simulated dongle on a pty."""

import pytest

from hardware.errors import HardwareError
from hardware.modem import CmeError, CmsError, Modem, ModemError, ModemTimeout

NOTICE = (
    "【邻里】您的车辆（粤B12345）停放在消防车通道。根据《中华人民共和国消防法》第二十八条，"
    "不得占用消防车通道；依第六十条，可处警告或五百元以下罚款，并可强制移走车辆。请立即挪车。"
)


def test_init_dialogue_sets_pdu_mode_without_echo(sim_modem, modem):
    assert sim_modem.commands[-5:] == ["ATE0", "AT+CMEE=1", "AT+CMGF=0", "AT+CPIN?", "AT+CNMI=2,1,0,1,0"]
    assert "AT" in sim_modem.commands


def test_chinese_sms_arrives_with_the_right_number_and_text(sim_modem, modem):
    refs = modem.send_sms("13812345678", "您的车辆占用消防通道，请立即挪走。")
    assert len(refs) == 1
    (sms,) = sim_modem.sent
    assert sms.number == "+8613812345678"
    assert sms.text == "您的车辆占用消防通道，请立即挪走。"
    assert sms.refs == refs


def test_ascii_sms_goes_as_gsm7(sim_modem, modem):
    modem.send_sms("+8613900000000", "Fire lane blocked. Please move your car.")
    assert sim_modem.parts[0].dcs == 0x00
    assert sim_modem.sent[0].text == "Fire lane blocked. Please move your car."


def test_long_notice_is_split_and_reassembled(sim_modem, modem):
    assert len(NOTICE) > 70
    refs = modem.send_sms("13812345678", NOTICE)
    assert len(refs) == 2 and len(set(refs)) == 2
    assert [p.part for p in sim_modem.parts] == [1, 2]
    assert len({p.concat_ref for p in sim_modem.parts}) == 1
    (sms,) = sim_modem.sent
    assert sms.text == NOTICE and sms.parts == 2 and sms.refs == refs


def test_two_long_messages_use_different_concatenation_references(sim_modem, modem):
    modem.send_sms("13812345678", NOTICE)
    modem.send_sms("13812345678", NOTICE)
    assert len(sim_modem.sent) == 2
    assert sim_modem.parts[0].concat_ref != sim_modem.parts[2].concat_ref


def test_no_network_raises_cms_error_with_reason(sim_modem, modem):
    sim_modem.network = False
    with pytest.raises(CmsError) as info:
        modem.send_sms("13812345678", "测试")
    err = info.value
    assert isinstance(err, HardwareError)
    assert err.code == 331 and err.reason == "no network service" and err.transient
    assert sim_modem.sent == []
    assert modem.registered() is False
    # Once the network is back the same modem sends again, nothing stuck in the prompt.
    sim_modem.network = True
    assert modem.send_sms("13812345678", "测试")
    assert sim_modem.sent[0].text == "测试"


def test_failure_in_second_part_reports_parts_already_sent(sim_modem, modem):
    sim_modem.fail_next("AT+CMGS", "+CMS ERROR: 500", after=1)
    with pytest.raises(CmsError) as info:
        modem.send_sms("13812345678", NOTICE)
    assert len(info.value.refs_sent) == 1
    assert len(sim_modem.parts) == 1 and sim_modem.sent == []  # half a message: the caller must know


def test_cme_error_from_sim_not_inserted(sim_modem):
    sim_modem.sim_ready = False
    with pytest.raises(ModemError, match="SIM"):
        Modem(sim_modem.port, command_timeout=1.0).open()


def test_cme_error_is_parsed(sim_modem, modem):
    sim_modem.fail_next("AT+CSQ", "+CME ERROR: 30")
    with pytest.raises(CmeError) as info:
        modem.command("AT+CSQ")
    assert info.value.code == 30 and info.value.reason == "no network service"


def test_verbose_error_text_is_parsed(sim_modem, modem):
    sim_modem.fail_next("AT+CSQ", "+CMS ERROR: memory full")
    with pytest.raises(CmsError) as info:
        modem.command("AT+CSQ")
    assert info.value.code == 322


def test_silent_modem_times_out(sim_modem, modem):
    sim_modem.silent = True
    modem.command_timeout = 0.5
    with pytest.raises(ModemTimeout):
        modem.send_sms("13812345678", "测试")


def test_missing_port_is_a_modem_error(tmp_path):
    with pytest.raises(ModemError):
        Modem(str(tmp_path / "ttyUSB9")).open()


def test_modem_that_never_answers_at_fails_open(sim_modem):
    sim_modem.silent = True
    with pytest.raises(ModemTimeout):
        Modem(sim_modem.port, command_timeout=0.3).open()


def test_health_reports_signal_and_registration(sim_modem, modem):
    health = modem.health()
    assert health["state"] == "ready" and health["registered"] is True and health["signal"] == 23


def test_call_answered_speaks_the_notice(sim_modem, modem):
    result = modem.call_and_speak("13812345678", NOTICE, repeat=2, poll_interval=0.01)
    assert result.answered and result.spoken and not result.fallback
    (call,) = sim_modem.calls
    assert call.number == "+8613812345678"
    assert call.spoken == [NOTICE, NOTICE]
    assert call.state == "ended"  # we hung up
    assert sim_modem.sent == []


def test_call_without_tts_falls_back_to_sms(sim_modem, modem):
    sim_modem.tts_supported = False
    result = modem.call_and_speak("13812345678", NOTICE, poll_interval=0.01)
    assert not result.tts_supported and result.fallback and not result.answered
    assert sim_modem.calls == []  # no silent call to the owner
    assert sim_modem.sent[0].text == NOTICE and result.sms_refs == sim_modem.sent[0].refs


def test_call_without_tts_and_without_fallback_only_flags_it(sim_modem, modem):
    sim_modem.tts_supported = False
    result = modem.call_and_speak("13812345678", NOTICE, sms_fallback=False)
    assert result.fallback and result.sms_refs == [] and sim_modem.sent == []


def test_busy_line_falls_back_to_sms(sim_modem, modem):
    sim_modem.call_answer = "busy"
    result = modem.call_and_speak("13812345678", "请挪车", poll_interval=0.01)
    assert result.reason == "busy" and result.fallback
    assert sim_modem.sent[0].text == "请挪车"


def test_unanswered_call_is_hung_up_and_falls_back(sim_modem, modem):
    sim_modem.call_answer = "no answer"
    result = modem.call_and_speak("13812345678", "请挪车", answer_timeout=0.3, poll_interval=0.02)
    assert result.reason == "no answer" and not result.answered and result.fallback
    assert sim_modem.calls[0].state == "ended" and "ATH" in sim_modem.commands
    assert sim_modem.sent[0].text == "请挪车"


def test_owner_hanging_up_mid_notice_is_not_spoken(sim_modem, modem):
    sim_modem.call_answer = "hang up while speaking"
    result = modem.call_and_speak("13812345678", "请挪车", poll_interval=0.01)
    assert result.answered and not result.spoken and result.fallback
    assert sim_modem.sent[0].text == "请挪车"


def test_errors_never_carry_the_phone_number(sim_modem, modem):
    sim_modem.fail_next("ATD", "+CME ERROR: 30")
    with pytest.raises(CmeError) as info:
        modem.call_and_speak("13812345678", "请挪车", sms_fallback=False)
    assert "13812345678" not in str(info.value)


@pytest.mark.parametrize("delivery", ["delivered", "pending", "failed"])
def test_delivery_reports_match_the_sent_reference(sim_modem, modem, delivery):
    sim_modem.delivery = delivery
    refs = modem.send_sms("13812345678", "请挪车", status_report=True)
    reports = modem.delivery_reports(wait=0.3)
    assert [(r.ref, r.number, r.state) for r in reports] == [(refs[0], "+8613812345678", delivery)]
    assert modem.delivery_reports() == []  # each report is handed out once


def test_a_report_that_comes_after_the_command_is_read_without_waiting(sim_modem, modem):
    import time

    refs = modem.send_sms("13812345678", "请挪车", status_report=True)
    time.sleep(0.3)  # the report is in the port's buffer now, after +CMGS was answered
    reports = modem.delivery_reports()  # no wait: what is there is read
    assert [r.ref for r in reports] == refs


def test_a_delivery_report_during_a_call_is_not_lost(sim_modem, modem):
    import time

    refs = modem.send_sms("13812345678", "请挪车", status_report=True)
    time.sleep(0.3)
    result = modem.call_and_speak("13912345678", NOTICE, poll_interval=0.01)
    assert result.spoken
    assert [r.ref for r in modem.delivery_reports()] == refs


def test_no_report_unless_asked(sim_modem, modem):
    modem.send_sms("13812345678", "请挪车")
    assert modem.delivery_reports(wait=0.2) == []


def test_unsolicited_lines_do_not_disturb_commands(sim_modem, modem):
    sim_modem.inject('+CMTI: "SM",3')
    sim_modem.inject("RING")
    refs = modem.send_sms("13812345678", "请挪车")
    assert refs == sim_modem.sent[0].refs
    assert modem.health()["signal"] == 23
    assert modem.delivery_reports() == []
    assert "RING" in modem._at.urcs


def test_dongle_unplugged_and_replugged_is_reopened(tmp_path):
    from hardware.modem import SimulatedModem

    link = tmp_path / "ttyLINLI-modem"  # what a udev rule provides on the box
    with SimulatedModem() as first:
        link.symlink_to(first.port)
        modem = Modem(str(link), command_timeout=1.0, sms_timeout=2.0)
        modem.open()
        modem.send_sms("13812345678", "第一条")
        assert first.sent[0].text == "第一条"
    with pytest.raises(ModemError):  # unplugged: the port is gone
        modem.send_sms("13812345678", "丢失")
    with SimulatedModem() as second:  # plugged back in, as a new device node
        link.unlink()
        link.symlink_to(second.port)
        assert modem.send_sms("13812345678", "第二条")
        assert [s.text for s in second.sent] == ["第二条"]
        assert modem.reopens == 1
        assert "AT+CMGF=0" in second.commands  # re-initialised into PDU mode before sending
    modem.close()


def test_module_that_only_reports_tts_end_by_urc(sim_modem, modem):
    sim_modem.tts_state_query = False
    result = modem.call_and_speak("13812345678", "请挪车", repeat=1, poll_interval=0.01)
    assert result.spoken and not result.fallback
    assert sim_modem.calls[0].spoken == ["请挪车"]


def test_at_lines_split_on_any_line_end():
    import serial

    from hardware.modem.at import AtChannel

    port = serial.serial_for_url("loop://", timeout=0.01)
    port.write(b"ATE0\r\r\nOK\r\nA\rB\r\n+CMGS: 7\r\n\r\n> ")
    at = AtChannel(port)
    lines = [at.read_line(at._clock() + 1) for _ in range(5)]
    assert lines == ["ATE0", "OK", "A", "B", "+CMGS: 7"]
    assert at.read_line(at._clock() + 1, want_prompt=True) == ">"


def test_health_of_an_unplugged_dongle_says_error_then_recovers(tmp_path):
    from hardware.modem import SimulatedModem

    link = tmp_path / "ttyLINLI-modem"
    with SimulatedModem() as first:
        link.symlink_to(first.port)
        modem = Modem(str(link), command_timeout=0.5)
        modem.open()
    assert modem.health()["state"] == "error"
    assert modem.health()["state"] == "error"  # still gone: reopening fails cleanly, no recursion
    with SimulatedModem() as second:
        link.unlink()
        link.symlink_to(second.port)
        assert modem.health()["state"] == "ready"
    modem.close()
    assert modem.health()["state"] == "closed"


def test_urc_that_looks_like_an_answer_survives_an_error():
    import serial

    from hardware.modem.at import AtChannel
    from hardware.modem.errors import ModemCommandError

    port = serial.serial_for_url("loop://", timeout=0.01)
    port.write(b"\r\n+QTTS: 0\r\n\r\nERROR\r\n")
    at = AtChannel(port)
    with pytest.raises(ModemCommandError):
        at.collect("AT+QTTS?", 1.0)
    assert at.take_urcs() == ["+QTTS: 0"]
