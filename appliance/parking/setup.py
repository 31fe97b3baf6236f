"""Parking feature: the decision service, the entry (and optional exit) lane with its barrier
on the context's pins, and the volunteer's answers.

Fail-safe order as at the gate: barriers are built with released relays and closed with
the feature; a barrier that cannot be built leaves the relays alone, shows red on /healthz,
and the decisions still work (a volunteer can still see and answer every car).
"""

from __future__ import annotations

import logging

from appliance.access.control import service_running
from appliance.access.setup import AccessFeature
from appliance.features import Context, Feature
from appliance.firelane.setup import FireLaneFeature
from appliance.i18n import N_
from appliance.i18n import gettext as _
from appliance.parking.lane import CarLane
from appliance.parking.pictures import PictureStore
from appliance.parking.service import CarDecision, ParkingService
from appliance.parking.stay import CATEGORY as STAY_CATEGORY
from appliance.parking.stay import StayWatch
from appliance.workorders.setup import WorkOrdersFeature

logger = logging.getLogger(__name__)


LANE_WORDS = {"entry": N_("entry"), "exit": N_("exit")}


class ParkingFeature(Feature):
    name = "parking"

    def __init__(self, service: ParkingService, enabled: bool, stays: StayWatch | None = None,
                 pictures: PictureStore | None = None):
        super().__init__()
        self.service = service
        self.enabled = enabled
        self.stays = stays  # long-stay and delivery/taxi overstay flags
        self.pictures = pictures  # plate crops of waiting cars
        self.lanes: dict[str, CarLane] = {}
        self.barriers: dict = {}  # lane -> hardware.barrier.Barrier, or an exception saying why not
        self.simulators: dict = {}  # lane -> BarrierSimulator on a mock pin factory
        self.approach = None  # the entry camera's ApproachReader, once started
        self.approaches: dict = {}  # lane -> ApproachReader, for every lane with a camera
        self.camera_error: str | None = None

    def answer(self, question_id, let_in: bool, reason, actor: str, grace: bool = False) -> CarDecision:
        """The volunteer's 放行 / 拒绝 for a waiting car; 放行 raises that lane's barrier."""
        decision = self.service.answer(question_id, let_in, reason, actor, grace=grace)
        lane = self.lanes.get(decision.question.lane) if decision.question else None
        if decision.raised and lane is not None:
            lane.raise_arm("volunteer")
        return decision

    def fire(self) -> bool:
        return any(getattr(b, "fire_latched", False) for b in self.barriers.values())

    def car_gate_health(self) -> tuple[bool, str]:
        if not self.enabled:
            return True, _("switched off in the settings ([parking] enabled)")
        for lane, barrier in self.barriers.items():
            if isinstance(barrier, Exception):
                return False, _("the %(lane)s barrier could not be started. Check the [parking] pins.",
                                lane=_(LANE_WORDS.get(lane, lane))), str(barrier)
            if not isinstance(barrier, str) and barrier.status()["seconds_since_heartbeat"] > 5:
                return False, _("the barrier stopped responding; restart Linli")
        if self.camera_error:
            return False, _("a car gate camera did not start (%(error)s); check [parking] entry_camera and "
                            "exit_camera", error=self.camera_error)
        waiting = len(self.service.open_questions(self.service.settings.question_wait_s))
        occupancy = self.service.occupancy()
        if occupancy["counted"]:
            text = _("%(n)s cars inside", n=occupancy["inside"])
        else:
            text = _("cars inside not counted (no exit loop or exit camera)")
        if waiting:
            text += "; " + _("%(n)s cars waiting for a volunteer", n=waiting)
        return True, text


