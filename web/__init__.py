"""Flask app factory. Views are thin: parse input, call one service, render a template
or an htmx partial (``_name.html``). No SQL and no GPIO here."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from flask import Flask, g, jsonify, render_template, request, session
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect

from appliance.errors import LinliError, NotFound, PermissionDenied
from appliance.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, TRANSLATIONS_DIR, set_locale

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.logout", "auth.language", "healthz", "kiosk.home",
                    "me.login", "me.logout", "system.setup_home", "system.setup_code"}

def create_app(config, services, testing: bool = False) -> Flask:
    app = Flask(__name__, static_folder=str(HERE / "static"), template_folder=str(HERE / "templates"))
    app.config.update(
        SECRET_KEY=services.secret_key,
        TESTING=testing,
        MAX_CONTENT_LENGTH=config.web.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.web.session_cookie_secure,
        SESSION_COOKIE_NAME="linli_session",
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=config.web.session_hours),
        WTF_CSRF_TIME_LIMIT=None,  # the session lifetime bounds the token already
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
        BABEL_DEFAULT_LOCALE=DEFAULT_LOCALE,
    )
    app.extensions["linli"] = services
    app.extensions["linli_config"] = config
    CSRFProtect(app)
    Babel(app, locale_selector=_select_locale)

    from web import filters, once
    from web.params import IdConverter

    app.url_map.converters["int"] = IdConverter  # every <int:...> id fits SQLite (1 .. 2**63-1)
    _register_blueprints(app)
    once.install(app)
    filters.install(app)

    @app.before_request
    def _locale_for_services():
        set_locale(_select_locale())

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
                                    "media-src 'self' blob:; script-src 'self'")
        return response

    @app.get("/healthz")
    def healthz():
        report = services.health.report()
        report["box"] = services.box_id
        report["safe_mode"] = config.safe_mode
        return jsonify(report), 200 if report["ok"] else 503

    @app.context_processor
    def _globals():
        return {"config": config, "current_user": g.get("user"), "locale": _select_locale(),
                "is_htmx": request.headers.get("HX-Request") == "true", "services": None}

    _register_errors(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """One line per feature's pages, in the order they are registered."""
    from web import access, admin, api, auth, care, devices, firelane, hub, kiosk, me, open311, parking, participation
    from web import practice, sync, system, votes, workorders
    from web import help as help_pages
    from web.parking import me as parking_me
    from web.care import me as care_me

    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(kiosk.bp)
    app.register_blueprint(access.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(sync.bp)
    app.register_blueprint(hub.bp)
    app.register_blueprint(firelane.bp)
    app.register_blueprint(me.bp)
    app.register_blueprint(workorders.bp)
    app.register_blueprint(care.bp)
    app.register_blueprint(parking.bp)
    app.register_blueprint(parking_me.bp)
    app.register_blueprint(practice.bp)
    app.register_blueprint(help_pages.bp)
    app.register_blueprint(votes.bp)
    app.register_blueprint(system.bp)
    app.register_blueprint(devices.bp)
    app.register_blueprint(participation.bp)
    app.register_blueprint(open311.bp)
    app.register_blueprint(care_me.bp)


def _select_locale() -> str:
    from flask import current_app

    lang = session.get("lang")
    if lang in SUPPORTED_LOCALES:
        return lang
    config = current_app.extensions["linli_config"]
    return config.box.language


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _register_errors(app: Flask) -> None:
    def render_error(status: int, message: str):
        if _wants_json():
            return jsonify({"error": message, "status": status}), status
        if request.headers.get("HX-Request") == "true":
            # A whole error page swapped into a small part of a page would nest pages: the message
            # goes to the error line at the top instead.
            return render_template("_error_line.html", message=message), status, {
                "HX-Retarget": "#htmx-error", "HX-Reswap": "innerHTML"}
        return render_template("error.html", status=status, message=message), status

    from flask_babel import gettext as _

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(400, _("The form expired. Please go back, reload the page and try again."))

    @app.errorhandler(NotFound)
    def _not_found_domain(exc):
        return render_error(404, exc.message())

    @app.errorhandler(PermissionDenied)
    def _denied_domain(exc):
        return render_error(403, exc.message())

    @app.errorhandler(LinliError)
    def _linli(exc):
        return render_error(400, exc.message())

    @app.errorhandler(400)
    def _bad(exc):
        return render_error(400, _("The request was not understood."))

    @app.errorhandler(403)
    def _forbidden(exc):
        return render_error(403, _("You are not allowed to open this page."))

    @app.errorhandler(404)
    def _not_found(exc):
        return render_error(404, _("Page not found."))

    @app.errorhandler(405)
    def _method(exc):
        return render_error(405, _("This action is not allowed here."))

    @app.errorhandler(413)
    def _too_large(exc):
        mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return render_error(413, _("The file is too large (at most %(mb)s MB).", mb=mb))

    @app.errorhandler(500)
    def _internal(exc):
        logger.error("internal error on %s", request.path)
        return render_error(500, _("Something went wrong. The error was logged."))
