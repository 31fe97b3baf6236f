from flask import render_template

from web.admin import bp
from web.auth import READERS, roles, services


@bp.get("/")
@roles(*READERS)
def dashboard():
    s = services()
    return render_template("admin/dashboard.html", counts=s.registry.counts(), health=s.health.report(),
                           recent=s.audit.latest(8), by_building=s.registry.residents_by_building())