def setup(ctx: Context) -> ParkingFeature:
    cfg = ctx.config.parking
    access = ctx.need(AccessFeature).service
    firelane_feature = ctx.need(FireLaneFeature)
    firelane = firelane_feature.lane
    owners = firelane.owners  # one plate cache for the watch and the gate

    def camera_ok(name: str) -> bool:
        # A fire-lane camera that lost its picture keeps its last zone count: not to be trusted.
        return all(w.health()[0] for w in firelane_feature.camera_watches if w.name == name)

    # The fire-lane cameras count the cars in zones drawn as "parking": the same zone editor.
    service = ParkingService(ctx.db, ctx.audit, access, owners, cfg, zone_counts=lambda: firelane.zones.occupancy,
                             camera_ok=camera_ok)
    workorders = ctx.need(WorkOrdersFeature).service
    workorders.register_category(STAY_CATEGORY, "车辆长时间停放", "Car parked too long", 24, group="parking")
    feature = ParkingFeature(service, cfg.enabled, StayWatch(cfg, workorders, clock=ctx.clock),
                             PictureStore(ctx.home / "parking"))
    feature.check("car gate", feature.car_gate_health)
    if not cfg.enabled:
        return feature
    for lane, pin in (("entry", cfg.raise_pin), ("exit", cfg.exit_raise_pin)):
        if pin < 0:
            continue
        barrier = _build_barrier(ctx, feature, lane)
        feature.lanes[lane] = CarLane(lane, service, barrier, fire=lambda: feature.fire() or access.fire_active())
    for lane, source in (("entry", cfg.entry_camera), ("exit", cfg.exit_camera)):
        if source and lane in feature.lanes and ctx.hardware and not ctx.safe_mode:
            feature.on_start(lambda lane=lane, source=source: _start_camera(ctx, feature, lane, source))
    return feature


def _start_camera(ctx: Context, feature: ParkingFeature, lane: str = "entry", source: str = "") -> None:
    """A lane's camera in its own thread: plates read on approach (see approach.py). The exit
    lane's reads count the cars leaving and clear long-stay flags."""
    import threading

    from appliance.parking.approach import ApproachReader
    from hardware.camera.base import CameraError
    from hardware.camera.factory import backend_for, open_camera
    from hardware.camera.motion import MotionGate
    from models.errors import ModelError
    from models.plates.read import PlateReader

    cfg = ctx.config.parking
    try:
        source = source or cfg.entry_camera
        # The camera serves at the lane's rate too (a replay's own default is 2 fps).
        rate = {"file": "fps", "picamera": "fps"}.get(backend_for(source), "max_fps")
        camera = open_camera({"source": source, "name": f"car-{lane}", rate: cfg.camera_fps})
        gate = MotionGate(check_every_s=cfg.motion_check_s) if cfg.motion_gating else None
        reader = ApproachReader(feature.lanes[lane], PlateReader(recogniser=ctx.config.firelane.plate_recogniser),
                                pictures=feature.pictures if lane == "entry" else None, gate=gate)
    except (CameraError, ModelError) as exc:
        logger.error("car gate %s camera not started: %s", lane, exc)
        feature.camera_error = f"{lane}: {exc}"
        return
    stop = threading.Event()
    thread = threading.Thread(target=reader.run, args=(camera, stop, cfg.camera_fps), name=f"car-{lane}-camera",
                              daemon=True)
    thread.start()
    feature.approaches[lane] = reader
    if lane == "entry":
        feature.approach = reader

    def stop_camera():
        stop.set()
        thread.join(timeout=3)

    feature.on_close(stop_camera)  # registered after the barrier: closed before it


def _build_barrier(ctx: Context, feature: ParkingFeature, lane: str):
    from gpiozero.pins.mock import MockFactory

    from hardware.barrier import Barrier
    from hardware.errors import HardwareError
    from hardware.simulation import BarrierSimulator, wire_barrier

    cfg = ctx.config.parking
    factory = ctx.pin_factory
    if factory is None:
        return None
    if service_running(ctx.home):
        feature.barriers[lane] = "owned by the running service"
        return None
    entry = lane == "entry"
    pins = {"raise_pin": cfg.raise_pin if entry else cfg.exit_raise_pin,
            "lower_pin": (cfg.lower_pin if entry else -1),
            "presence_pin": (cfg.presence_pin if entry else cfg.exit_presence_pin), "fire_pin": cfg.fire_pin if entry else -1}
    pins = {k: (v if v is not None and v >= 0 else None) for k, v in pins.items()}
    simulated = isinstance(factory, MockFactory)
    if simulated:
        wire_barrier(factory, presence_pin=pins["presence_pin"], fire_pin=pins["fire_pin"])
    try:
        barrier = Barrier(pins["raise_pin"], pins["lower_pin"], pins["presence_pin"], pins["fire_pin"],
                          relay_active_low=cfg.relay_active_low, pulse_s=cfg.pulse_s,
                          lower_after_s=cfg.lower_after_s, presence_contact=cfg.presence_contact,
                          pin_factory=factory)
    except HardwareError as exc:
        logger.error("%s barrier not started: %s", lane, exc)
        feature.barriers[lane] = exc
        return None
    barrier.release_on_exit()
    feature.barriers[lane] = barrier
    if simulated:
        feature.simulators[lane] = BarrierSimulator(barrier, presence_contact=cfg.presence_contact)
    feature.on_close(barrier.close)
    return barrier
