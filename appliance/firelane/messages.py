"""Notice texts. The defaults are msgids (translated, Chinese by default); a volunteer may
replace them on the fire-lane settings page, and the replacement is used as written.

The owner notice cites 消防法 art. 28 (occupying a fire lane is forbidden) and art. 60 (a
person *may* be warned or fined up to ¥500, and the vehicle *may* be removed): the law says
"may", so the notice says 可, never that a fine will follow.
"""
from __future__ import annotations

import re

from appliance.errors import ValidationError
from appliance.i18n import N_, gettext as _

OWNER_SMS = N_(
    "[%(community)s] Your vehicle %(plate)s has been parked in the fire lane (%(zone)s) since "
    "%(time)s. Article 28 of the Fire Protection Law forbids occupying fire lanes; under "
    "Article 60 the owner may be warned or fined up to 500 yuan and the vehicle may be removed. "
    "Please move it now."
)
VOLUNTEER_SMS = N_(
    "[%(community)s] Fire lane %(zone)s blocked since %(time)s by %(plate)s (%(owner)s). "
    "Please go and check; open the admin site for photos."
)
UNKNOWN_PLATE = N_("unreadable plate")
NO_OWNER = N_("owner unknown")
OWNER_NOT_REACHED = N_("owner notified, vehicle still there")

TEMPLATE_KEYS = {"owner_sms": OWNER_SMS, "volunteer_sms": VOLUNTEER_SMS}
PLACEHOLDERS = ("community", "plate", "zone", "time", "owner")


def default_template(key: str) -> str:
    return _(TEMPLATE_KEYS[key])


# Only %(name)s is a placeholder; any other % is text ("100%" used to raise a Python format
# error). %% stays accepted as a plain %, as older saved texts may have it.
_PLACEHOLDER = re.compile(r"%%|%\(([^)]*)\)s")


def render(template: str, **params) -> str:
    values = {k: str(params.get(k, "")) for k in PLACEHOLDERS}

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in values:
            raise ValidationError("The message has a placeholder that is not known: %(error)s",
                                  field="template", error="%(" + name[:30] + ")s")
        return values[name]

    return _PLACEHOLDER.sub(fill, template)


def check_template(template: str) -> str:
    template = (template or "").strip()
    if not template:
        raise ValidationError("The message may not be empty.", field="template")
    if len(template) > 500:
        raise ValidationError("The message is too long (at most 500 characters).", field="template")
    render(template, **{k: "x" for k in PLACEHOLDERS})
    return template
