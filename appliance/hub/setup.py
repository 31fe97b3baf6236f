"""Hub feature (a district hub only, ``[hub] enabled = true``): the hub's own database and
service behind the /district/ pages. Its MQTT workers run under ``linli hub run``."""

from __future__ import annotations

from appliance.features import Context, Feature
from appliance.hub.service import HubService
from appliance.hub.store import open_hub_db


class HubFeature(Feature):
    name = "hub"

    def __init__(self, service: HubService | None):
        super().__init__()
        self.service = service


def setup(ctx: Context) -> HubFeature:
    if not ctx.config.hub.enabled:
        return HubFeature(None)
    hub_db = open_hub_db(ctx.config.hub.db_url, ctx.home)
    feature = HubFeature(HubService(hub_db, ctx.config.hub.id, ctx.home))
    feature.on_close(hub_db.close)
    return feature
