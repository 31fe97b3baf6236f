"""Wrong guesses lock a key for a while; other keys and later tries are not affected."""

from __future__ import annotations

from appliance.access.throttle import GuessThrottle


def test_repeated_wrong_guesses_lock_only_that_key_and_only_for_a_while():
    t = [0.0]
    throttle = GuessThrottle(max_failures=3, window_s=60, lockout_s=120, clock=lambda: t[0])
    for _ in range(2):
        throttle.failed("kiosk-east")
    assert not throttle.locked("kiosk-east")
    throttle.failed("kiosk-east")
    assert throttle.locked("kiosk-east") and throttle.remaining("kiosk-east") == 120
    assert not throttle.locked("kiosk-west")
    t[0] = 121
    assert not throttle.locked("kiosk-east")


def test_guesses_spread_wider_than_the_window_and_a_success_do_not_add_up():
    t = [0.0]
    throttle = GuessThrottle(max_failures=3, window_s=60, lockout_s=120, clock=lambda: t[0])
    for _ in range(4):
        throttle.failed("k")
        t[0] += 31  # at most two wrong tries inside any 60 s
    assert not throttle.locked("k")
    throttle.failed("k")
    throttle.succeeded("k")
    throttle.failed("k")
    throttle.failed("k")
    assert not throttle.locked("k")
