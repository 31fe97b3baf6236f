"""Devices feature (路灯与传感器): lamp circuits on relays driven by the sunset clock, sensors
read from Zigbee2MQTT on the box's own broker, alarms and silent devices turned into work
orders, and Home Assistant discovery.

Lamp circuits are built only with hardware (real GPIO on a Pi, gpiozero's MockFactory
elsewhere); each is released at build, at close and at interpreter exit. One thread ticks
the lamps every second (the first tick at start restores the scheduled state after a power
cut), looks for silent sensors every minute and writes the checkpoint every ``flush_s``.
"""

from __future__ import annotations

import datetime
import logging
import threading

from appliance.access.setup import AccessFeature
from appliance.care.setup import CareFeature
from appliance.devices.alarms import AlarmDesk
from appliance.devices.bridge import HomeAssistantBridge
from appliance.devices.carelink import CareSigns
from appliance.devices.daily import DailyFigures
from appliance.devices.district import DistrictDeviceSettings
from appliance.devices.homeassistant import Topics
from appliance.devices.hours import HourBuffer
from appliance.devices.lamps import LampService
from appliance.devices.link import MqttLink
from appliance.devices.meters import MeterPoller, open_meter
from appliance.devices.registry import DeviceRegistry
from appliance.devices.rules import Limits
from appliance.devices.schedule import LampSchedule
from appliance.devices.sensors import SensorService
from appliance.devices.siteplan import SitePlan
from appliance.devices.sms import AlarmTexts
from appliance.devices.service import DevicesService
from appliance.features import Context, Feature
from appliance.firelane.setup import FireLaneFeature
from appliance.i18n import gettext as _
from appliance.workorders.setup import WorkOrdersFeature

logger = logging.getLogger(__name__)

SILENT_CHECK_S = 60.0


class Clock:
    """The feature's clock; tests point it at a fake time."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self) -> datetime.datetime:
        return self.fn()


class DevicesFeature(Feature):
    name = "devices"

    def __init__(self, service: DevicesService, clock: Clock, flush_s: float):
        super().__init__()
        self.service = service
        self.clock = clock
        self.flush_s = flush_s
        self.meters: MeterPoller | None = None
        self.texts: AlarmTexts | None = None
        self.care_signs: CareSigns | None = None
        self.district: DistrictDeviceSettings | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start_loop(self) -> None:
        svc = self.service
        svc.lamps.load()  # running overrides survive a power cut
        if self.district is not None:
            self.district.check()  # the district's offsets and silences before the first switch
        svc.lamps.tick()  # first: the lamps back where the clock says, within a second of start

        def loop():
            last_silent = last_flush = 0.0
            ticks = 0.0
            while not self._stop.wait(1.0):
                ticks += 1.0
                try:
                    svc.lamps.tick()
                    if svc.bridge is not None:
                        svc.bridge.flush()
                        svc.bridge.gate_changed()
                    if ticks - last_silent >= SILENT_CHECK_S:
                        last_silent = ticks
                        if self.district is not None:
                            self.district.check()
                        svc.sensors.check_silent()
                        svc.escalate()
                    if ticks - last_flush >= self.flush_s:
                        last_flush = ticks
                        svc.checkpoint()
                        svc.daily.publish_yesterday()  # once a day; later calls find it queued
                except Exception:
                    logger.exception("devices loop failed")

        self._thread = threading.Thread(target=loop, name="devices", daemon=True)
        self._thread.start()
        self.on_close(self._stop_loop)

    def _stop_loop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        self.service.checkpoint()


def build_circuits(cfg, pin_factory) -> tuple[dict, dict]:
    """(name -> LampCircuit, name -> why it could not be built): one bad circuit must not
    keep the gate and the other lamps from starting."""
    from hardware.errors import HardwareError
    from hardware.lamp import LampCircuit

    circuits, failed = {}, {}
    for entry in cfg.lamps:
        try:
            clamp = _clamp(entry, cfg, pin_factory)
            circuit = LampCircuit(entry["name"], entry["relay_pin"], entry.get("dim_pin"), entry.get("current_pin"),
                                  relay_active_low=cfg.relay_active_low, pin_factory=pin_factory, clamp=clamp)
        except HardwareError as exc:
            logger.error("lamp %s not driven: %s", entry["name"], exc)
            failed[entry["name"]] = str(exc)
            continue
        circuit.release_on_exit()
        circuits[entry["name"]] = circuit
    return circuits, failed


def _clamp(entry: dict, cfg, pin_factory):
    """The circuit's CT clamp on the MCP3008, when ``clamp_channel`` is set."""
    if entry.get("clamp_channel") is None:
        return None
    from hardware.adc import CurrentClamp

    return CurrentClamp(entry["name"], entry["clamp_channel"], device=cfg.adc_device,
                        amps_per_volt=entry.get("clamp_amps_per_volt", 30.0),
                        on_amps=entry.get("clamp_on_amps", 0.3), off_amps=entry.get("clamp_off_amps", 0.1),
                        pin_factory=pin_factory)


