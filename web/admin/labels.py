"""Plain words for codes shown on pages: staff roles and residents' roles."""

from __future__ import annotations

from flask_babel import gettext

from appliance.i18n import N_
from web.admin import bp

STAFF_ROLES = {"admin": N_("Administrator"), "volunteer": N_("Volunteer"), "district": N_("District staff"),
               "kiosk": N_("Gate kiosk device"), "police": N_("Community police")}
RESIDENT_ROLES = {"owner": N_("Owner"), "tenant": N_("Tenant"), "family": N_("Family member")}


@bp.app_template_filter("role_label")
def role_label(role: str) -> str:
    """管理员 for ``admin`` and so on; an unknown code is shown as it is."""
    return gettext(STAFF_ROLES[role]) if role in STAFF_ROLES else role


@bp.app_template_filter("resident_role")
def resident_role(role: str) -> str:
    return gettext(RESIDENT_ROLES[role]) if role in RESIDENT_ROLES else role
