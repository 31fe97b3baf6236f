"""Wrong PIN guesses slow a key down for seconds; the right PIN is never kept out for long
(#11 items 2 and 16: five wrong PINs by a child must not shut the pad for minutes)."""

from __future__ import annotations

from appliance.access.throttle import GuessThrottle


def make(t):
    return GuessThrottle(free_failures=5, window_s=300, pause_max_s=5, clock=lambda: t[0])


def test_after_a_streak_each_try_waits_a_few_seconds_at_most():
    t = [0.0]
    throttle = make(t)
    for _ in range(4):
        throttle.failed("kiosk-east")
    assert not throttle.locked("kiosk-east")
    throttle.failed("kiosk-east")
    assert throttle.remaining("kiosk-east") == 2  # 2, 4, then 5 s at most
    assert not throttle.locked("kiosk-west")
    waits = []
    for _ in range(50):  # a long streak: still never more than pause_max_s
        t[0] += throttle.remaining("kiosk-east")
        throttle.failed("kiosk-east")
        waits.append(throttle.remaining("kiosk-east"))
    assert waits[:3] == [4, 5, 5] and max(waits) == 5


def test_guesses_are_bounded_per_day():
    t = [0.0]
    throttle = make(t)
    tries = 0
    while t[0] < 86400:
        if throttle.locked("k"):
            t[0] += throttle.remaining("k")
            continue
        throttle.failed("k")
        tries += 1
        t[0] += 0.5  # typing a PIN takes time too; the pauses dominate
    assert tries <= 86400 / 5 + 5


def test_a_quiet_window_or_the_right_pin_ends_the_streak():
    t = [0.0]
    throttle = make(t)
    for _ in range(6):
        throttle.failed("k")
    t[0] += 301
    assert not throttle.locked("k")
    throttle.failed("k")
    assert not throttle.locked("k")  # a new streak: one wrong try, no wait
    for _ in range(6):
        throttle.failed("k")
    throttle.succeeded("k")
    assert not throttle.locked("k")
