"""The admin site for volunteers, property staff and district staff."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from web.admin import accounts, dashboard, imports, registry  # noqa: E402,F401  (views attach to bp)
from web.admin import face, labels  # noqa: E402,F401
