"""Registry feature: the register service, the spreadsheet import/export and its task."""

from __future__ import annotations

from appliance.features import Context, Feature
from appliance.registry.service import RegistryService
from appliance.registry.spreadsheet import ResidentsIO
from appliance.registry.tasks import RegistryTasks, register_tasks


class RegistryFeature(Feature):
    name = "registry"

    def __init__(self, service: RegistryService, spreadsheet: ResidentsIO, tasks: RegistryTasks):
        super().__init__()
        self.service = service
        self.spreadsheet = spreadsheet
        self.tasks = tasks


def setup(ctx: Context) -> RegistryFeature:
    service = RegistryService(ctx.db, ctx.audit)
    spreadsheet = ResidentsIO(ctx.db, ctx.audit)
    return RegistryFeature(service, spreadsheet, register_tasks(ctx.huey, spreadsheet, ctx.jobs))
