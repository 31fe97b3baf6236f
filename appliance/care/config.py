"""The [care] section of config.toml (kept beside the feature; appliance.config includes it)."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.configfield import setting


@dataclass
class CareConfig:
    enabled: bool = setting(True, "Watch the signs of life of elders living alone who have a care plan.")
    check_every_s: float = setting(300.0, "How often the care rules are checked and alert ladders moved on.", min=10.0, max=3600.0)
    learn_at_hour: int = setting(3, "Hour of the night when each elder's usual rhythm is learned again.", min=0, max=23)
    ack_minutes: int = setting(60, "Minutes the paired volunteer has to acknowledge a visit order before it is escalated.", min=5, max=1440)
    escalate_to: str = setting("社区居委会", "Who gets a visit order nobody acknowledged in time.")
    water_min_m3: float = setting(0.01, "Less water than this (m³) through an elder's meter in 12 hours raises an alert.", min=0.0, max=1.0)
    waste_city: str = setting("national", "Bin names in the waste-sorting guide: national (厨余/其他垃圾) or the city's own (上海: 湿/干垃圾).", choices=("national", "shanghai", "beijing", "shenzhen"))
    meal_cutoff_hour: int = setting(18, "Elders' canteen: bookings and cancellations for a day close at this hour the evening before.", min=0, max=23)
    escalate_phone: str = setting("", "Mobile number (the community's duty phone) texted when an elder's visit order opens "
                                      "and again when nobody acknowledged it in time; empty: nobody is texted.")

    def check(self) -> list[str]:
        if not self.escalate_phone:
            return []
        from appliance.errors import ValidationError
        from appliance.validation import clean_phone

        try:
            clean_phone(self.escalate_phone)
        except ValidationError:
            return ["care.escalate_phone: a mobile number such as \"13800138000\""]
        return []
