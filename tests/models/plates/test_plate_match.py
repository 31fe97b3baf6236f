from hypothesis import given, strategies as st

from models.plates.match import match_plate, plate_distance
from models.plates.validate import PROVINCES, SERIAL, LETTERS

REGISTERED = ["京A12345", "京AD8B21", "粤B0D123", "沪C88888"]

plates = st.builds(
    lambda p, a, s: p + a + s,
    st.sampled_from(PROVINCES),
    st.sampled_from(LETTERS),
    st.text(alphabet=SERIAL, min_size=5, max_size=5),
)


def test_exact_read_finds_the_owner():
    assert match_plate("京A12345", REGISTERED).plate == "京A12345"
    assert match_plate("京A12345", REGISTERED).distance == 0


def test_confusion_pairs_still_find_the_owner():
    # 0 read as D and 8 read as B are typical OCR slips.
    m = match_plate("京A08B21", REGISTERED)
    assert m is not None and m.plate == "京AD8B21"
    m = match_plate("京A0BB21", REGISTERED)  # two slips in one read
    assert m is not None and m.plate == "京AD8B21"
    m = match_plate("粤BOD123", REGISTERED)  # letter O is never issued: it is a zero
    assert m is not None and m.plate == "粤B0D123"
    assert match_plate("京AI2345", REGISTERED).plate == "京A12345"
    assert match_plate("京A1Z345", REGISTERED).plate == "京A12345"


def test_one_arbitrary_error_is_tolerated_two_are_not():
    assert match_plate("京A12349", REGISTERED).plate == "京A12345"
    assert match_plate("京A12399", REGISTERED) is None
    assert match_plate("京A1234", REGISTERED).plate == "京A12345"  # one character missed


def test_unknown_plate_matches_nothing():
    assert match_plate("川K77777", REGISTERED) is None
    assert match_plate("京A12345", []) is None


def test_a_tie_between_two_owners_is_refused():
    assert match_plate("京A12340", ["京A12341", "京A12342"]) is None


def test_distance_limit_is_a_parameter():
    assert match_plate("京A12399", REGISTERED, max_distance=2.0).plate == "京A12345"
    assert match_plate("京A1Z345", REGISTERED, max_distance=0.0) is None


@given(plates, plates)
def test_distance_is_a_symmetric_metric(a, b):
    assert plate_distance(a, b) == plate_distance(b, a)
    assert plate_distance(a, a) == 0
    assert (plate_distance(a, b) == 0) == (a == b)
