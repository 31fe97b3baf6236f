"""The gate kiosk: a full-screen, touch-first page at the gate."""

from flask import Blueprint, render_template

from web.auth import load_user

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


@bp.get("/")
def home():
    user = load_user()
    return render_template("kiosk/home.html", device_ready=bool(user and user.role == "kiosk"))


# Face enrollment pages live under /kiosk/face (endpoints kiosk.face.*).
from web.kiosk_face import bp as face_bp  # noqa: E402

bp.register_blueprint(face_bp)
