"""System feature: the health lines of what every other feature stands on."""

from __future__ import annotations

import datetime
import functools
import logging
import sqlite3
from pathlib import Path

import peewee

from appliance.db.models import Job, User
from appliance.features import Context, Feature
from appliance.i18n import gettext as _
from appliance.system.acceptance import AcceptanceTable
from appliance.system.backups import BackupService
from appliance.system.board import BoardPaths, memory_ok, storage_ok, temperature_ok
from appliance.system.clock import clock_ok
from appliance.system.clock_setup import HandClock, make_clock_keeper, register_clock_sync, sync_in_background
from appliance.system.wizard import FirstBootWizard
from appliance.system.slots import AppSlots, RaucSlots
from appliance.system.restarts import HttpProbe, SystemdRebooter, SystemdRestarter, detect_board
from appliance.system.updates import UpdateService


logger = logging.getLogger(__name__)


class SystemFeature(Feature):
    name = "system"
    backups: BackupService
    updates: UpdateService
    wizard: FirstBootWizard
    acceptance: AcceptanceTable
    clock_keeper: object = None
    stage_task: object = None
    clock_sync_task: object = None
    nightly_backup: object = None
    update_launcher: object = None

    staged_dir: Path = None
    auto_update: bool = False

    def stick_bundles(self):
        """Bundles on the sticks now, plus the staged copies of those no longer on one."""
        from appliance.system.stick_updates import bundles_on_sticks, stage, staged_bundles

        found = bundles_on_sticks(self.updates, self.backups.sticks)
        stage(self.updates, found, self.staged_dir)
        on_stick = {b.version for b in found if b.ok}
        return found + [b for b in staged_bundles(self.updates, self.staged_dir) if b.version not in on_stick]

    def stage_updates(self) -> str | None:
        """Stage what the sticks carry; with ``system.auto_update`` start the newest newer one
        (never one that was already rolled back, never while a version is on trial). Returns
        the version started, or None: by default the staff's tap installs."""
        from appliance.system.bundle import version_key

        bundles = [b for b in self.stick_bundles() if b.ok]
        if not self.auto_update or not bundles:
            return None
        status = self.updates.status()
        newest = max(bundles, key=lambda b: version_key(b.version))
        last = status["last"] or {}
        rolled_back = last.get("version") == newest.version and last.get("result") == "rolled back"
        if status["trying"] or status.get("trying_os") or rolled_back:
            return None
        if status["running"] and version_key(newest.version) <= version_key(status["running"]):
            return None
        self.update_launcher.start_apply(newest.path)
        return newest.version

    def install_from_stick(self, path: str) -> None:
        """Start installing a bundle that is on a stick now and passes the check."""
        from appliance.errors import LinliError
        from appliance.i18n import N_

        chosen = next((b for b in self.stick_bundles() if str(b.path) == path and b.ok), None)
        if chosen is None:
            raise LinliError(N_("That update bundle is not on a stick any more, or it did not pass the check."))
        self.update_launcher.start_apply(chosen.path)


