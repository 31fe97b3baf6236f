"""Fire-lane settings staff change on the settings page: ladder timers, who is on duty and the
notice texts. Stored as key/value rows so a district can push them down later."""

from __future__ import annotations

from appliance.db.models import FireIncident, FireSetting
from appliance.errors import ValidationError
from appliance.firelane import messages
from appliance.i18n import gettext as _

DEFAULTS = {"t2_s": "600", "t3_s": "1800", "duty_name": "", "duty_phone": "",
            "owner_sms": "", "volunteer_sms": "", "owner_call": "1"}


class FireSettings:
    def __init__(self, db, audit, community: str):
        self.db = db
        self.audit = audit
        self.community = community

    def values(self) -> dict:
        values = dict(DEFAULTS)
        values.update({s.key: s.value for s in FireSetting.select()})
        return values

    def timers(self) -> tuple[float, float]:
        """(seconds until the volunteer is told, seconds until it is escalated)."""
        s = self.values()
        return float(s["t2_s"]), float(s["t3_s"])

    def save(self, data: dict, actor: str) -> dict:
        clean = {}
        try:
            t2 = int(float(data.get("t2_min", 10)) * 60)
            t3 = int(float(data.get("t3_min", 30)) * 60)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValidationError("Enter the minutes as a number.", field="t2_min") from exc
        if not 0 < t2 < t3:
            raise ValidationError("The escalation time must be later than the volunteer time.",
                                  field="t3_min")
        clean["t2_s"], clean["t3_s"] = str(t2), str(t3)
        clean["duty_name"] = str(data.get("duty_name", "")).strip()[:50]
        phone = "".join(ch for ch in str(data.get("duty_phone", "")) if ch.isdigit() or ch == "+")
        clean["duty_phone"] = phone[:20]
        clean["owner_call"] = "1" if data.get("owner_call") in ("1", "on", True) else "0"
        for key in messages.TEMPLATE_KEYS:
            text = str(data.get(key, "")).strip()
            clean[key] = messages.check_template(text) if text else ""
        with self.db.atomic():
            for key, value in clean.items():
                FireSetting.insert(key=key, value=value).on_conflict_replace().execute()
            self.audit.record(actor, "update", "firelane.settings", "",
                              {k: v for k, v in clean.items() if k != "duty_phone"})
        return self.values()

    def template(self, key: str) -> str:
        return self.values().get(key) or messages.default_template(key)

    def owner_call(self) -> bool:
        return self.values()["owner_call"] == "1"

    def duty(self) -> tuple[str, str]:
        """(name, phone) of the volunteer on duty; the phone is "" when nobody is set."""
        s = self.values()
        return s["duty_name"], s["duty_phone"]

    # --- notice texts -----------------------------------------------------------------
    def _params(self, inc: FireIncident) -> dict:
        owner = inc.owner.name if inc.owner_id else _(messages.NO_OWNER)
        return {"community": self.community, "plate": inc.plate or _(messages.UNKNOWN_PLATE),
                "zone": inc.zone.name, "time": inc.entered_at.strftime("%H:%M"), "owner": owner}

    def owner_text(self, inc: FireIncident) -> str:
        return messages.render(self.template("owner_sms"), **self._params(inc))

    def volunteer_text(self, inc: FireIncident) -> str:
        return messages.render(self.template("volunteer_sms"), **self._params(inc))
