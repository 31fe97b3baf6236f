"""Care feature: the :class:`CareService` over the work-order service and the fire lane's
modem notifier (one 4G modem per box), and a thread that checks the rules every few
minutes and learns each elder's rhythm once a night. Not started in safe mode."""

from __future__ import annotations

import logging
import threading

from appliance.care.alerts import CATEGORY
from appliance.care.service import CareService, CareSettings
from appliance.features import Context, Feature
from appliance.firelane.setup import FireLaneFeature
from appliance.i18n import gettext as _
from appliance.workorders.setup import WorkOrdersFeature

logger = logging.getLogger(__name__)


class CareFeature(Feature):
    name = "care"

    def __init__(self, service: CareService, check_every_s: float, learn_at_hour: int):
        super().__init__()
        self.service = service
        self.check_every_s = check_every_s
        self.learn_at_hour = learn_at_hour
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._learned_on = None

    def run_once(self) -> None:
        now = self.service.now()
        if self._learned_on != now.date() and now.hour >= self.learn_at_hour:
            self.service.learn_routines(now)
            self._learned_on = now.date()
        self.service.tick(now)

    def start_thread(self) -> None:
        def loop():
            while not self._stop.wait(self.check_every_s):
                try:
                    self.run_once()
                except Exception:
                    logger.exception("care check failed")

        self._thread = threading.Thread(target=loop, name="care", daemon=True)
        self._thread.start()
        self.on_close(self._stop_thread)

    def _stop_thread(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)


def setup(ctx: Context) -> CareFeature:
    cfg = ctx.config.care
    workorders = ctx.need(WorkOrdersFeature).service
    workorders.register_category(CATEGORY, "独居老人探访", "Visit an elder living alone", 24, group="care")
    notifier = ctx.need(FireLaneFeature).lane.notifier
    settings = CareSettings(ack_minutes=cfg.ack_minutes, escalate_to=cfg.escalate_to, water_min_m3=cfg.water_min_m3,
                            meal_cutoff_hour=cfg.meal_cutoff_hour, waste_city=cfg.waste_city,
                            escalate_phone=cfg.escalate_phone)
    service = CareService(ctx.db, ctx.audit, workorders, notifier, settings, clock=ctx.clock)
    service.register_grid_categories()
    kept: dict = {}  # the grid photo store, made when the first photo arrives
    service.photo_store = lambda: _photo_store(ctx, kept)
    service.register_service_categories()
    feature = CareFeature(service, cfg.check_every_s, cfg.learn_at_hour)
    feature.check("care", lambda: _health(service))
    if cfg.enabled and not ctx.safe_mode:
        feature.on_start(feature.start_thread)
    return feature


def _health(service: CareService) -> tuple[bool, str]:
    # Open alerts are people's work, not a fault of the box: the line stays OK.
    n = len(service.open_alerts())
    return True, _("%(n)s open care alerts", n=n) if n else _("no open care alerts")


def _photo_store(ctx: Context, _kept: dict):
    """Grid photos are cleaned by the report photo store's rules but kept in a folder of their
    own inside it: the report folder is served to anyone at /photos/<name>, grid photos only
    to staff. The participation feature is set up after care, so this runs when a photo arrives."""
    from appliance.participation.photos import PhotoStore
    from appliance.participation.setup import ParticipationFeature

    feature = ctx.find(ParticipationFeature)
    if feature is None:
        return None
    key = id(feature.photos)
    if key not in _kept:
        # A subfolder: the public route only looks at <name>.jpg in the folder itself, and the
        # backup (which takes the photo folder with everything under it) still keeps them.
        store = PhotoStore(feature.photos.folder / "grid", feature.photos.rules)
        _move_old_grid_photos(feature.photos, store)
        _kept.clear()
        _kept[key] = store
    return _kept[key]


def _move_old_grid_photos(public, private) -> None:
    """Grid photos written before they had their own folder are moved out of the public one."""
    from appliance.db.models import GridPhoto

    names = [row.name for row in GridPhoto.select(GridPhoto.name)]
    moved = 0
    for name in names:
        for thumb in (False, True):
            old = public.path(name, thumb=thumb)
            if old is not None:
                private.folder.mkdir(parents=True, exist_ok=True)
                old.replace(private.folder / old.name)
                moved += 1
    if moved:
        logger.info("moved %s grid photo files out of the public photo folder", moved)
