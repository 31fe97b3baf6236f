from hypothesis import given, strategies as st

from models.plates.validate import (
    DIGITS,
    KINDS,
    LETTERS,
    PROVINCES,
    R_AUTHORITY,
    R_BAD_PROVINCE,
    R_EMPTY,
    R_I_O,
    R_LENGTH,
    R_NEW_ENERGY,
    R_NO_PROVINCE,
    R_REGION,
    R_SERIAL,
    R_SPECIAL,
    REASONS,
    SERIAL,
    PlateCheck,
    validate_plate,
)

province = st.sampled_from(PROVINCES)
letter = st.sampled_from(LETTERS)
serial = st.sampled_from(SERIAL)
digit = st.sampled_from(DIGITS)


def chars(alphabet, n):
    return st.text(alphabet=alphabet, min_size=n, max_size=n)


ordinary = st.builds(lambda p, a, s: p + a + s, province, letter, chars(SERIAL, 5))
small_ne = st.builds(
    lambda p, a, k, s, d: p + a + k + s + d,
    province, letter, st.sampled_from("DABCEFGHJK"), serial, chars(DIGITS, 4),
)
large_ne = st.builds(
    lambda p, a, d, k: p + a + d + k, province, letter, chars(DIGITS, 5), st.sampled_from("DF")
)


@given(ordinary)
def test_every_ordinary_plate_is_valid(plate):
    assert validate_plate(plate) == PlateCheck(True, "ordinary", None, False)


@given(small_ne)
def test_every_small_new_energy_plate_is_valid(plate):
    assert validate_plate(plate).kind == "new_energy_small"


@given(large_ne)
def test_every_large_new_energy_plate_is_valid(plate):
    assert validate_plate(plate).kind == "new_energy_large"


@given(province, letter, chars(SERIAL, 4), st.sampled_from("警学挂"))
def test_police_coach_trailer_plates(p, a, body, mark):
    check = validate_plate(p + a + body + mark)
    assert check.valid
    assert check.kind == {"警": "police", "学": "coach", "挂": "trailer"}[mark]


@given(chars(SERIAL, 4), st.sampled_from("港澳"))
def test_hong_kong_macau_plates(body, mark):
    check = validate_plate("粤Z" + body + mark)
    assert check.valid and check.kind == {"港": "hong_kong", "澳": "macau"}[mark]


@given(province.filter(lambda p: p != "粤"), letter, chars(SERIAL, 4), st.sampled_from("港澳"))
def test_hong_kong_macau_marks_only_on_guangdong_z(p, a, body, mark):
    assert validate_plate(p + a + body + mark) == PlateCheck(False, None, R_REGION, False)


@given(ordinary, st.integers(min_value=2, max_value=6), st.sampled_from("IO"))
def test_i_and_o_are_rejected_anywhere_in_the_serial(plate, pos, bad):
    mutated = plate[:pos] + bad + plate[pos + 1:]
    check = validate_plate(mutated)
    assert not check.valid and check.reason == R_I_O


@given(st.text(min_size=1, max_size=12))
def test_any_text_gets_a_kind_or_a_known_reason(text):
    check = validate_plate(text)
    if check.valid:
        assert check.kind in KINDS and check.reason is None
    else:
        assert check.kind is None and check.reason in REASONS


@given(st.text(alphabet=SERIAL + "使领", min_size=0, max_size=8), st.sampled_from("使领"))
def test_embassy_and_consulate_plates_go_to_manual_review(rest, mark):
    check = validate_plate(mark + rest)
    assert check.valid and check.manual_review
    assert check.kind in ("embassy", "consulate")


def test_real_looking_plates():
    assert validate_plate("京A12345").kind == "ordinary"
    assert validate_plate("粤B·D12345").kind == "new_energy_small"  # separator typed by people
    assert validate_plate(" 沪a 8k2 36 ").kind == "ordinary"  # lower case and spaces
    assert validate_plate("京Ａ１２３４５").kind == "ordinary"  # full-width input
    assert validate_plate("苏E12345D").kind == "new_energy_large"
    assert validate_plate("川A1234警").kind == "police"
    assert validate_plate("使014578").manual_review
    assert validate_plate("沪A0123领").kind == "consulate"


def test_reasons_users_see():
    assert validate_plate("").reason == R_EMPTY
    assert validate_plate("   ").reason == R_EMPTY
    assert validate_plate("AB12345").reason == R_NO_PROVINCE
    assert validate_plate("军A12345").reason == R_BAD_PROVINCE
    assert validate_plate("京112345").reason == R_AUTHORITY
    assert validate_plate("京O12345").reason == R_I_O
    assert validate_plate("京A1234").reason == R_LENGTH
    assert validate_plate("京A1234567").reason == R_LENGTH
    assert validate_plate("京A12#45").reason in REASONS
    assert validate_plate("京AZ12345").reason == R_NEW_ENERGY  # 8 chars, Z not a new-energy class
    assert validate_plate("京A1234F5").reason == R_NEW_ENERGY
    assert validate_plate("京A123警").reason == R_SPECIAL
    assert validate_plate("京A12345").reason is None
    assert R_SERIAL in REASONS


@given(small_ne)
def test_new_energy_serial_must_end_in_digits(plate):
    assert not validate_plate(plate[:-1] + "A").valid
