"""Where the community is, for the street-lamp clock: a city from a short built-in list (every
provincial capital and a few big cities, so no map service is needed) or a typed latitude and
longitude, checked before anything is saved, with that day's sunrise and sunset to show the
installer the place is right."""

from __future__ import annotations

import datetime
import math

from appliance.errors import ValidationError
from appliance.i18n import N_

# (city, province, latitude, longitude): city centres, two decimals (about a kilometre, a few
# seconds of sunset).
CITIES: tuple[tuple[str, str, float, float], ...] = (
    ("北京", "北京", 39.90, 116.41), ("天津", "天津", 39.13, 117.20), ("上海", "上海", 31.23, 121.47),
    ("重庆", "重庆", 29.56, 106.55), ("石家庄", "河北", 38.04, 114.51), ("太原", "山西", 37.87, 112.55),
    ("呼和浩特", "内蒙古", 40.84, 111.75), ("沈阳", "辽宁", 41.81, 123.43), ("大连", "辽宁", 38.91, 121.61),
    ("长春", "吉林", 43.82, 125.32), ("哈尔滨", "黑龙江", 45.80, 126.53), ("南京", "江苏", 32.06, 118.80),
    ("苏州", "江苏", 31.30, 120.59), ("杭州", "浙江", 30.27, 120.16), ("宁波", "浙江", 29.87, 121.54),
    ("合肥", "安徽", 31.82, 117.23), ("福州", "福建", 26.08, 119.30), ("厦门", "福建", 24.48, 118.09),
    ("泉州", "福建", 24.87, 118.68), ("南昌", "江西", 28.68, 115.86), ("济南", "山东", 36.65, 117.12),
    ("青岛", "山东", 36.07, 120.38), ("烟台", "山东", 37.46, 121.45), ("郑州", "河南", 34.75, 113.63),
    ("武汉", "湖北", 30.59, 114.31), ("长沙", "湖南", 28.23, 112.94), ("广州", "广东", 23.13, 113.26),
    ("深圳", "广东", 22.54, 114.06), ("南宁", "广西", 22.82, 108.37), ("海口", "海南", 20.04, 110.20),
    ("成都", "四川", 30.57, 104.07), ("贵阳", "贵州", 26.65, 106.63), ("昆明", "云南", 25.04, 102.71),
    ("拉萨", "西藏", 29.65, 91.14), ("西安", "陕西", 34.34, 108.94), ("兰州", "甘肃", 36.06, 103.83),
    ("西宁", "青海", 36.62, 101.78), ("银川", "宁夏", 38.49, 106.23), ("乌鲁木齐", "新疆", 43.83, 87.62),
    ("香港", "香港", 22.32, 114.17), ("澳门", "澳门", 22.20, 113.54), ("台北", "台湾", 25.03, 121.57),
)
BY_NAME = {c[0]: c for c in CITIES}


def city_at(latitude: float, longitude: float) -> str:
    """The listed city at exactly these coordinates, else ''."""
    return next((c[0] for c in CITIES if (c[2], c[3]) == (round(latitude, 2), round(longitude, 2))), "")


def _number(text: str, field: str, low: float, high: float, msgid: str) -> float:
    text = str(text or "").strip().replace("，", ".").replace(",", ".").replace("°", "")
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(msgid, field=field, low=low, high=high) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValidationError(msgid, field=field, low=low, high=high)
    return round(value, 4)


def parse_place(form: dict) -> tuple[str, float, float]:
    """(city, latitude, longitude) from the form: the chosen city, else the typed numbers."""
    name = (form.get("city") or "").strip()
    if name:
        if name not in BY_NAME:
            raise ValidationError(N_("Choose a city from the list, or choose “Not in the list” and type the "
                                     "latitude and longitude."), field="city")
        _, _, lat, lon = BY_NAME[name]
        return name, lat, lon
    lat_text, lon_text = str(form.get("latitude") or "").strip(), str(form.get("longitude") or "").strip()
    if not lat_text and not lon_text:
        raise ValidationError(N_("Choose the city, or type the latitude and longitude."), field="city")
    latitude = _number(lat_text, "latitude", -90, 90,
                       N_("The latitude must be a number from %(low)s to %(high)s (for example 26.08)."))
    longitude = _number(lon_text, "longitude", -180, 180,
                        N_("The longitude must be a number from %(low)s to %(high)s (for example 119.30)."))
    return "", latitude, longitude


def sun_on(latitude: float, longitude: float, timezone: str, day: datetime.date) -> dict:
    """That day's sunrise and sunset at the place, local times as HH:MM."""
    from appliance.devices.schedule import LampSchedule

    sunrise, sunset = LampSchedule(latitude, longitude, timezone).sun(day)
    return {"day": day.isoformat(), "sunrise": sunrise.strftime("%H:%M"), "sunset": sunset.strftime("%H:%M")}
