"""Participation feature: residents' reports with photos, the "fixed?" follow-up (SMS through
the fire lane's modem notifier), Open311 keys, notices and ratings. One background thread asks
the follow-up questions and runs the photo retention sweep."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from appliance.devices.setup import DevicesFeature
from appliance.features import Context, Feature
from appliance.firelane.setup import FireLaneFeature
from appliance.participation.followup import Followups
from appliance.participation.notices import Notices
from appliance.participation.open311 import Open311
from appliance.participation.open311_keys import Open311Keys
from appliance.participation.photos import PhotoRules, PhotoStore
from appliance.participation.ratings import Ratings
from appliance.participation.sms_answers import SmsAnswers
from appliance.participation.speech import Speaker
from appliance.participation.reports import ReportService
from appliance.workorders.setup import WorkOrdersFeature

logger = logging.getLogger(__name__)

TICK_S = 60.0
SWEEP_EVERY = 24 * 60  # ticks


class ParticipationFeature(Feature):
    name = "participation"

    def __init__(self, reports: ReportService, followups: Followups, keys: Open311Keys, photos: PhotoStore):
        super().__init__()
        self.reports = reports
        self.followups = followups
        self.keys = keys
        self.open311 = None  # the GeoReport v2 answers, set by setup
        self.photos = photos
        self.notices = None
        self.ratings = None
        self.speaker = None
        self.sms_answers = None  # "fixed?" answered by SMS
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, n: int = 0) -> None:
        self.notices.refresh_gate()
        self.notices.publish_reads()
        self.followups.ask_due()
        self.sms_answers.poll()
        if n % SWEEP_EVERY == 0:
            self.reports.sweep_photos()

    def start_loop(self) -> None:
        def loop():
            n = 0
            while not self._stop.wait(0 if n == 0 else TICK_S):
                try:
                    self.tick(n)
                except Exception:
                    logger.exception("participation loop failed")
                n += 1

        self._thread = threading.Thread(target=loop, name="participation", daemon=True)
        self._thread.start()
        self.on_close(self._stop_loop)

    def _stop_loop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)


def _plan_size(devices):
    """The site plan's size in pixels (the devices feature owns the picture), None without one."""
    def size():
        plan = getattr(devices, "plan", None)
        try:
            return plan.size() if plan is not None and plan.exists() else None
        except OSError:
            logger.warning("site plan picture unreadable; nearby reports use its width only")
            return None
    return size


def setup(ctx: Context) -> ParticipationFeature:
    settings = ctx.config.participation
    wo = ctx.need(WorkOrdersFeature).service
    folder = Path(settings.photo_dir) if settings.photo_dir else ctx.home / "photos"
    photos = PhotoStore(folder, PhotoRules.from_config(settings))
    reports = ReportService(ctx.db, wo, photos, settings, clock=ctx.clock)
    reports.register_categories()
    reports.plan_size = _plan_size(ctx.need(DevicesFeature).service)
    notifier = ctx.need(FireLaneFeature).lane.notifier
    followups = Followups(ctx.db, wo, reports, notifier, settings, ctx.config.box.name)
    keys = Open311Keys(ctx.db, ctx.audit, clock=ctx.clock)
    feature = ParticipationFeature(reports, followups, keys, photos)
    feature.open311 = Open311(wo, reports, keys, ctx.config.box.name, clock=ctx.clock)
    feature.notices = Notices(ctx.db, ctx.audit, photos, clock=ctx.clock)
    feature.notices.refresh_gate()
    feature.ratings = Ratings(ctx.db, ctx.secret_key, followups, clock=ctx.clock)
    feature.speaker = Speaker(ctx.home / "speech")
    feature.sms_answers = SmsAnswers(ctx.db, followups, notifier, ctx.config.box.language, clock=ctx.clock)
    if not ctx.config.safe_mode and ctx.hardware:
        feature.on_start(feature.start_loop)
    return feature
