"""Composition root: the only place that picks concrete backends and builds singletons.

``build_runtime(config)`` opens the database (migrating it), builds the services, the
task queue and the hardware, and registers health checks. The web app and the CLI get
everything from here; nothing else creates long-lived objects. The fire-lane part of the
wiring (modem, cameras, notice thread) lives beside it in :mod:`appliance.runtime_firelane`.
"""

from __future__ import annotations

import logging
import os
import platform
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from appliance.access.credentials import CredentialService
from appliance.access.keys import BoxKeys, load_or_create_signing_key
from appliance.access.service import AccessService
from appliance.config import Config
from appliance.db import migrate, open_database
from appliance.db.models import Job, User
from appliance.services import Services
from appliance.services.accounts import AccountService
from appliance.services.audit import AuditService
from appliance.services.health import HealthService
from appliance.services.jobs import JobService
from appliance.services.registry import RegistryService
from appliance.services.residents_io import ResidentsIO
from appliance.sync.service import SyncService
from appliance.runtime_firelane import firelane_notifier, firelane_service, start_firelane, vision_models_ok
from appliance.tasks import make_huey, register_tasks, start_consumer

logger = logging.getLogger(__name__)


def is_raspberry_pi() -> bool:
    try:
        return "raspberry pi" in Path("/proc/device-tree/model").read_text(errors="ignore").lower()
    except OSError:
        return False


def make_pin_factory(backend: str):
    """Real GPIO (lgpio) on a Raspberry Pi, gpiozero's MockFactory everywhere else."""
    if backend == "pi" or (backend == "auto" and is_raspberry_pi()):
        from gpiozero.pins.lgpio import LGPIOFactory

        return LGPIOFactory()
    from gpiozero.pins.mock import MockFactory

    return MockFactory()


def _read_or_create(path: Path, make) -> str:
    if path.exists():
        return path.read_text().strip()
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


@dataclass
class Runtime:
    config: Config
    services: Services
    huey: object
    tasks: object
    secret_key: str
    box_id: str
    pin_factory: object = None
    consumer: object = None
    gate: object = None
    wiegand: object = None  # hardware.wiegand.WiegandReader when [gate] wiegand pins are set
    closers: list = field(default_factory=list)
    starters: list = field(default_factory=list)  # features' background threads, started with the consumer
    simulated_modem: object = None  # the pty dongle the notifier talks to off the Pi
    camera_watches: list = field(default_factory=list)

    @property
    def db(self):
        return self.services.db

    def start_background(self) -> None:
        """Start what runs beside the web server (task consumer; features add theirs)."""
        self.consumer = start_consumer(self.huey, self.config.tasks.workers)
        for start in self.starters:
            start()
        face = self.services.extra.get("face")
        if face is not None:
            # A box that was off at the daily sweep's hour still deletes what is due.
            face.retention_sweep()
        start_firelane(self)
        self.start_sync()

    def start_sync(self, stick_watcher=None) -> None:
        """MQTT sync when a broker is configured (and the config is valid); USB when a watcher is given."""
        sync_cfg = self.config.sync
        if self.config.safe_mode:
            logger.warning("safe mode: sync stays off")
            return
        if sync_cfg.mqtt_host:
            from appliance.sync.mqtt import MqttChannel

            channel = MqttChannel(self.services.sync, sync_cfg)
            self.services.sync.channels["mqtt"] = channel
            channel.start()
            self.closers.append(channel.stop)
        if stick_watcher is not None:
            from appliance.sync.usb import UsbAgent

            agent = UsbAgent(self.services.sync.channels["usb"], stick_watcher, sync_cfg.usb_poll_s)
            agent.start()
            self.closers.append(agent.stop)

    def close(self) -> None:
        for close in reversed(self.closers):
            try:
                close()
            except Exception:
                logger.exception("error while shutting down")
        if self.consumer is not None:
            self.consumer.stop(graceful=True)
        if not self.db.is_closed():
            self.db.close()


