"""Staff login throttling (#11 item 16): a guesser at one address locks only the account it
guesses, at that address; the real user elsewhere waits seconds, never minutes."""

from __future__ import annotations

import datetime

import pytest

from tests.conftest import PASSWORD, csrf_token


@pytest.fixture
def clock(monkeypatch):
    """The accounts service's clock, moved by hand."""
    import appliance.services.accounts as accounts

    state = {"now": datetime.datetime(2026, 3, 1, 9, 0, 0)}
    monkeypatch.setattr(accounts, "now", lambda: state["now"])

    def advance(seconds: float) -> None:
        state["now"] += datetime.timedelta(seconds=seconds)

    return advance


def attempt(app, username, password, address):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)}, environ_base={"REMOTE_ADDR": address})
    return response.status_code, response.get_data(as_text=True)


def test_a_guesser_does_not_lock_out_the_admin_or_the_office(app, users, clock):
    for _ in range(5):
        assert attempt(app, "admin", "guess", "10.0.0.66")[0] == 401
        clock(1)
    # The guesser's address is locked for the admin account, for minutes.
    status, html = attempt(app, "admin", PASSWORD, "10.0.0.66")
    assert status == 401 and "分钟" in html
    # Another account at the same (shared) address is not locked.
    assert attempt(app, "volunteer", PASSWORD, "10.0.0.66")[0] == 302
    # The admin at their own desk waits a few seconds at most, then gets in.
    status, html = attempt(app, "admin", PASSWORD, "10.0.0.7")
    assert status == 302 or ("秒" in html and "分钟" not in html)
    clock(11)
    assert attempt(app, "admin", PASSWORD, "10.0.0.7")[0] == 302


def test_a_successful_login_clears_its_address_count(app, users, clock):
    for _round in range(3):
        for _ in range(4):
            assert attempt(app, "volunteer", "typo", "10.0.0.8")[0] == 401
            clock(1)
        clock(11)
        assert attempt(app, "volunteer", PASSWORD, "10.0.0.8")[0] == 302


def test_guessing_from_many_addresses_is_paused_per_account(app, users, clock):
    for i in range(5):
        assert attempt(app, "admin", "guess", f"10.0.1.{i}")[0] == 401
    # From a sixth address the next guess has to wait; it is not even checked.
    status, html = attempt(app, "admin", "guess", "10.0.1.99")
    assert status == 401 and "秒" in html
    clock(11)
    assert attempt(app, "admin", "guess", "10.0.1.99")[0] == 401
    status, html = attempt(app, "admin", PASSWORD, "10.0.1.100")
    assert status == 401 and "秒" in html
