"""Access feature: decisions, credentials, the gate on its pins, a Wiegand reader, the
control socket the CLI talks to, and the systemd watchdog.

Fail-safe order: the gate is built released (relay de-energised) and closed last; a gate
that cannot be built leaves the relay untouched and shows red on /healthz, while PIN, QR
and card decisions still work (they simply have no relay to pulse).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from appliance.access.control import ControlServer, service_running
from appliance.access.credentials import CredentialService
from appliance.access.log import JOURNAL
from appliance.access.portal import ResidentPortal
from appliance.access.service import AccessService
from appliance.features import Context, Feature
from appliance.i18n import gettext as _

logger = logging.getLogger(__name__)

OWNED_ELSEWHERE = "owned by the running service"


class AccessFeature(Feature):
    name = "access"

    def __init__(self, service: AccessService, credentials: CredentialService, portal: ResidentPortal,
                 gate_enabled: bool):
        super().__init__()
        self.service = service
        self.credentials = credentials
        self.portal = portal
        self.gate_enabled = gate_enabled
        self.gate = None  # hardware.gate.Gate, or a str / exception saying why there is none
        self.wiegand = None  # hardware.wiegand.WiegandReader, or a str saying why it did not start

    def gate_health(self) -> tuple[bool, str]:
        gate = self.gate
        if not self.gate_enabled:
            return True, _("switched off in the settings ([gate] enabled)")
        if gate is None:
            return True, _("not started")
        if isinstance(gate, str):
            return True, _("run by the Linli service that is already running")
        if isinstance(gate, Exception):
            return False, _("the gate could not be started: %(error)s. Check the [gate] pins in the settings.",
                            error=gate)
        status = gate.status()
        if status["seconds_since_heartbeat"] > 5:
            return False, _("the gate stopped responding; restart Linli")
        backlog = self.service.log.pending()
        if backlog > 1000:
            return False, _("%(n)s access records are waiting to be written", n=backlog)
        state = (_("FIRE ALARM: held open") if status["fire_latched"] else
                 _("open") if status["relay_energised"] else _("locked"))
        technical = self.service.log.journal_health()
        if isinstance(self.wiegand, str):
            return False, _("%(state)s; the card reader did not start. Check the card reader's wiring.",
                            state=state), f"{technical}; wiegand: {self.wiegand}"
        return True, state, technical

    def gate_alive(self) -> bool:
        gate = self.gate
        return not hasattr(gate, "status") or gate.status()["seconds_since_heartbeat"] < 5


def setup(ctx: Context) -> AccessFeature:
    config = ctx.config
    # The journal belongs to the process that owns the gate; a CLI process beside `linli run`
    # writes its (rare) rows straight to the database.
    journal_dir = Path(config.access.journal_dir) if config.access.journal_dir else ctx.home
    try:
        journal_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        logger.error("access journal folder %s not usable (%s); using the data folder", journal_dir, exc)
        journal_dir = ctx.home
    journal = None if service_running(ctx.home) else journal_dir / JOURNAL
    service = AccessService(ctx.db, ctx.audit, ctx.keys, config.access, safe_mode=ctx.safe_mode, journal=journal)
    credentials = CredentialService(ctx.db, ctx.audit, ctx.keys, config.access, service)
    feature = AccessFeature(service, credentials, ResidentPortal(service, credentials), config.gate.enabled)
    feature.on_close(service.close)
    if ctx.pin_factory is not None:
        _build_gate(ctx, feature)
    feature.on_start(service.log.start)
    feature.on_start(lambda: _start_control(ctx, feature))
    feature.on_start(lambda: _start_watchdog(feature))
    feature.check("gate", feature.gate_health)
    return feature


def _build_gate(ctx: Context, feature: AccessFeature) -> None:
    """The Gate on the context's pins; on a mock factory with simulated wiring, on real GPIO
    with the crash guard."""
    from gpiozero.pins.mock import MockFactory

    from hardware.errors import HardwareError
    from hardware.gate import Gate
    from hardware.simulation import GateSimulator, wire_contacts

    cfg = ctx.config.gate
    if not cfg.enabled:
        return
    if service_running(ctx.home):
        # `linli selfcheck` and friends while `linli run` is up: the pins have one owner.
        logger.info("gate pins are owned by the running service; not claiming them")
        feature.gate = OWNED_ELSEWHERE
        return
    factory = ctx.pin_factory
    pins = {name: (getattr(cfg, f"{name}_pin") or None) for name in ("exit", "door", "fire", "buzzer", "led")}
    simulated = isinstance(factory, MockFactory)
    if simulated:
        wire_contacts(factory, door_pin=pins["door"], fire_pin=pins["fire"], exit_pin=pins["exit"])
    elif cfg.crash_guard:
        from hardware.guard import spawn_guard, stop_guard

        try:
            guard = spawn_guard({"backend": "lgpio", "chip": cfg.gpio_chip, "pin": cfg.relay_pin,
                                 "active_high": not cfg.relay_active_low})
        except (HardwareError, OSError) as exc:
            logger.error("gate crash guard not running: %s", exc)
        else:
            feature.on_close(lambda: stop_guard(guard))
    access = feature.service
    try:
        gate = Gate(cfg.relay_pin, pins["exit"], pins["door"], pins["fire"], pins["buzzer"], pins["led"],
                    relay_active_low=cfg.relay_active_low, pulse_s=cfg.pulse_s, held_open_s=cfg.held_open_s,
                    forced_grace_s=cfg.forced_grace_s, door_contact=cfg.door_contact, fire_contact=cfg.fire_contact,
                    bounce_s=cfg.bounce_ms / 1000 or None, on_event=access.gate_event, pin_factory=factory)
    except HardwareError as exc:
        logger.error("gate not started: %s", exc)
        feature.gate = exc
        return
    gate.release_on_exit()
    feature.gate = gate
    simulator = (GateSimulator(gate, factory, door_contact=cfg.door_contact, fire_contact=cfg.fire_contact)
                 if simulated else None)
    access.attach_gate(gate, simulator)
    feature.on_close(gate.close)
    _build_wiegand(ctx, feature)


def _build_wiegand(ctx: Context, feature: AccessFeature) -> None:
    from hardware.errors import HardwareError
    from hardware.wiegand import WiegandReader

    cfg = ctx.config.gate
    if not (cfg.wiegand_d0_pin and cfg.wiegand_d1_pin):
        return
    access = feature.service
    try:
        reader = WiegandReader(cfg.wiegand_d0_pin, cfg.wiegand_d1_pin, lambda card: access.scan(card, "wiegand"),
                               pin_factory=ctx.pin_factory)
    except HardwareError as exc:
        logger.error("Wiegand card reader not started: %s", exc)
        feature.wiegand = str(exc)
        return
    feature.wiegand = reader
    feature.on_close(reader.close)


def _start_watchdog(feature: AccessFeature) -> None:
    from appliance.access.supervision import start_watchdog
    from hardware.watchdog import SystemdNotifier

    stop = threading.Event()
    if start_watchdog(SystemdNotifier(), feature.gate_alive, stop) is not None:
        feature.on_close(stop.set)


def _start_control(ctx: Context, feature: AccessFeature) -> None:
    server = ControlServer(ctx.home, feature.service)
    try:
        server.start()
    except OSError as exc:  # e.g. a path too long for a unix socket: the CLI cannot open, the box still works
        logger.error("gate control socket not started: %s", exc)
        return
    feature.on_close(server.close)
