"""JSON API under /api/v1 (described by /api/v1/openapi.json)."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, jsonify

from web.auth import READERS, roles, services
from web.params import page_arg, text_arg

bp = Blueprint("api", __name__, url_prefix="/api/v1")
OPENAPI = Path(__file__).resolve().parent / "openapi.json"


@bp.get("/openapi.json")
@roles(*READERS)
def openapi():
    return jsonify(json.loads(OPENAPI.read_text(encoding="utf-8")))


@bp.get("/summary")
@roles(*READERS)
def summary():
    return jsonify(services().registry.counts())


@bp.get("/residents")
@roles(*READERS)
def residents():
    page = page_arg()
    rows, total = services().registry.residents(text_arg("q", 50), None, page)
    return jsonify({
        "total": total, "page": page,
        "items": [{"uuid": str(r.uuid), "name": r.name, "building": r.household.unit.building.name,
                   "unit": r.household.unit.number, "role": r.role} for r in rows],
    })