def _build_face(services: Services, config: Config) -> None:
    """Face entry services; the models load on first use, once, with the configured threads."""
    from appliance.services.face import FaceService
    from appliance.services.face_crypto import TemplateCipher, load_or_create_key
    from appliance.services.face_identifier import FaceIdentifier
    from models.face.detect import MODEL_ENTRY as DETECTOR_ENTRY
    from models.face.embed import MODEL_ENTRY as EMBEDDER_ENTRY
    from models.face.pipeline import FacePipeline
    from models.runtime import read_manifest

    model_id = read_manifest()["models"][EMBEDDER_ENTRY]["files"]["file"]["sha256"][:12]
    cipher = TemplateCipher(load_or_create_key(config.home))
    face = FaceService(services.db, services.audit, cipher,
                       lambda: FacePipeline.load(num_threads=config.face.threads), config.face, model_id)
    services.extra["face"] = face
    services.extra["face_identifier"] = FaceIdentifier(face, config.face)

    def face_ok():
        from models.errors import ModelError
        from models.manifest import model_path

        if not config.face.enabled:
            return True, "off (config face.enabled)"
        try:
            for entry in (DETECTOR_ENTRY, EMBEDDER_ENTRY):
                model_path(entry, verify=False)
        except ModelError as exc:
            return False, f"{exc} (reinstall Linli)"
        return True, f"{face.enrolled_count()} enrolled, liveness {'on' if config.face.liveness else 'off'}"

    services.health.add("face", face_ok)


def _open_kiosk_camera(runtime: Runtime) -> None:
    """The camera in front of the kiosk, for face entry and enrollment. PIN, QR and card never
    need it, so a missing camera only hides face entry (the health line says why)."""
    from hardware.camera import CameraError, open_camera, redact_source

    source = runtime.config.face.kiosk_camera
    try:
        camera = open_camera({"source": source})
        camera.open()
    except CameraError as exc:
        logger.error("kiosk camera %s not available: %s", redact_source(source), exc)
        return
    runtime.services.extra["kiosk_camera"] = camera
    runtime.closers.append(camera.close)


