"""Composition root: the only place that picks concrete backends and builds long-lived objects.

``build_runtime(config)`` opens (and migrates) the database, builds one :class:`Context`,
calls each feature's ``setup`` in the order of :data:`FEATURES`, and gathers their services
into the typed :class:`Services` the web app and the CLI use. ``start_background`` starts
the features in order; ``close`` closes them in reverse. Adding a feature is a folder under
appliance/ with a ``setup(ctx)``, one line in :data:`FEATURES` and its typed field on
:class:`~appliance.services.Services` (gathered by ``Services.from_context``).
"""

from __future__ import annotations

import logging
import platform
import secrets
import uuid
from dataclasses import dataclass, field

from appliance.access import setup as access_feature
from appliance.face import setup as face_feature
from appliance.firelane import setup as firelane_feature
from appliance.hub import setup as hub_feature
from appliance.registry import setup as registry_feature
from appliance.sync import setup as sync_feature
from appliance.system import setup as system_feature
from appliance.workorders import setup as workorders_feature
from appliance.care import setup as care_feature
from appliance.parking import setup as parking_feature
from appliance.practice import setup as practice_feature
from appliance.votes import setup as votes_feature
from appliance.devices import setup as devices_feature
from appliance.participation import setup as participation_feature
from appliance.access.keys import BoxKeys, load_or_create_signing_key
from appliance.config import Config
from appliance.db import migrate, open_database, router
from appliance.features import Context, Feature
from appliance.files import read_or_create_private
from appliance.services import Services
from appliance.services.audit import AuditService
from appliance.services.health import HealthService
from appliance.services.jobs import JobService
from appliance.tasks import make_huey, start_consumer
from hardware.board import make_pin_factory

logger = logging.getLogger(__name__)

# In dependency order: a feature may ask the context for any feature above it.
FEATURES = (
    system_feature.setup,
    registry_feature.setup,
    workorders_feature.setup,
    access_feature.setup,
    face_feature.setup,
    firelane_feature.setup,
    care_feature.setup,
    parking_feature.setup,
    practice_feature.setup,
    sync_feature.setup,
    hub_feature.setup,
    votes_feature.setup,
    devices_feature.setup,
    participation_feature.setup,
)


@dataclass
class Runtime:
    config: Config
    context: Context
    services: Services
    features: list[Feature] = field(default_factory=list)
    consumer: object = None

    @property
    def db(self):
        return self.context.db

    @property
    def pin_factory(self):
        return self.context.pin_factory

    def feature(self, kind: type):
        return self.context.need(kind)

    def start_background(self) -> None:
        """Start what runs beside the web server: the task consumer, then each feature."""
        self.consumer = start_consumer(self.context.huey, self.config.tasks.workers)
        for feature in self.features:
            feature.start()

    def start_sync(self, stick_watcher=None) -> None:
        """Sync alone (``linli sync run``, tests): MQTT when configured, USB with a watcher."""
        self.feature(sync_feature.SyncFeature).start_channels(stick_watcher)

    def close(self) -> None:
        for feature in reversed(self.features):
            feature.close()
        if self.consumer is not None:
            self.consumer.stop(graceful=True)
            self.consumer = None
        if self.context.pin_factory is not None:
            self.context.pin_factory.close()
        if not self.db.is_closed():
            self.db.close()


def build_runtime(config: Config, *, immediate_tasks: bool | None = None, hardware: bool = True,
                  sandbox: bool = False) -> Runtime:
    """``sandbox``: a practice room's runtime, whose database the models use only inside
    ``router.using(runtime.db)`` (appliance/db/router.py)."""
    home = config.home
    home.mkdir(parents=True, exist_ok=True)
    db = open_database(config.db_path, config.db.busy_timeout_ms, default=not sandbox)
    migrate(db, config.db_path, config.db.backup_keep)
    secret_key = read_or_create_private(home / "secret_key", lambda: secrets.token_hex(32).encode()).decode().strip()
    box_id = config.box.id or read_or_create_private(
        home / "box_id", lambda: ("box-" + uuid.uuid4().hex[:12]).encode()).decode().strip()
    immediate = config.tasks.immediate if immediate_tasks is None else immediate_tasks
    audit = AuditService()
    ctx = Context(config=config, db=db, audit=audit, health=HealthService(), jobs=JobService(),
                  huey=make_huey(home, immediate), keys=BoxKeys(load_or_create_signing_key(home), secret_key),
                  box_id=box_id, secret_key=secret_key, home=home, hardware=hardware,
                  pin_factory=make_pin_factory(config.hardware.backend) if hardware else None)
    try:
        with router.using(db):
            for setup in FEATURES:
                feature = setup(ctx)
                ctx.features.append(feature)
                for name, check in feature.health().items():
                    ctx.health.add(name, check)
    except BaseException:
        for feature in reversed(ctx.features):
            feature.close()
        if ctx.pin_factory is not None:
            ctx.pin_factory.close()
        db.close()
        raise
    services = Services.from_context(ctx)
    logger.info("runtime ready on %s (%s), box %s", platform.machine(),
                "safe mode" if config.safe_mode else "normal", box_id)
    return Runtime(config=config, context=ctx, services=services, features=list(ctx.features))