def setup(ctx: Context) -> SystemFeature:
    feature = SystemFeature()
    config = ctx.config

    def config_ok():
        if config.safe_mode:
            return False, _("the settings file has errors, so the box runs in safe mode (gate locked, cameras "
                            "and sync off): %(problems)s", problems="; ".join(config.problems))
        return True, _("settings file is valid")

    integrity: list[str] = []

    def database_ok():
        if not integrity:
            # Once per process, at the first probe after start (the service's first /healthz):
            # after a power cut this is what says the file is whole. Not at every probe: on a
            # years-old database it reads every page.
            try:
                integrity.append(str(ctx.db.execute_sql("PRAGMA quick_check").fetchone()[0]))
            except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:  # too broken for the check to read
                integrity.append(str(exc))
        if integrity[0] != "ok":
            return False, _("the database file is damaged: restore last night's backup (Backups and updates)"), \
                integrity[0][:300]
        return True, _("working, checked whole at start (%(path)s)", path=config.db_path.name)

    def accounts_ok():
        if User.select().where(User.role == "admin", User.active == True).exists():  # noqa: E712
            return True, _("an administrator account exists")
        return False, _("no administrator account: run `linli init`")

    def tasks_ok():
        running = Job.select().where(Job.status == "running").count()
        return True, _("background work: %(n)s jobs running", n=running)

    def gpio_ok():
        if ctx.pin_factory is None:
            return True, _("not used by this command")
        if type(ctx.pin_factory).__name__ == "MockFactory":
            return True, _("simulated (this is not a Raspberry Pi)")
        return True, _("Raspberry Pi GPIO")

    feature.check("config", config_ok)
    feature.check("database", database_ok)
    feature.check("accounts", accounts_ok)
    feature.check("tasks", tasks_ok)
    feature.check("gpio", gpio_ok)
    feature.check("vision models", vision_models_ok)

    feature.backups = make_backups(config, ctx.box_id, ctx.secret_key, ctx.clock)
    feature.updates = make_updates(config)
    feature.update_launcher = _make_launcher(ctx)
    feature.staged_dir = config.home / "updates" / "staged"
    feature.auto_update = config.system.auto_update
    feature.stage_task = _register_staging(ctx.huey, feature)
    feature.nightly_backup = _register_nightly(ctx.huey, feature.backups, config.system.backup_hour)
    feature.wizard = make_wizard(ctx, feature.backups.sticks)
    feature.wizard.gate_test = _gate_test(ctx)
    feature.wizard.camera_finder = _camera_finder(config)
    feature.wizard.lamp_schedule = _lamp_schedule(ctx)
    feature.acceptance = AcceptanceTable(config, ctx.health, sync=_LazySync(ctx), last_backup=feature.backups.last,
                                         clock=ctx.clock)
    feature.check("backup", lambda: backup_ok(feature.backups, ctx.clock))
    feature.check("update", lambda: update_ok(feature.updates))
    feature.clock_keeper = make_clock_keeper(ctx)
    feature.clock_sync_task = register_clock_sync(ctx.huey, feature.clock_keeper)
    # The wizard's typed time goes through the keeper, so the source says "set by hand".
    feature.wizard.system_clock = HandClock(feature.wizard.system_clock, feature.clock_keeper)
    feature.on_start(lambda: sync_in_background(feature.clock_keeper))
    feature.check("clock", lambda: clock_ok(ctx.clock, feature.clock_keeper))
    paths = BoardPaths()
    feature.check("storage", lambda: storage_ok(config.home, paths))
    feature.check("temperature", lambda: temperature_ok(paths))
    feature.check("memory", lambda: memory_ok(paths))
    return feature


def make_backups(config, box_id: str, secret_key: str, clock=datetime.datetime.now) -> BackupService:
    from hardware.usbwatch import UsbWatcher

    watcher = UsbWatcher(config.system.usb_root)

    def sticks():
        try:
            watcher.poll()
        except OSError:
            return []
        return watcher.sticks()

    return BackupService(config.home, config.db_path, box_id, secret_key, keep=config.system.backup_keep,
                         sticks=sticks, clock=clock, busy_timeout_ms=config.db.busy_timeout_ms)


class _LazySync:
    """The sync service, which is set up after this feature: looked up on first use."""

    def __init__(self, ctx: Context):
        self._ctx = ctx

    def __getattr__(self, name):
        from appliance.sync.setup import SyncFeature

        feature = self._ctx.find(SyncFeature)
        if feature is None:
            raise AttributeError(name)
        return getattr(feature.service, name)


def make_wizard(ctx: Context, sticks) -> FirstBootWizard:
    from appliance.services.accounts import AccountService
    from hardware.board import on_pi
    from hardware.network import NetworkManagerBackend, SimulatedNetwork
    from hardware.systemclock import SimulatedClock, TimedatectlClock

    cfg = ctx.config
    real = ctx.hardware and on_pi(cfg.hardware.backend)
    accounts = AccountService(ctx.audit, cfg.web.login_max_failures, cfg.web.login_lockout_s)
    return FirstBootWizard(cfg, accounts, ctx.audit, NetworkManagerBackend() if real else SimulatedNetwork(),
                           TimedatectlClock() if real else SimulatedClock(), sync=_LazySync(ctx), sticks=sticks)


def _register_staging(huey, feature):
    from huey import crontab

    @huey.periodic_task(crontab(minute="*/10"))
    def system_stage_updates() -> None:
        # Idempotent: a staged bundle is not copied twice, a started version not started again.
        feature.stage_updates()

    return system_stage_updates


