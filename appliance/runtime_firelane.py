"""Composition root, fire-lane part: the modem notifier, the camera watch threads and the
notice thread. Only :mod:`appliance.runtime` calls this; it picks real or simulated backends."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from appliance.config import Config

if TYPE_CHECKING:
    from appliance.runtime import Runtime

logger = logging.getLogger(__name__)


def firelane_notifier(config: Config, hardware: bool):
    """(notifier, simulated modem or None): the 4G modem on a Pi, a pty dongle elsewhere."""
    from appliance.firelane.notify import NoModem, SimulatedNotifier

    from appliance.runtime import is_raspberry_pi

    mode = config.firelane.modem
    if not hardware:
        return SimulatedNotifier(), None
    if mode == "off":
        return NoModem(), None
    if mode == "auto":
        on_pi = config.hardware.backend == "pi" or (config.hardware.backend == "auto" and is_raspberry_pi())
        mode = "serial" if on_pi else "simulated"
    from appliance.firelane.modem import ModemNotifier
    from hardware.modem import Modem, SimulatedModem

    timeout = config.firelane.call_answer_timeout_s
    if mode == "serial":
        port = config.firelane.modem_port

        def open_serial():
            modem = Modem(port)
            modem.open()
            return modem

        return ModemNotifier(open_serial, answer_timeout_s=timeout, description=f"modem on {port}"), None
    sim = SimulatedModem()

    def open_simulated():
        if not sim.port:
            sim.start()
        modem = Modem(sim.port, command_timeout=2.0, sms_timeout=10.0)
        modem.open()
        return modem

    return ModemNotifier(open_simulated, answer_timeout_s=timeout, description="simulated modem"), sim


def firelane_service(config: Config, db, audit, notifier):
    from appliance.firelane.service import FireLaneService

    return FireLaneService(db, audit, notifier, config.home / "evidence", config.box.name)


def start_firelane(runtime: "Runtime") -> None:
    """One watch thread per configured camera and a notice thread; vision stays off in safe mode."""
    import threading

    cfg = runtime.config.firelane
    health = runtime.services.health
    service = runtime.services.extra["firelane"]
    if runtime.config.safe_mode or not cfg.enabled or not cfg.cameras:
        why = ("off: safe mode" if runtime.config.safe_mode else
               "off (firelane.enabled)" if not cfg.enabled else "no cameras configured")
        health.add("cameras", lambda: (True, why))
        return
    from appliance.firelane.cameras import CameraWatch, Locked, camera_spec
    from appliance.firelane.watch import FireLaneWatch
    from models.manifest import model_path
    from models.plates.read import PlateReader
    from models.vehicles.detect import VehicleDetector, load_interpreter

    detector = Locked(VehicleDetector(load_interpreter(model_path(f"vehicles.nanodet_{cfg.detector}"),
                                                       num_threads=cfg.threads)))
    reader = Locked(PlateReader())
    for entry in cfg.cameras:
        watch = CameraWatch(entry["name"], camera_spec(entry, cfg.fps),
                            lambda name: FireLaneWatch(name, service, detector, reader),
                            check_every_s=cfg.motion_check_every_s)
        watch.start()
        runtime.camera_watches.append(watch)
        runtime.closers.append(watch.close)
        health.add(f"camera {entry['name']}", watch.health)

    # Notices (a call may ring for 40 s) go out from their own thread, not a camera's.
    service.deliver_inline = False
    stop = threading.Event()

    from appliance.firelane.reports import apply_reports

    def notices():
        while not stop.is_set():
            service.wake.wait(1.0)
            service.wake.clear()
            try:
                service.tick()
                service.deliver_due()
                apply_reports(service, service.notifier.reports())
            except Exception:
                logger.exception("fire-lane notice loop failed")

    thread = threading.Thread(target=notices, name="firelane-notices", daemon=True)
    thread.start()

    def stop_notices():
        stop.set()
        service.wake.set()
        thread.join(5.0)

    runtime.closers.append(stop_notices)


def vision_models_ok():
    """Every model file in models/manifest.json is present and matches its sha256."""
    from models.errors import ModelError
    from models.manifest import load_manifest, model_path

    try:
        manifest = load_manifest()
        for entry, item in manifest["models"].items():
            for key in item["files"]:
                model_path(entry, key, manifest)
    except ModelError as exc:
        return False, str(exc)
    return True, f"{len(manifest['models'])} models verified"
