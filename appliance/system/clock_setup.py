"""The system feature's clock wiring: which sources set the box's clock (NTP, the 4G network,
an RTC), setting it by hand through the keeper, and syncing it at start and every 15 minutes.
Split from setup.py, which assembles the feature."""

from __future__ import annotations

import datetime
import logging

from appliance.features import Context

logger = logging.getLogger(__name__)


def make_clock_keeper(ctx: Context):
    """NTP, else the 4G network's time, else the RTC; simulated (none fitted) off the Pi."""
    from appliance.system.clock import ntp_synchronised
    from appliance.system.timesource import ClockKeeper
    from hardware.board import on_pi
    from hardware.rtc import HwclockRtc, SimulatedRtc
    from hardware.systemclock import SimulatedClock, TimedatectlClock

    cfg = ctx.config
    real = ctx.hardware and on_pi(cfg.hardware.backend)
    return ClockKeeper(cfg.home / "system" / "clock.json", TimedatectlClock() if real else SimulatedClock(),
                       ntp_synced=ntp_synchronised,
                       modem_time=modem_time(cfg, ctx) if real else (lambda: None),
                       rtc=HwclockRtc(cfg.system.rtc_device) if real else SimulatedRtc(fitted=False),
                       sources=[s.strip() for s in cfg.system.clock_sources.split(",")],
                       jump_s=cfg.system.clock_jump_s)


def modem_time(cfg, ctx=None):
    """Read the network's time (only asked when NTP has not synchronised) through the fire
    lane's notifier, under its lock, so it never talks on the AT port during a call or SMS;
    only without a fire lane in this runtime, through a short-lived session of its own."""
    if cfg.firelane.modem == "off":
        return lambda: None

    def read():
        from hardware.modem import Modem

        notifier = _firelane_notifier(ctx)
        if notifier is not None:
            return notifier.network_time()

        with Modem(cfg.firelane.modem_port, command_timeout=3.0) as modem:
            return modem.network_time()

    return read


def _firelane_notifier(ctx):
    # Looked up when the clock asks: the fire lane is set up after this feature.
    from appliance.firelane.setup import FireLaneFeature

    feature = ctx.find(FireLaneFeature) if ctx is not None else None
    notifier = getattr(getattr(feature, "lane", None), "notifier", None)
    return notifier if hasattr(notifier, "network_time") else None


class HandClock:
    def __init__(self, backend, keeper):
        self.backend = backend
        self.keeper = keeper
        keeper.setter = backend

    @property
    def history(self):  # the simulated backend's, for tests
        return self.backend.history

    def set_timezone(self, zone: str) -> None:
        self.backend.set_timezone(zone)

    def set_time(self, when: datetime.datetime) -> None:
        self.keeper.set_by_hand(when.astimezone(datetime.timezone.utc))


def sync_in_background(keeper) -> None:
    import threading

    def run():
        try:
            keeper.sync()
        except Exception:  # top of a thread: a broken source must not stop the box starting
            logger.exception("setting the clock at start failed")

    threading.Thread(target=run, name="clock-sync", daemon=True).start()


def register_clock_sync(huey, keeper):
    from huey import crontab

    @huey.periodic_task(crontab(minute="*/15"))
    def system_clock_sync() -> None:
        keeper.sync()

    return system_clock_sync