def build_runtime(config: Config, *, immediate_tasks: bool | None = None, hardware: bool = True) -> Runtime:
    home = config.home
    home.mkdir(parents=True, exist_ok=True)
    db = open_database(config.db_path, config.db.busy_timeout_ms)
    migrate(db, config.db_path, config.db.backup_keep)
    secret_key = _read_or_create(home / "secret_key", lambda: secrets.token_hex(32))
    box_id = config.box.id or _read_or_create(home / "box_id", lambda: "box-" + uuid.uuid4().hex[:12])

    audit = AuditService()
    services = Services(config=config, db=db, audit=audit, box_id=box_id, secret_key=secret_key)
    services.accounts = AccountService(audit, config.web.login_max_failures, config.web.login_lockout_s)
    services.registry = RegistryService(db, audit)
    services.residents_io = ResidentsIO(db, audit)
    services.jobs = JobService()
    services.health = HealthService()
    _build_face(services, config)
    notifier, simulated_modem = firelane_notifier(config, hardware)
    services.extra["firelane"] = firelane_service(config, db, audit, notifier)

    immediate = config.tasks.immediate if immediate_tasks is None else immediate_tasks
    huey = make_huey(home, immediate)
    tasks = register_tasks(huey, services)
    services.tasks = tasks
    keys = BoxKeys(load_or_create_signing_key(home), secret_key)
    services.sync = SyncService(db, config.sync, box_id, home, signing_key=keys.signing_key,
                                pseudonym=keys.pseudonym)
    from appliance.sync.usb import UsbChannel

    services.sync.channels["usb"] = UsbChannel(services.sync)
    if config.hub.enabled:
        from appliance.hub.service import HubService
        from appliance.hub.store import open_hub_db

        hub_db = open_hub_db(config.hub.db_url, home)
        services.hub = HubService(hub_db, config.hub.id, home)
    from appliance.access.control import service_running
    from appliance.access.log import JOURNAL

    # The journal belongs to the process that owns the gate; a CLI process beside `linli run`
    # writes its (rare) rows straight to the database.
    journal_dir = Path(config.access.journal_dir) if config.access.journal_dir else home
    try:
        journal_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        logger.error("access journal folder %s not usable (%s); using the data folder", journal_dir, exc)
        journal_dir = home
    journal = None if service_running(home) else journal_dir / JOURNAL
    services.access = AccessService(db, audit, keys, config.access, safe_mode=config.safe_mode, journal=journal)
    services.access.credentials = CredentialService(db, audit, keys, config.access, services.access)
    if "face" in services.extra:
        from appliance.access.face import FaceEntry

        services.extra["face_entry"] = FaceEntry(services.access, services.extra["face"],
                                                 services.extra["face_identifier"], config.face)
        services.health.add("face entry",
                            lambda: services.extra["face_entry"].health(services.extra.get("kiosk_camera")))

    runtime = Runtime(config=config, services=services, huey=huey, tasks=tasks,
                      secret_key=secret_key, box_id=box_id, simulated_modem=simulated_modem)
    if hardware and "face_entry" in services.extra and config.face.kiosk_camera and not config.safe_mode:
        _open_kiosk_camera(runtime)
    # Closed in reverse: the notice and camera threads stop before the modem goes away.
    if simulated_modem is not None:
        runtime.closers.append(simulated_modem.stop)
    runtime.closers.append(notifier.close)
    services.health.add("modem", notifier.health)
    if hardware:
        runtime.pin_factory = make_pin_factory(config.hardware.backend)
        runtime.closers.append(runtime.pin_factory.close)
        _build_gate(runtime, services.access)
    runtime.starters.append(services.access.log.start)
    runtime.starters.append(lambda: _start_control(runtime))
    runtime.starters.append(lambda: _start_watchdog(runtime))
    runtime.closers.append(services.access.close)
    if services.hub is not None:
        runtime.closers.append(services.hub.db.close)

    def database_ok():
        db.execute_sql("SELECT 1")
        return True, str(config.db_path)

    def config_ok():
        if config.safe_mode:
            return False, "safe mode: " + "; ".join(config.problems)
        return True, "valid"

    def tasks_ok():
        stuck = Job.select().where(Job.status == "running").count()
        return True, f"immediate={immediate}, running jobs={stuck}"

    def hardware_ok():
        if runtime.pin_factory is None:
            return True, "not started"
        kind = type(runtime.pin_factory).__name__
        return True, "simulated GPIO (MockFactory)" if kind == "MockFactory" else kind

    def accounts_ok():
        if User.select().where(User.role == "admin", User.active == True).exists():  # noqa: E712
            return True, "admin account present"
        return False, "no admin account: run `linli init`"

    services.health.add("config", config_ok)
    services.health.add("database", database_ok)
    services.health.add("accounts", accounts_ok)
    services.health.add("tasks", tasks_ok)
    services.health.add("gpio", hardware_ok)
    services.health.add("gate", lambda: _gate_health(runtime))
    vision_check = vision_models_ok()  # hashing ~35 MB is too slow for every /healthz
    services.health.add("vision models", lambda: vision_check)

    def sync_ok():
        sync = services.sync
        if not sync.paired:
            return True, "not paired with a district hub (idle)"
        mqtt = sync.channels.get("mqtt")
        link = "no MQTT broker configured" if mqtt is None else (
            "MQTT connected" if mqtt.connected.is_set() else "MQTT offline (data waits in the outbox)")
        return True, f"{link}; backlog {sync.backlog()}"

    services.health.add("sync", sync_ok)
    services.sync.health_probe = lambda: {name: r["ok"] for name, r in services.health.report()["subsystems"].items()
                                          if name != "sync"}
    logger.info("runtime ready on %s (%s), box %s", platform.machine(), "safe mode" if config.safe_mode else "normal",
                box_id)
    return runtime


