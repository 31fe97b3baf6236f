"""Alarms become work orders for the device's responsible person.

The dedupe key is ``device:<name>:<code>``, so while an order for that alarm is still open
every re-raise lands on it (the work-order core counts repeats and notes at most one an
hour). In memory the desk also remembers which alarms are raised, so a flood of identical
messages costs one database write an hour, not one per message.
"""

from __future__ import annotations

import datetime
import logging
import threading

from appliance.devices.rules import CATEGORIES
from appliance.errors import LinliError
from appliance.i18n import _locale, gettext, set_locale

logger = logging.getLogger(__name__)

REPEAT_EVERY = datetime.timedelta(hours=1)
GROUP = "devices"


class AlarmDesk:
    def __init__(self, workorders, clock, language: str = "zh_CN"):
        self.workorders = workorders
        self.clock = clock
        self.language = language
        self.raised: dict[tuple[str, str], datetime.datetime] = {}
        self.opened: list = []  # (device, code, order number): what happened, newest last (bounded)
        self.on_new_order = None  # (order, device) -> None: e.g. a text to the responsible person
        self.silenced: dict[str, datetime.datetime] = {}  # device name -> until (staff pressed "silence")
        self.waiting: dict[int, tuple[datetime.datetime, str]] = {}  # new orders not yet accepted -> (opened, device)
        self._lock = threading.Lock()

    def register_categories(self) -> None:
        seen = set()
        for code, name_zh, name_en, due, _ in CATEGORIES.values():
            if code not in seen:
                seen.add(code)
                self.workorders.register_category(code, name_zh, name_en, due, group=GROUP)

    @staticmethod
    def dedupe_key(device_name: str, code: str) -> str:
        # One order per lamp fault whichever way round it went.
        return f"device:{device_name}:{'lamp' if code.startswith('lamp_') else code}"

    def is_raised(self, device_name: str, code: str) -> bool:
        return (device_name, code) in self.raised

    def raise_alarm(self, device, code: str, value="") :
        """Open (or repeat) the order for this alarm; returns the order, or None when it was
        raised less than an hour ago (nothing to write) or the order could not be filed."""
        now = self.clock()
        key = (device.name, code)
        until = self.silenced.get(device.name)
        if until is not None:
            if now < until:
                return None
            self.silenced.pop(device.name, None)
        with self._lock:
            last = self.raised.get(key)
            if last is not None and now - last < REPEAT_EVERY:
                return None
            self.raised[key] = now
        category, _, _, _, msgid = CATEGORIES[code]
        token = set_locale(self.language)
        try:
            text = gettext(msgid, device=device.name, place=device.place or "-", value=value)
        finally:
            _locale.reset(token)
        try:
            order = self.workorders.open(
                source="sensor", category=category, description=text, actor="system",
                place={"spot": device.place[:100], "device": device.name[:100], "x": device.plan_x,
                       "y": device.plan_y},
                dedupe_key=self.dedupe_key(device.name, code), assignee=device.responsible or None)
        except LinliError as exc:
            # A category staff switched off, say: the alarm stays on the device page.
            logger.warning("alarm %s on %s: no work order (%s)", code, device.name, exc)
            return None
        logger.info("alarm %s on %s -> work order %s", code, device.name, order.number)
        if order.repeats == 0:
            with self._lock:
                self.waiting[order.id] = (now, device.name)
        if order.repeats == 0 and self.on_new_order is not None:
            try:
                self.on_new_order(order, device)
            except Exception:
                logger.exception("telling the responsible person about %s failed", order.number)
        with self._lock:
            self.opened.append((device.name, code, order.number))
            del self.opened[:-200]
        return order

    def clear(self, device_name: str, code: str) -> None:
        """The device says the condition is over; the order stays for a person to close."""
        if not self.raised:
            return  # the usual case, on every reading: nothing to take the lock for
        with self._lock:
            self.raised.pop((device_name, code), None)

    def active(self, device_name: str) -> list[str]:
        with self._lock:
            return sorted(code for (name, code) in self.raised if name == device_name)

    def silence(self, device_name: str, until: datetime.datetime) -> None:
        """No new orders or repeats from this device until then (kept in memory: a restart
        ends every silence, which errs on the side of being told)."""
        self.silenced[device_name] = until

    def due_for_escalation(self, after: datetime.timedelta) -> list[tuple[int, str]]:
        """(order id, device name) of orders opened more than ``after`` ago; each is handed
        out once (the caller checks whether someone has accepted it meanwhile)."""
        now = self.clock()
        with self._lock:
            due = [(oid, name) for oid, (at, name) in self.waiting.items() if now - at >= after]
            for oid, _ in due:
                self.waiting.pop(oid, None)
        return due