def _gate_test(ctx: Context):
    from appliance.system.wiring import GateTest

    def access():
        from appliance.access.setup import AccessFeature

        feature = ctx.find(AccessFeature)
        return None if feature is None else feature.service

    return GateTest(access, ctx.audit)


def _camera_finder(config):
    from appliance.system.onvif import MULTICAST, CameraFinder, parse_target

    try:
        target = parse_target(config.system.onvif_discovery)
    except ValueError:  # check-config names it; safe mode still searches the group
        target = MULTICAST
    return CameraFinder(target, timeout_s=config.system.onvif_timeout_s)


def _lamp_schedule(ctx: Context):
    def schedule():
        from appliance.devices.setup import DevicesFeature

        feature = ctx.find(DevicesFeature)
        return None if feature is None else feature.service.schedule

    return schedule


# The image installs linli-update.path; on any other machine (a laptop, CI) there is nothing
# to start, and the simulated launcher only keeps a history.
UPDATE_PATH_UNIT = Path("/etc/systemd/system/linli-update.path")


def _make_launcher(ctx: Context, path_unit: Path = UPDATE_PATH_UNIT):
    from appliance.system.stick_updates import RequestFileLauncher, SimulatedLauncher

    if ctx.hardware and path_unit.exists():
        return RequestFileLauncher(ctx.config.home / "updates" / "apply-request")
    return SimulatedLauncher()


def make_updates(config) -> UpdateService:
    system = config.system
    root = Path(system.app_root) if system.app_root else config.home / "app"
    slots = AppSlots(root, system_app=Path(system.system_app))
    return UpdateService(slots, Path(system.update_keys), detect_board(system.board), SystemdRestarter(),
                         HttpProbe(system.health_url), system.health_timeout_s, rauc=RaucSlots(),
                         rebooter=SystemdRebooter())


def _register_nightly(huey, backups: BackupService, hour: int):
    from huey import crontab

    @huey.periodic_task(crontab(hour=str(hour), minute="15"))
    def system_nightly_backup() -> None:
        # Idempotent: a second run the same day makes no second backup.
        backups.nightly()

    return system_nightly_backup


def backup_ok(backups: BackupService, clock) -> tuple[bool, str]:
    last = backups.last()
    if last is None:
        return True, _("no backup yet (the first one is made tonight)")
    try:
        age = clock() - datetime.datetime.fromisoformat(last.created)
    except ValueError:
        return False, _("the last backup's date cannot be read: make a new one (linli backup create)")
    if age > datetime.timedelta(days=2):
        return False, _("the last backup is %(days)s days old: check the data partition has room", days=age.days)
    return True, _("last backup %(when)s", when=last.created.replace("T", " "))


def update_ok(updates: UpdateService) -> tuple[bool, str]:
    status = updates.status()
    last = status["last"]
    if status.get("trying_os"):
        return True, _("trying system %(version)s in slot %(slot)s", version=status["trying_os"]["version"],
                       slot=status["trying_os"]["slot"])
    if status["trying"]:
        return True, _("trying version %(version)s", version=status["trying"]["version"])
    if last and last["result"] == "rolled back":
        return True, _("version %(version)s failed its check and was rolled back; running %(running)s",
                       version=last["version"], running=status["running"] or "-")
    if last:
        return True, _("last update: %(version)s on %(when)s", version=last["version"],
                       when=last["time"].replace("T", " "))
    return True, _("no update installed since the card was flashed")


def vision_models_ok() -> tuple[bool, str]:
    ok, detail = _verify_models()
    if not ok:
        return False, _("model files are damaged or missing (%(error)s): reinstall Linli", error=detail)
    return True, _("%(n)s model files checked", n=detail)


@functools.cache
def _verify_models() -> tuple[bool, str | int]:
    """Every model file in models/manifest.json is present and matches its sha256. Hashing
    ~39 MB takes a while, so it runs once per process, on the first health report (a CLI
    command that never asks for health never hashes)."""
    from models.errors import ModelError
    from models.manifest import load_manifest, model_path

    try:
        manifest = load_manifest()
        for entry, item in manifest["models"].items():
            for key in item["files"]:
                model_path(entry, key, manifest)
    except ModelError as exc:
        return False, str(exc)
    return True, len(manifest["models"])
