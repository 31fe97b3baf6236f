"""Who may be phoned: a wrong owner phoned is worse than a volunteer asked."""
from hypothesis import given, settings, strategies as st

from models.plates.match import owner_match
from models.plates.validate import LETTERS, PROVINCES, SERIAL
from models.plates.vote import PlateVoter

REGISTERED = ["京A12345", "京AD8B21", "粤B0D123", "沪C88888", "沪C88889"]


def test_trusted_exact_read_of_a_lone_plate_phones_its_owner():
    m = owner_match("京A12345", True, REGISTERED)
    assert m.plate == "京A12345" and m.reason == "trusted"


def test_untrusted_exact_read_goes_to_the_volunteer_with_the_candidate():
    m = owner_match("京A12345", False, REGISTERED)
    assert m.plate is None and m.reason == "untrusted" and m.candidates == ("京A12345",)


def test_a_fuzzy_match_never_phones_even_when_trusted():
    m = owner_match("京A08B21", True, REGISTERED)  # 0 for D: the usual slip
    assert m.plate is None and m.reason == "near_miss" and m.candidates == ("京AD8B21",)


def test_a_registered_neighbour_one_character_away_blocks_the_call():
    m = owner_match("沪C88888", True, REGISTERED)
    assert m.plate is None and m.reason == "neighbour"
    assert set(m.candidates) == {"沪C88888", "沪C88889"}


def test_a_visitor_one_character_from_a_resident_is_not_taken_for_them():
    # The visitor's plate is not registered; the resident's differs in the last digit.
    m = owner_match("京A12346", True, REGISTERED)
    assert m.plate is None and m.candidates == ("京A12345",)


def test_nothing_read_and_nothing_close():
    assert owner_match("", True, REGISTERED).reason == "unread"
    m = owner_match("新Z99999", True, REGISTERED)
    assert m.plate is None and m.reason == "not_registered" and m.candidates == ()


plates = st.builds(lambda p, a, s: p + a + s, st.sampled_from(PROVINCES), st.sampled_from(LETTERS),
                   st.text(alphabet=SERIAL, min_size=5, max_size=5))


@settings(max_examples=200)
@given(truth=plates, registry=st.lists(plates, max_size=30), data=st.data())
def test_a_read_that_is_not_the_true_plate_never_phones_another_registered_owner_within_one_character(
        truth, registry, data):
    # Any single-character misread of the true plate, trusted or not: if it names someone,
    # it is the read itself, registered with no neighbour -- so never the owner of `truth`'s
    # one-character neighbour while `truth` is registered too.
    pos = data.draw(st.integers(2, 6))
    wrong = truth[:pos] + data.draw(st.sampled_from([c for c in SERIAL if c != truth[pos]])) + truth[pos + 1:]
    m = owner_match(wrong, True, registry + [truth])
    assert m.plate is None or m.plate != truth
    if wrong in registry:
        assert m.plate is None  # the true plate is registered one character away


def _frames(voter, *reads):
    for text, conf, agree in reads:
        voter.add(text, conf, (conf,) * len(text), agree=agree)
    return voter.best()


def test_one_frame_one_recogniser_is_not_trusted():
    assert not _frames(PlateVoter(), ("京A12345", 0.99, False)).trusted


def test_two_recognisers_agreeing_on_one_frame_are_trusted():
    assert _frames(PlateVoter(), ("京A12345", 0.95, True)).trusted


def test_two_frames_agreeing_are_trusted():
    assert _frames(PlateVoter(), ("京A12345", 0.9, False), ("京A12345", 0.9, False)).trusted


def test_frames_that_disagree_on_a_character_are_not_trusted_until_the_vote_is_clear():
    best = _frames(PlateVoter(), ("京A12345", 0.9, False), ("京A12346", 0.9, False))
    assert not best.trusted  # one frame each: no exact agreement on the voted text
    best = _frames(PlateVoter(), ("京A12345", 0.9, False), ("京A12346", 0.9, False),
                   ("京A12345", 0.9, False), ("京A12345", 0.9, False))
    assert best.text == "京A12345" and best.trusted


def test_two_different_cars_in_one_track_are_contested_and_not_trusted():
    best = _frames(PlateVoter(), ("京A12345", 0.9, True), ("粤B77777", 0.9, True))
    assert best.contested and not best.trusted


def test_invalid_text_is_never_trusted():
    assert not _frames(PlateVoter(), ("京A1234", 0.99, True), ("京A1234", 0.99, True)).trusted


def test_blurred_frames_count_less_than_sharp_ones():
    voter = PlateVoter()
    voter.add("京A12345", 0.9, (0.9,) * 7, sharpness=2000.0)
    voter.add("京A12846", 0.9, (0.9,) * 7, sharpness=300.0)
    voter.add("京A12846", 0.9, (0.9,) * 7, sharpness=300.0)
    # Two blurred frames weigh less than one sharp one at each position they differ.
    assert voter.best().text == "京A12345"
