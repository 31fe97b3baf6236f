"""Whether the box's clock can be trusted. Votes, logs and alarms carry times, so every page
warns while it cannot. A Pi has no battery clock: without NTP, the 4G network's time or an
RTC it starts near the date its image was built, so a date before ``EARLIEST`` is unknown."""

from __future__ import annotations

import datetime
from pathlib import Path

from appliance.i18n import gettext as _

EARLIEST = datetime.datetime(2026, 1, 1)
# systemd-timesyncd / chrony touch this once the clock came from the network.
SYNC_FLAGS = (Path("/run/systemd/timesync/synchronized"), Path("/var/lib/chrony/chrony.drift"))


def clock_known(now: datetime.datetime) -> bool:
    return now >= EARLIEST


def clock_source() -> str:
    return "ntp" if any(p.exists() for p in SYNC_FLAGS) else "local"


def clock_ok(clock) -> tuple[bool, str]:
    now = clock()
    if not clock_known(now):
        return False, _("the clock is not set (it says %(now)s): set the time in Setup → Time, or connect the "
                        "network", now=now.strftime("%Y-%m-%d %H:%M"))
    if clock_source() == "ntp":
        return True, _("%(now)s, from the network time", now=now.strftime("%Y-%m-%d %H:%M"))
    return True, _("%(now)s, from the box's own clock", now=now.strftime("%Y-%m-%d %H:%M"))
