"""Plain default rules per kind: which readings are alarms. Each alarm code maps to one
work-order category; the device's name and the code make the order's dedupe key, so a
re-raised alarm is the same order."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.i18n import N_

# code -> (category code, name_zh, name_en, due hours, the order's opening sentence msgid)
CATEGORIES = {
    "leak": ("dev_water_leak", "漏水报警", "Water leak", 2, N_("%(device)s at %(place)s reports water.")),
    "smoke": ("dev_smoke", "烟雾报警", "Smoke alarm", 1, N_("%(device)s at %(place)s reports smoke.")),
    "tilt": ("dev_manhole", "井盖异常", "Manhole cover moved", 4,
             N_("%(device)s at %(place)s: the cover is tilted %(value)s degrees.")),
    "full": ("dev_garbage_full", "垃圾屋满", "Garbage room full", 12,
             N_("%(device)s at %(place)s: the garbage room is %(value)s%% full.")),
    "sos": ("dev_sos", "紧急呼叫", "SOS button", 1, N_("%(device)s at %(place)s: someone pressed the SOS button.")),
    "battery": ("dev_battery", "传感器电量低", "Sensor battery low", 168,
                N_("%(device)s at %(place)s: battery at %(value)s%%, change it.")),
    "silent": ("dev_silent", "设备失联", "Device not reporting", 48,
               N_("%(device)s at %(place)s has not reported since %(value)s.")),
    "lamp_dark": ("dev_lamp_fault", "路灯故障", "Street lamp fault", 24,
                  N_("Lamp circuit %(device)s at %(place)s is switched on but draws no current.")),
    "lamp_stuck": ("dev_lamp_fault", "路灯故障", "Street lamp fault", 24,
                   N_("Lamp circuit %(device)s at %(place)s is switched off but still draws current.")),
}


@dataclass(frozen=True)
class Limits:
    battery_low_pct: float = 15
    tilt_max_deg: float = 12
    garbage_full_pct: float = 80

    @classmethod
    def from_config(cls, cfg) -> Limits:
        return cls(cfg.battery_low_pct, cfg.tilt_max_deg, cfg.garbage_full_pct)


def alarms(kind: str, values: dict, action: str | None, limits: Limits, settings: dict | None = None) -> dict:
    """code -> the value worth quoting (or "") for each alarm this reading raises; codes
    absent from the result are "normal" as far as this reading tells."""
    settings = settings or {}
    found: dict = {}
    if kind == "water_leak" and values.get("water_leak"):
        found["leak"] = ""
    if kind == "smoke" and values.get("smoke"):
        found["smoke"] = ""
    if kind == "tilt" and values.get("tilt") is not None:
        if values["tilt"] > float(settings.get("tilt_max_deg", limits.tilt_max_deg)):
            found["tilt"] = round(values["tilt"])
    if kind == "garbage" and values.get("fill") is not None:
        if values["fill"] > float(settings.get("full_pct", limits.garbage_full_pct)):
            found["full"] = round(values["fill"])
    if kind == "sos" and action is not None:
        found["sos"] = ""
    battery = values.get("battery")
    if (battery is not None and battery <= limits.battery_low_pct) or values.get("battery_low"):
        found["battery"] = round(battery) if battery is not None else ""
    return found


def clears(kind: str, values: dict) -> set[str]:
    """Codes this reading positively says are over (an SOS press is never 'over' by itself)."""
    over = set()
    if kind == "water_leak" and values.get("water_leak") is False:
        over.add("leak")
    if kind == "smoke" and values.get("smoke") is False:
        over.add("smoke")
    if "tilt" in values:
        over.add("tilt")
    if "fill" in values:
        over.add("full")
    if "battery" in values or "battery_low" in values:
        over.add("battery")
    return over
