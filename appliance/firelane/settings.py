"""Fire-lane settings staff change on the settings page: ladder timers, who is on duty and the
notice texts. Stored as key/value rows so a district can push them down later."""

from __future__ import annotations

from appliance.db.models import FireIncident, FireSetting
from appliance.errors import ValidationError
from appliance.firelane import messages
from appliance.i18n import gettext as _
from appliance.validation import clean_phone, clean_text

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
        clean["duty_name"] = clean_text(data.get("duty_name", ""), "duty_name", max_len=50)
        # The number the ladder texts: "abc" used to be kept as "" without a word.
        clean["duty_phone"] = clean_phone(data.get("duty_phone", ""), "duty_phone")
        if clean["duty_name"] and not clean["duty_phone"]:
            raise ValidationError("Give the phone number of the volunteer on duty.", field="duty_phone")
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

    def set_duty(self, name: str, phone: str, actor: str) -> None:
        """Who is on duty, leaving the other settings as they are (the demo community uses it)."""
        current = self.values()
        t2, t3 = self.timers()
        self.save({**current, "t2_min": t2 / 60, "t3_min": t3 / 60, "duty_name": name, "duty_phone": phone},
                  actor)

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
