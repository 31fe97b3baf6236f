"""Post/redirect/get: a state-changing form answers with a redirect, so reloading the page that
follows never repeats the change (a reload after a remote open used to open the gate again).

What the next page shows once (a notice, a new PIN, a one-time password) waits here, in the
server's memory under a random token kept in the session: secrets never travel in the cookie.
"""

from __future__ import annotations

import secrets
import threading
import time

from flask import current_app, redirect, session

KEY = "once"
TTL_S = 300


class OnceStore:
    def __init__(self):
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, dict]] = {}

    def put(self, data: dict) -> str:
        token = secrets.token_urlsafe(16)
        now = time.monotonic()
        with self._lock:
            for key in [k for k, (t, _d) in self._items.items() if t < now]:
                del self._items[key]
            self._items[token] = (now + TTL_S, data)
        return token

    def take(self, token: str | None) -> dict:
        if not token:
            return {}
        with self._lock:
            found = self._items.pop(token, None)
        if found is None or found[0] < time.monotonic():
            return {}
        return found[1]


def install(app) -> None:
    app.extensions["linli_once"] = OnceStore()


def redirect_after(url: str, **shown):
    """A 303 to ``url``; ``shown`` (message=..., new_pin=...) is handed to that page once."""
    if shown:
        session[KEY] = current_app.extensions["linli_once"].put(shown)
    return redirect(url, 303)


def taken() -> dict:
    """What the previous form left for this page (empty on a reload)."""
    return current_app.extensions["linli_once"].take(session.pop(KEY, None))
