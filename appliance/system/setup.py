"""System feature: the health lines of what every other feature stands on."""

from __future__ import annotations

import functools

from appliance.db.models import Job, User
from appliance.features import Context, Feature
from appliance.i18n import gettext as _


class SystemFeature(Feature):
    name = "system"


def setup(ctx: Context) -> SystemFeature:
    feature = SystemFeature()
    config = ctx.config

    def config_ok():
        if config.safe_mode:
            return False, _("the settings file has errors, so the box runs in safe mode (gate locked, cameras "
                            "and sync off): %(problems)s", problems="; ".join(config.problems))
        return True, _("settings file is valid")

    def database_ok():
        ctx.db.execute_sql("SELECT 1")
        return True, _("working (%(path)s)", path=config.db_path.name)

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
    return feature


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
