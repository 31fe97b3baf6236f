"""Fire-lane feature: the 4G modem notifier (the serial port on a Raspberry Pi, a simulated
dongle on a pty elsewhere, a SimulatedNotifier when built without hardware), one watch thread
per ``[[firelane.cameras]]`` table (never in safe mode) and the notice thread, which climbs
the ladder, sends queued notices (a call may ring for 40 s) and reads delivery reports.
"""

from __future__ import annotations

import logging
import threading

from appliance.config import Config
from appliance.features import Context, Feature
from appliance.firelane.lane import FireLane
from appliance.firelane.orders import FireLaneOrders
from appliance.i18n import gettext as _
from appliance.workorders.setup import WorkOrdersFeature
from hardware.board import on_pi

logger = logging.getLogger(__name__)


class FireLaneFeature(Feature):
    name = "firelane"

    def __init__(self, lane: FireLane, simulated_modem=None):
        super().__init__()
        self.lane = lane
        self.simulated_modem = simulated_modem  # the pty dongle the notifier talks to off the Pi
        self.camera_watches: list = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start_notices(self) -> None:
        lane = self.lane
        lane.delivery.inline = False

        def notices():
            while not self._stop.is_set():
                lane.delivery.wake.wait(1.0)
                lane.delivery.wake.clear()
                try:
                    lane.tick()
                    lane.delivery.deliver_due()
                    lane.delivery.apply_reports()
                except Exception:
                    logger.exception("fire-lane notice loop failed")

        self._thread = threading.Thread(target=notices, name="firelane-notices", daemon=True)
        self._thread.start()
        self.on_close(self._stop_notices)

    def _stop_notices(self) -> None:
        self._stop.set()
        self.lane.delivery.wake.set()
        if self._thread is not None:
            self._thread.join(5.0)


def make_notifier(config: Config, hardware: bool):
    """(notifier, simulated modem or None): the 4G modem on a Pi, a pty dongle elsewhere."""
    from appliance.firelane.notify import NoModem, SimulatedNotifier

    mode = config.firelane.modem
    if not hardware:
        return SimulatedNotifier(), None
    if mode == "off":
        return NoModem(), None
    if mode == "auto":
        mode = "serial" if on_pi(config.hardware.backend) else "simulated"
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


def setup(ctx: Context) -> FireLaneFeature:
    notifier, simulated_modem = make_notifier(ctx.config, ctx.hardware)
    workorders = ctx.find(WorkOrdersFeature)
    orders = FireLaneOrders(workorders.service) if workorders is not None else None
    if orders is not None:
        orders.register()
    lane = FireLane(ctx.db, ctx.audit, notifier, ctx.home / "evidence", ctx.config.box.name, orders=orders)
    feature = FireLaneFeature(lane, simulated_modem)
    # Closed in reverse: the notice and camera threads stop before the modem goes away.
    if simulated_modem is not None:
        feature.on_close(simulated_modem.stop)
    feature.on_close(notifier.close)
    feature.check("modem", notifier.health)
    cfg = ctx.config.firelane
    if ctx.safe_mode or not cfg.enabled or not cfg.cameras or not ctx.hardware:
        why = (_("off: the settings file has errors (safe mode)") if ctx.safe_mode else
               _("switched off in the settings ([firelane] enabled)") if not cfg.enabled else
               _("no cameras configured"))
        feature.check("cameras", lambda: (True, why))
        return feature
    feature.on_start(lambda: _start_cameras(ctx, feature))
    feature.on_start(feature.start_notices)
    for entry in cfg.cameras:
        # The line exists from the start; it says "starting" until the watch thread runs.
        feature.check(f"camera {entry['name']}", _camera_health(feature, entry["name"]))
    return feature


def _camera_health(feature: FireLaneFeature, name: str):
    def check():
        for watch in feature.camera_watches:
            if watch.name == name:
                return watch.health()
        return True, _("starting")
    return check


def _start_cameras(ctx: Context, feature: FireLaneFeature) -> None:
    """One watch thread per camera over one shared detector and plate reader."""
    from appliance.firelane.cameras import CameraWatch, Locked, camera_spec
    from appliance.firelane.watch import FireLaneWatch
    from models.manifest import model_path
    from models.plates.read import PlateReader
    from models.vehicles.detect import VehicleDetector, load_interpreter

    cfg = ctx.config.firelane
    detector = Locked(VehicleDetector(load_interpreter(model_path(f"vehicles.nanodet_{cfg.detector}"),
                                                       num_threads=cfg.threads)))
    reader = Locked(PlateReader(recogniser=cfg.plate_recogniser))
    lane = feature.lane
    for entry in cfg.cameras:
        watch = CameraWatch(entry["name"], camera_spec(entry, cfg.fps),
                            lambda name: FireLaneWatch(name, lane, detector, reader),
                            check_every_s=cfg.motion_check_every_s)
        watch.start()
        feature.camera_watches.append(watch)
        feature.on_close(watch.close)