def _build_gate(runtime: Runtime, access: AccessService) -> None:
    """The Gate on the runtime's pins; on a mock factory with simulated wiring, on real GPIO
    with the crash guard. A gate that cannot be built leaves the relay untouched (released)
    and shows up in /healthz."""
    from gpiozero.pins.mock import MockFactory

    from hardware.errors import HardwareError
    from hardware.gate import Gate
    from hardware.simulation import GateSimulator, wire_contacts

    from appliance.access.control import service_running
    from appliance.access.log import JOURNAL

    cfg = runtime.config.gate
    if not cfg.enabled:
        return
    if service_running(runtime.config.home):
        # `linli selfcheck` and friends while `linli run` is up: the pins have one owner.
        logger.info("gate pins are owned by the running service; not claiming them")
        runtime.gate = "owned by the running service"
        return
    factory = runtime.pin_factory
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
            runtime.closers.append(lambda: stop_guard(guard))
    try:
        gate = Gate(cfg.relay_pin, pins["exit"], pins["door"], pins["fire"], pins["buzzer"], pins["led"],
                    relay_active_low=cfg.relay_active_low, pulse_s=cfg.pulse_s, held_open_s=cfg.held_open_s,
                    forced_grace_s=cfg.forced_grace_s, door_contact=cfg.door_contact, fire_contact=cfg.fire_contact,
                    bounce_s=cfg.bounce_ms / 1000 or None, on_event=access.gate_event, pin_factory=factory)
    except HardwareError as exc:
        logger.error("gate not started: %s", exc)
        runtime.gate = exc
        return
    gate.release_on_exit()
    runtime.gate = gate
    access.gate = gate
    if simulated:
        access.simulator = GateSimulator(gate, factory, door_contact=cfg.door_contact, fire_contact=cfg.fire_contact)
    runtime.closers.append(gate.close)
    _build_wiegand(runtime, access)


def _build_wiegand(runtime: Runtime, access: AccessService) -> None:
    from hardware.errors import HardwareError
    from hardware.wiegand import WiegandReader

    cfg = runtime.config.gate
    if not (cfg.wiegand_d0_pin and cfg.wiegand_d1_pin):
        return
    try:
        reader = WiegandReader(cfg.wiegand_d0_pin, cfg.wiegand_d1_pin, lambda card: access.scan(card, "wiegand"),
                               pin_factory=runtime.pin_factory)
    except HardwareError as exc:
        logger.error("Wiegand card reader not started: %s", exc)
        runtime.wiegand = f"Wiegand reader not started: {exc}"
        return
    runtime.wiegand = reader
    runtime.closers.append(reader.close)


def _gate_health(runtime: Runtime) -> tuple[bool, str]:
    gate = runtime.gate
    if not runtime.config.gate.enabled:
        return True, "disabled in config"
    if gate is None:
        return True, "not started"
    if isinstance(gate, str):
        return True, gate
    if isinstance(gate, Exception):
        return False, f"{gate} (check [gate] pins in config.toml)"
    status = gate.status()
    if status["seconds_since_heartbeat"] > 5:
        return False, "gate supervisor stopped responding"
    backlog = runtime.services.access.log.pending()
    if backlog > 1000:
        return False, f"{backlog} access log rows not yet written"
    state = "FIRE ALARM: held open" if status["fire_latched"] else (
        "open" if status["relay_energised"] else "locked")
    detail = f"{state}; {runtime.services.access.log.journal_health()}"
    if isinstance(runtime.wiegand, str):
        return False, f"{detail}; {runtime.wiegand} (check [gate] wiegand pins in config.toml)"
    return True, detail


def _start_watchdog(runtime: Runtime) -> None:
    import threading

    from appliance.access.supervision import start_watchdog
    from hardware.watchdog import SystemdNotifier

    stop = threading.Event()

    def alive() -> bool:
        gate = runtime.gate
        return not hasattr(gate, "status") or gate.status()["seconds_since_heartbeat"] < 5

    if start_watchdog(SystemdNotifier(), alive, stop) is not None:
        runtime.closers.append(stop.set)


def _start_control(runtime: Runtime) -> None:
    from appliance.access.control import ControlServer

    server = ControlServer(runtime.config.home, runtime.services.access)
    try:
        server.start()
    except OSError as exc:  # e.g. a path too long for a unix socket: the CLI cannot open, the box still works
        logger.error("gate control socket not started: %s", exc)
        return
    runtime.closers.append(server.close)
