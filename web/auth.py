"""Login, logout, language switch and the role checks every other view uses."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from appliance.errors import LinliError
from appliance.i18n import SUPPORTED_LOCALES

bp = Blueprint("auth", __name__)


def services():
    """The services this request works with: a practising staff member's sandbox (set up by
    web/practice.py for that request), else the box's own."""
    return g.get("practice_services") or current_app.extensions["linli"]


def box_services():
    """The box's own services, even in practice mode (accounts, sign-in, the practice rooms)."""
    return current_app.extensions["linli"]


def load_user():
    if "user" in g:
        return g.user
    g.user = None
    user_id = session.get("uid")
    if user_id:
        accounts = box_services().accounts
        try:
            user = accounts.get(user_id)
        except LinliError:
            user = None
        if user and session.get("role") == user.role and accounts.session_valid(user, session.get("ep")):
            g.user = user
        else:
            session.clear()
    return g.user


def roles(*allowed: str):
    """Require a logged-in user with one of ``allowed`` roles (admin is always allowed
    except where only the kiosk device may act)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = load_user()
            if user is None:
                if request.path.startswith("/api/"):
                    return jsonify({"error": _("Log in first."), "status": 401}), 401
                if request.headers.get("HX-Request") == "true":
                    return "", 401, {"HX-Redirect": url_for("auth.login")}
                return redirect(url_for("auth.login", next=request.full_path))
            if user.role not in allowed and not (user.role == "admin" and "kiosk" not in allowed):
                abort(403)
            if user.must_change_password and request.endpoint != "auth.password":
                # A password an administrator reset opens only the page that replaces it.
                if request.path.startswith("/api/"):
                    return jsonify({"error": _("Choose a new password first."), "status": 403}), 403
                if request.headers.get("HX-Request") == "true":
                    return "", 403, {"HX-Redirect": url_for("auth.password")}
                return redirect(url_for("auth.password"))
            return view(*args, **kwargs)

        wrapped.allowed_roles = allowed
        return wrapped

    return decorator


STAFF = ("admin", "volunteer")
READERS = ("admin", "volunteer", "district")


def start_session(user) -> None:
    """A fresh staff session for ``user`` (keeps only the language), tied to the account's
    current session epoch so logging out or a password change ends it on the box."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    session["uid"], session["role"], session["ep"] = user.id, user.role, user.session_epoch
    g.user = user


def actor() -> str:
    user = load_user()
    return user.username if user else "anonymous"


def safe_next(target) -> str | None:
    """``target`` as a path on this site, or None.

    Parsed the way a browser reads it (``urlsplit`` drops tabs and newlines as browsers do,
    so ``/\t/evil.example/`` has a host and is refused); only a path without scheme or host
    is kept, rebuilt from its parts, so nothing but a same-site path reaches ``Location``.
    """
    if not isinstance(target, str) or not target or len(target) > 2000:
        return None
    parts = urlsplit(target)
    path = parts.path
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    rebuilt = urlunsplit(("", "", path, parts.query, parts.fragment))
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in rebuilt):
        return None
    return rebuilt


@bp.route("/login", methods=["GET", "POST"])
def login():
    from appliance.registry.demo import DEMO_ACCOUNTS

    config = current_app.extensions["linli_config"]
    error = None
    if request.method == "POST":
        try:
            user = box_services().accounts.authenticate(request.form.get("username", ""), request.form.get("password", ""),
                                                    client=request.remote_addr or "")
        except LinliError as exc:
            error = exc.message()
        else:
            start_session(user)
            if user.role == "kiosk":
                return redirect(url_for("kiosk.home"))
            if user.must_change_password:
                return redirect(url_for("auth.password"))
            return redirect(safe_next(request.args.get("next")) or url_for("admin.dashboard"))
    demo_accounts = DEMO_ACCOUNTS if config.box.demo else []
    return render_template("login.html", error=error, demo_accounts=demo_accounts), 401 if error else 200


@bp.post("/logout")
def logout():
    if session.get("uid"):
        box_services().practice.leave(session.get("uid"))
        box_services().accounts.logout(session.get("uid"), session.get("ep"))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def language(code: str):
    if code in SUPPORTED_LOCALES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles(*READERS)
def password():
    """Change my password: the current one, then the new one twice."""
    user = load_user()
    errors, done = {}, False
    if request.method == "POST":
        form = request.form
        try:
            user = box_services().accounts.change_password(user.id, form.get("old", ""), form.get("new", ""),
                                                       form.get("repeat", ""), client=request.remote_addr or "")
        except LinliError as exc:
            errors = {getattr(exc, "field", None) or "form": exc.message()}
        else:
            start_session(user)  # every other session of this account has ended
            done = True
    return render_template("account_password.html", errors=errors, done=done,
                           forced=user.must_change_password), 400 if errors else 200
