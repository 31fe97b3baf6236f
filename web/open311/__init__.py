"""Open311 GeoReport v2 at ``/open311/v2/`` (JSON and XML), documented in web/openapi.json.

Reading is public, as the spec intends (the reporter is never in an answer); posting needs
an ``api_key`` issued by an admin. Errors are the spec's list of ``{code, description}`` with
the matching HTTP status, in the format asked for. Form posts from other programs carry no
CSRF token: the api_key is what authenticates them, so the blueprint is exempt.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask import Blueprint, Response, jsonify, request

from appliance.errors import LinliError, NotFound, PermissionDenied
from appliance.participation.open311 import SPEC_FIELDS
from web.auth import services

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMATS = ("json", "xml")
# The XML element each answer's items are wrapped in (GeoReport v2 examples).
XML_ROOTS = {"services": ("services", "service"), "requests": ("service_requests", "request"),
             "definition": ("service_definition", None), "errors": ("errors", "error")}


@bp.record_once
def _no_csrf(state):
    state.app.extensions["csrf"].exempt(bp)


def api():
    return services().participation.open311


def _lang() -> str:
    from web import _select_locale

    return _select_locale()


def _xml_value(parent, key, value):
    el = ET.SubElement(parent, key)
    if isinstance(value, list):  # service definition attributes
        for item in value:
            child = ET.SubElement(el, "attribute")
            for k, v in item.items():
                _xml_value(child, k, v)
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        el.text = str(value)


def render(kind: str, data, fmt: str, status: int = 200) -> Response:
    if fmt == "xml":
        root_name, item_name = XML_ROOTS[kind]
        root = ET.Element(root_name)
        for item in (data if item_name else [data]):
            parent = ET.SubElement(root, item_name) if item_name else root
            for key, value in item.items():
                _xml_value(parent, key, value)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")
        return Response(body, status=status, mimetype="text/xml")
    response = jsonify(data)
    response.status_code = status
    return response


def error(fmt: str, status: int, description: str) -> Response:
    return render("errors", [{"code": status, "description": description}], fmt if fmt in FORMATS else "json", status)


def answer(fmt: str, kind: str, produce):
    if fmt not in FORMATS:
        return error("json", 404, "Unknown format: use .json or .xml")
    try:
        return render(kind, produce(), fmt)
    except NotFound as exc:
        return error(fmt, 404, exc.message())
    except PermissionDenied as exc:
        return error(fmt, 403, exc.message())
    except LinliError as exc:
        field = SPEC_FIELDS.get(getattr(exc, "field", None), getattr(exc, "field", None))
        return error(fmt, 400, f"{field}: {exc.message()}" if field else exc.message())


@bp.get("/services.<fmt>")
def service_list(fmt):
    return answer(fmt, "services", lambda: api().services(_lang()))


@bp.get("/services/<code>.<fmt>")
def service_definition(code, fmt):
    return answer(fmt, "definition", lambda: api().service_definition(code))


@bp.get("/requests.<fmt>")
def request_list(fmt):
    a = request.args
    return answer(fmt, "requests", lambda: api().requests(
        request.host_url, ids=a.get("service_request_id", "")[:20000], codes=a.get("service_code", "")[:2000],
        start=a.get("start_date", ""), end=a.get("end_date", ""), status=a.get("status", "")[:40], lang=_lang()))


@bp.post("/requests.<fmt>")
def request_post(fmt):
    limit = services().config.participation.photo_max_mb * 1024 * 1024 + 1
    files = [f.read(int(limit)) for f in request.files.getlist("media")[:3] if f and f.filename]
    return answer(fmt, "requests", lambda: [api().post(request.form, files, request.form.get("api_key", "")
                                                       or request.args.get("api_key", ""))])


@bp.get("/requests/<request_id>.<fmt>")
def request_one(request_id, fmt):
    return answer(fmt, "requests", lambda: api().request(request_id, request.host_url, _lang()))


@bp.get("/tokens/<token>.<fmt>")
def token(token, fmt):
    return answer(fmt, "requests", lambda: api().token(token))
