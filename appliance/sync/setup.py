"""Sync feature: the outbox service, the USB channel always, MQTT when a broker is configured
(never in safe mode), and the USB agent when a stick watcher is given."""

from __future__ import annotations

import logging

from appliance.features import Context, Feature
from appliance.i18n import gettext as _
from appliance.sync.service import SyncService
from appliance.sync.usb import UsbChannel

logger = logging.getLogger(__name__)


class SyncFeature(Feature):
    name = "sync"

    def __init__(self, service: SyncService, config, safe_mode: bool):
        super().__init__()
        self.service = service
        self.config = config
        self.safe_mode = safe_mode

    def start_channels(self, stick_watcher=None) -> None:
        """MQTT when a broker is configured (and the config is valid); USB when a watcher is given."""
        if self.safe_mode:
            logger.warning("safe mode: sync stays off")
            return
        if self.config.mqtt_host:
            from appliance.sync.mqtt import MqttChannel

            channel = MqttChannel(self.service, self.config)
            self.service.channels["mqtt"] = channel
            channel.start()
            self.on_close(channel.stop)
        if stick_watcher is not None:
            from appliance.sync.usb import UsbAgent

            agent = UsbAgent(self.service.channels["usb"], stick_watcher, self.config.usb_poll_s)
            agent.start()
            self.on_close(agent.stop)

    def health_line(self) -> tuple[bool, str]:
        sync = self.service
        if not sync.paired:
            return True, _("not paired with a district hub yet (nothing is sent)")
        mqtt = sync.channels.get("mqtt")
        link = (_("no MQTT broker configured (USB stick only)") if mqtt is None else
                _("connected to the district") if mqtt.connected.is_set() else
                _("offline: data waits on the box and is sent later"))
        return True, _("%(link)s; %(n)s records waiting", link=link, n=sync.backlog())


def _update_receiver(ctx: Context):
    """Bundles the district offers over MQTT land in the system feature's staging folder and
    pass its check; without the system feature (a CLI runtime) none are taken."""
    from appliance.sync.updates import UpdateReceiver
    from appliance.system.setup import SystemFeature

    system = ctx.find(SystemFeature)
    if system is None:
        return None
    budget = ctx.config.sync.data_budget_mb
    receiver = UpdateReceiver(ctx.home, lambda path: system.updates.check(path), lambda: int(budget * 1_000_000))
    receiver.staged = system.staged_dir or receiver.staged
    return receiver


def setup(ctx: Context) -> SyncFeature:
    def probe() -> dict:
        return {name: r["ok"] for name, r in ctx.health.report()["subsystems"].items() if name != "sync"}

    service = SyncService(ctx.db, ctx.config.sync, ctx.box_id, ctx.home, signing_key=ctx.keys.signing_key,
                          pseudonym=ctx.keys.pseudonym, health_probe=probe)
    service.channels["usb"] = UsbChannel(service)
    service.update_receiver = _update_receiver(ctx)
    feature = SyncFeature(service, ctx.config.sync, ctx.safe_mode)
    feature.on_start(feature.start_channels)
    feature.check("sync", feature.health_line)
    return feature
