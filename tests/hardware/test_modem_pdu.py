"""PDU encoding checked against hand-worked 3GPP examples and by round trip."""

import pytest

from hardware.errors import HardwareError
from hardware.modem import PduError, decode_submit, encode_submit, normalize_number
from hardware.modem.pdu import pack_septets, unpack_septets


def test_classic_hellohello_packing():
    # The textbook 23.038 example: "hellohello" packs to E8329BFD4697D9EC37.
    from hardware.modem.pdu import gsm7_septets

    assert pack_septets(gsm7_septets("hellohello")).hex().upper() == "E8329BFD4697D9EC37"
    assert unpack_septets(bytes.fromhex("E8329BFD4697D9EC37"), 10) == gsm7_septets("hellohello")


def test_single_ascii_sms_is_gsm7_with_international_number():
    (pdu,) = encode_submit("+8613812345678", "hellohello")
    # SMSC 00, SUBMIT+VP relative, MR 0, 13 digits international, swapped BCD, PID, DCS 0, VP, UDL 10
    assert pdu.hex == "0011000D91683118325476F80000A70AE8329BFD4697D9EC37"
    assert pdu.length == len(bytes.fromhex(pdu.hex)) - 1


def test_chinese_text_is_ucs2_and_round_trips():
    text = "您的车辆占用消防通道，请立即挪走。"
    (pdu,) = encode_submit("+8613812345678", text)
    decoded = decode_submit(pdu.hex)
    assert decoded.dcs == 0x08
    assert decoded.number == "+8613812345678"
    assert decoded.text == text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("8613812345678", "+8613812345678"),
        ("10086", "10086"),
    ],
)
def test_number_normalisation(raw, expected):
    assert normalize_number(raw) == expected


@pytest.mark.parametrize("bad", ["", "abc", "+86abc", "138-ABCD-5678"])
def test_bad_numbers_are_refused_as_hardware_errors(bad):
    with pytest.raises(PduError) as info:
        normalize_number(bad)
    assert isinstance(info.value, HardwareError)


def test_exactly_70_chinese_characters_fit_one_part_71_need_two():
    assert len(encode_submit("+8613800000000", "消" * 70)) == 1
    pdus = encode_submit("+8613800000000", "消" * 71, reference=7)
    assert [decode_submit(p.hex).text for p in pdus] == ["消" * 67, "消" * 4]
    assert {decode_submit(p.hex).concat_ref for p in pdus} == {7}


def test_long_gsm7_message_keeps_escape_pairs_together():
    # 152 plain characters then "€": the euro sign needs ESC + code and must not be split.
    text = "a" * 152 + "€" + "b" * 20
    pdus = encode_submit("+8613800000000", text, reference=200)
    parts = [decode_submit(p.hex) for p in pdus]
    assert [p.text for p in parts] == ["a" * 152, "€" + "b" * 20]
    assert [(p.part, p.parts) for p in parts] == [(1, 2), (2, 2)]
    assert "".join(p.text for p in parts) == text


def test_emoji_surrogate_pairs_are_never_split():
    # 66 + 2 (surrogate pair) + 5 units > 70, so it splits, and the pair would straddle 67.
    text = "车" * 66 + "🚒" + "尾" * 5
    parts = [decode_submit(p.hex).text for p in encode_submit("+8613800000000", text)]
    assert parts == ["车" * 66, "🚒" + "尾" * 5]


def test_non_gsm_ascii_character_switches_to_ucs2():
    # The backtick is ASCII but not in the GSM alphabet.
    (pdu,) = encode_submit("+8613800000000", "use `linli`")
    assert decode_submit(pdu.hex).dcs == 0x08


def test_status_report_flag():
    (pdu,) = encode_submit("+8613800000000", "hi", status_report=True)
    assert decode_submit(pdu.hex).status_report


def test_empty_text_and_too_long_text_are_refused():
    with pytest.raises(PduError):
        encode_submit("+8613800000000", "")
    with pytest.raises(PduError):
        encode_submit("+8613800000000", "消" * (67 * 255 + 1))


def test_truncated_pdu_is_reported():
    (pdu,) = encode_submit("+8613800000000", "消防通道")
    with pytest.raises(PduError):
        decode_submit(pdu.hex[:-6])


def test_160_gsm_characters_fit_one_sms_161_need_two():
    assert len(encode_submit("+8613800000000", "x" * 160)) == 1
    pdus = encode_submit("+8613800000000", "x" * 161)
    assert [len(decode_submit(p.hex).text) for p in pdus] == [153, 8]


def test_status_report_round_trip():
    from hardware.modem.pdu import decode_status_report, encode_status_report

    report = decode_status_report(encode_status_report(42, "+8613812345678", 0x46))
    assert (report.ref, report.number, report.state) == (42, "+8613812345678", "failed")


def test_ucs2_pdus_match_hand_worked_encoding():
    # 23.040 by hand: SMSC 00 | 11 SUBMIT+VPF | MR 00 | 0D 91 683108108300F0 | PID 00 | DCS 08 |
    # VP A7 | UDL 04 | 4F60 597D ("你好" in UTF-16BE)
    (pdu,) = encode_submit("+8613800138000", "你好")
    assert pdu.hex == "0011000D91683108108300F00008A7044F60597D" and pdu.length == 19
    # Concatenated: 51 = UDHI set; UDL 8C = 6 header octets + 67 * 2; header 05 00 03 ref total part
    first = encode_submit("+8613800138000", "消" * 71, reference=0x2A)[0]
    assert first.hex.startswith("0051000D91683108108300F00008A78C0500032A0201")
    assert first.length == 1 + 1 + 9 + 1 + 1 + 1 + 1 + 140
