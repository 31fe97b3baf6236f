from models.plates.vote import PlateVoter


def test_per_character_vote_recovers_the_plate_no_single_read_had():
    v = PlateVoter()
    # Each read gets one character wrong, at a different place.
    for text in ("粤B8D123", "粤BOD12S", "粤B0D1Z3", "粤B0D123"[:-1] + "8"):
        v.add(text, 0.8)
    best = v.best()
    assert best.text == "粤B0D123"
    assert best.valid and best.reads == 4


def test_a_second_car_in_view_does_not_pollute_the_vote():
    v = PlateVoter()
    for _ in range(5):
        v.add("京A12345", 0.9)
    v.add("沪C99887", 0.95)
    v.add("沪C99887", 0.95)
    assert v.best().text == "京A12345"


def test_low_confidence_reads_are_ignored():
    v = PlateVoter(min_confidence=0.5)
    v.add("京A12345", 0.2)
    assert v.best() is None
    v.add("京A12346", 0.7)
    assert v.best().text == "京A12346"


def test_character_confidence_weighs_the_vote():
    v = PlateVoter()
    v.add("京A12345", 0.8, (0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.95))
    v.add("京A12346", 0.8, (0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.30))
    assert v.best().text == "京A12345"


def test_dropped_character_reads_do_not_break_the_vote():
    v = PlateVoter()
    for text in ("苏E12345D", "苏E12345D", "苏E1234D"):
        v.add(text, 0.8)
    best = v.best()
    assert best.text == "苏E12345D" and best.reads == 3