def setup(ctx: Context) -> DevicesFeature:
    cfg = ctx.config.devices
    clock = Clock(ctx.clock)
    workorders = ctx.need(WorkOrdersFeature).service
    registry = DeviceRegistry(ctx.db, clock)
    if not ctx.safe_mode:
        registry.sync_config(cfg)
    desk = AlarmDesk(workorders, clock, ctx.config.box.language)
    desk.register_categories()
    texts = None
    lane = ctx.find(FireLaneFeature)
    if lane is not None and ctx.hardware and not ctx.safe_mode:
        texts = AlarmTexts(lane.lane.notifier, ctx.config.box.language)
        desk.on_new_order = texts.order_opened
    hours = HourBuffer(ctx.db)
    schedule = LampSchedule.from_config(cfg, ctx.config.box.timezone)
    schedule.district_source = _district_dates
    use_lamps = ctx.hardware and ctx.pin_factory is not None and cfg.enabled and not ctx.safe_mode
    circuits, failed = build_circuits(cfg, ctx.pin_factory) if use_lamps else ({}, {})
    lamps = LampService(ctx.db, ctx.audit, registry, schedule, circuits, desk, hours, clock,
                        override_hours=cfg.override_hours, fault_after_s=cfg.fault_after_s)
    sensors = SensorService(ctx.db, registry, desk, hours, Limits.from_config(cfg), clock,
                            base_topic=cfg.z2m_topic, silent_after=cfg.silent_after)
    lamps.load()
    sensors.load()
    care = ctx.find(CareFeature)
    care_signs = None
    if care is not None:
        care_signs = CareSigns(care.service.observe)
        sensors.on_reading.append(care_signs.reading)
    link = bridge = None
    # Nothing configured, nothing to listen to: no reconnect attempts to a broker that may not exist.
    use_broker = (ctx.hardware and cfg.enabled and bool(cfg.mqtt_host) and not ctx.safe_mode
                  and bool(cfg.lamps or cfg.sensors or sensors.devices))  # district-pushed sensors too
    if use_broker:
        topics = Topics(ctx.box_id, cfg.ha_prefix)
        link = MqttLink(cfg.mqtt_host, cfg.mqtt_port, f"linli-{ctx.box_id}-devices", username=cfg.mqtt_username,
                        password=cfg.mqtt_password, will=(topics.availability, b"offline"))
        link.subscriptions += sensors.subscriptions()
        link.route(lambda t: t.startswith(sensors.base + "/"), sensors.handle)
        if cfg.chirpstack:
            link.subscriptions.append("application/+/device/+/event/up")
            link.route(lambda t: t.startswith("application/"), sensors.handle_chirpstack)
        if cfg.ha_discovery:
            access = ctx.find(AccessFeature)

            def gate_status():
                gate = getattr(access, "gate", None)
                return gate.status() if hasattr(gate, "status") and not getattr(gate, "closed", False) else None

            bridge = HomeAssistantBridge(link, topics, registry, lamps, sensors,
                                         gate_status=gate_status if access is not None else None,
                                         remote_open=access.service.remote_open if access is not None else None,
                                         gate_control=cfg.ha_gate_control, box_name=ctx.config.box.name)
            bridge.attach()
            lamps.on_change = bridge.lamp_changed
            sensors.on_state = bridge.sensor_changed
    service = DevicesService(registry, lamps, sensors, schedule, clock, link, bridge,
                             SitePlan(ctx.db, ctx.audit, ctx.home / "siteplan"), DailyFigures(ctx.db, ctx.box_id, clock),
                             audit=ctx.audit,
                             escalation=(datetime.timedelta(minutes=cfg.escalate_after_min), cfg.escalate_phone,
                                         workorders, texts) if cfg.escalate_after_min else None)
    feature = DevicesFeature(service, clock, cfg.flush_s)
    feature.texts = texts
    feature.care_signs = care_signs
    feature.district = DistrictDeviceSettings(
        ctx.db, ctx.audit, schedule, desk, registry, clock, ctx.box_id,
        baseline={"on_after_sunset_min": cfg.on_after_sunset_min, "off_before_sunrise_min": cfg.off_before_sunrise_min,
                  "dim_at": cfg.dim_at, "dim_level": cfg.dim_level},
        lamps=lamps, sensors=sensors, announce=bridge.announce if bridge is not None else None,
        file_sensors={e["name"] for e in cfg.lamps + cfg.sensors + cfg.meters if isinstance(e, dict) and "name" in e})
    if texts is not None:
        feature.on_start(texts.start)
        feature.on_close(texts.close)
    use_meters = ctx.hardware and cfg.enabled and bool(cfg.meters) and not ctx.safe_mode
    if use_meters:
        def opener(device, buses):
            baseline = sensors.live(device.name)["values"].get("total", 0.0)
            return open_meter(device, buses, ctx.pin_factory, baseline)

        feature.meters = MeterPoller(sensors, opener)
        if any(entry.get("pulse_pin") for entry in cfg.meters):
            # Pulses arrive at any time: the counters must exist from the start, not at the first poll.
            feature.on_start(lambda: feature.meters.open_all())
    # Closed in reverse: the loop stops (and checkpoints), then the broker, then the relays.
    feature.on_close(lambda: [c.close() for c in circuits.values()])
    if link is not None:
        feature.on_start(link.start)
        feature.on_close(lambda: link.close((topics.availability, b"offline")))
    if use_lamps or use_broker or use_meters:
        feature.on_start(feature.start_loop)
    if feature.meters is not None:
        feature.on_start(feature.meters.start)
        feature.on_close(feature.meters.close)
    feature.check("lamps", lambda: _lamps_health(lamps, use_lamps, failed))
    feature.check("sensors", lambda: _sensors_health(service))
    return feature


def _lamps_health(lamps: LampService, used: bool, failed: dict) -> tuple[bool, str]:
    if failed:
        return False, _("lamp circuits not driven: %(names)s", names=", ".join(sorted(failed)))
    if not used or not lamps.circuits:
        return True, _("no lamp circuits configured")
    on = sum(1 for c in lamps.circuits.values() if c.is_on)
    faults = sum(1 for n in lamps.devices if lamps.desk.active(n))
    return faults == 0, _("%(on)s of %(n)s circuits on, %(f)s faults", on=on, n=len(lamps.circuits), f=faults)


def _sensors_health(service: DevicesService) -> tuple[bool, str]:
    n = len(service.sensors.devices)
    if n == 0:
        return True, _("No sensors configured.")
    if service.link is None:
        return True, _("%(n)s sensors, not listening (no broker configured)", n=n)
    if not service.link.connected.is_set():
        return False, _("%(n)s sensors, broker not reachable", n=n)
    return True, _("%(n)s sensors, listening", n=n)


def _district_dates():
    from appliance.db.models import DistrictSetting

    row = DistrictSetting.get_or_none(DistrictSetting.key == "devices.all_night_dates")
    return row.value if row is not None and isinstance(row.value, list) else []
