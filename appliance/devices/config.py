"""The [devices] section of config.toml (kept beside the feature; appliance.config includes it)."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.configfield import setting


@dataclass
class DevicesConfig:
    enabled: bool = setting(True, "Drive the street lamps and listen to the sensors (lamps stay released in safe mode).")
    latitude: float = setting(26.08, "Latitude of the community, for sunset and sunrise (Fuzhou by default).", min=-90.0, max=90.0)
    longitude: float = setting(119.30, "Longitude of the community.", min=-180.0, max=180.0)
    on_after_sunset_min: int = setting(10, "Lamps go on this many minutes after sunset (negative: before).", min=-120, max=120)
    off_before_sunrise_min: int = setting(10, "Lamps go off this many minutes before sunrise (negative: after).", min=-120, max=120)
    dim_at: str = setting("00:00", "Time the dimmable lamps dim to dim_level (HH:MM); empty: never dim.")
    dim_level: float = setting(0.5, "Brightness after dim_at, 0.05 to 1.", min=0.05, max=1.0)
    all_night_dates: list[str] = setting([], "Nights the lamps burn bright all night (holidays such as 春节): "
                                             "\"2027-02-06\" or a range \"2027-02-05..2027-02-12\" (the night starting that day).")
    override_hours: float = setting(4.0, "How long a manual lamp override lasts before the schedule takes over again.", min=0.1, max=72)
    relay_active_low: bool = setting(True, "The lamp relay board energises the coil when the pin is low.")
    fault_after_s: int = setting(120, "A lamp that should be on but draws no current (or the opposite) this long opens a work order.", min=10, max=86400)
    lamps: list[dict] = setting([], "Lamp circuits, one [[devices.lamps]] table each: name, place, relay_pin, and optional "
                                    "dim_pin, current_pin, watts, responsible; or a CT clamp on the MCP3008: clamp_channel "
                                    "(0-7), clamp_on_amps (at least this when on, default 0.3), clamp_off_amps (at most "
                                    "this when off, default 0.1), clamp_amps_per_volt (default 30).")
    adc_device: int = setting(0, "SPI chip select of the MCP3008 for the lamps' current clamps: 0 (CE0, GPIO8) or 1 (CE1, GPIO7).", min=0, max=1)
    sensors: list[dict] = setting([], "Sensors, one [[devices.sensors]] table each: name (the Zigbee2MQTT friendly name), kind "
                                      "(water_leak, smoke, door, tilt, garbage, climate, sos), place, responsible, interval_h, "
                                      "and optional depth_cm for a garbage-room level sensor.")
    meters: list[dict] = setting([], "Meters on RS-485 (Modbus RTU), one [[devices.meters]] table each: name, place, "
                                     "responsible, port (\"/dev/ttyUSB0\"), device_id, register, format (float32, uint32, "
                                     "uint16), scale, unit (kWh or m3), input (true: input registers), interval_min.")
    mqtt_host: str = setting("127.0.0.1", "The box's own MQTT broker, where Zigbee2MQTT and Home Assistant talk; empty: no sensors.")
    mqtt_port: int = setting(1883, "Port of the box's MQTT broker.", min=1, max=65535)
    mqtt_username: str = setting("", "MQTT user name on the box's broker.")
    mqtt_password: str = setting("", "MQTT password on the box's broker.")
    z2m_topic: str = setting("zigbee2mqtt", "Zigbee2MQTT's base topic.")
    chirpstack: bool = setting(False, "Also read LoRaWAN sensors from a ChirpStack v4 on the same broker "
                                      "(application/+/device/+/event/up; the device's name in ChirpStack is its name here).")
    ha_discovery: bool = setting(True, "Announce lamps and sensors to Home Assistant (MQTT discovery).")
    ha_prefix: str = setting("homeassistant", "Home Assistant's discovery prefix.")
    ha_gate_control: bool = setting(False, "Let Home Assistant open the gate (a remote open with reason \"Home Assistant\", "
                                           "audited, refused when the district switched remote opening off). Off: HA only sees it.")
    silent_after: float = setting(3.0, "A sensor not heard for this many times its report interval opens a work order.", min=1.5, max=100)
    battery_low_pct: int = setting(15, "Battery at or below this opens a work order.", min=1, max=90)
    tilt_max_deg: float = setting(12.0, "A manhole cover tilted more than this many degrees opens a work order.", min=1, max=90)
    garbage_full_pct: int = setting(80, "A garbage room fuller than this opens a work order.", min=10, max=100)
    escalate_after_min: int = setting(30, "An alarm's work order nobody accepted within this many minutes is escalated "
                                          "(a text to escalate_phone, a note on the order); 0: never.", min=0, max=10080)
    escalate_phone: str = setting("", "Mobile number that gets escalated alarms (the property office, a duty phone).")
    flush_s: int = setting(3600, "Seconds readings wait in memory before last-seen and the hourly figures are written in one "
                                 "batch (alarms are written at once; the SD card wears with every write).", min=5, max=3600)

    def check(self) -> list[str]:
        from appliance.devices.registry import config_problems

        return config_problems(self)
