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


def _flag_set(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # chronyd keeps its folder 0750 for itself: the health line said "unexpected error"
        return False


TIME_ERROR = 5  # adjtimex(2): the kernel's clock is not synchronised (STA_UNSYNC)


def _adjtimex() -> int:
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    return libc.adjtimex(ctypes.create_string_buffer(512))  # modes 0: read only, no privilege needed


def kernel_synchronised(adjtimex=None) -> bool:
    """Whether an NTP daemon told the kernel its clock is synchronised. chronyd (``rtcsync``,
    Debian's default) and systemd-timesyncd both do; unlike chronyd's drift file, which sits in
    a folder only chronyd may read (seen on the emulated board: Permission denied), any user
    can ask the kernel."""
    try:
        state = (adjtimex or _adjtimex)()
    except (OSError, AttributeError):
        return False
    return 0 <= state < TIME_ERROR


def ntp_synchronised() -> bool:
    return kernel_synchronised() or any(_flag_set(p) for p in SYNC_FLAGS)


def clock_source() -> str:
    return "ntp" if ntp_synchronised() else "local"


JUMP_WARN = datetime.timedelta(hours=24)


def _source_words(source: str) -> str:
    return {"ntp": _("from the network time (NTP)"), "4g": _("from the 4G network"),
            "rtc": _("from the battery clock (RTC)"), "manual": _("set by hand")}.get(source, "")


def clock_ok(clock, keeper=None) -> tuple[bool, str]:
    now = clock()
    if not clock_known(now):
        return False, _("the clock is not set (it says %(now)s): set the time in Setup → Time, or connect the "
                        "network", now=now.strftime("%Y-%m-%d %H:%M"))
    state = keeper.check() if keeper is not None else None
    if state is not None and state.jump_at:
        jumped = datetime.datetime.fromisoformat(state.jump_at).astimezone().replace(tzinfo=None)
        if now - jumped < JUMP_WARN:
            why = _source_words(state.jump_why) or _("changed outside Linli")
            return False, _("the clock jumped by %(s)s seconds at %(when)s (%(why)s): one-time codes, signed "
                            "records and log times around then may be wrong; check the time is right now",
                            s=f"{state.jump_s:+.0f}", when=jumped.strftime("%Y-%m-%d %H:%M"), why=why)
    if state is not None and _source_words(state.source):
        return True, _("%(now)s, %(source)s", now=now.strftime("%Y-%m-%d %H:%M"), source=_source_words(state.source))
    if clock_source() == "ntp":
        return True, _("%(now)s, from the network time", now=now.strftime("%Y-%m-%d %H:%M"))
    return True, _("%(now)s, from the box's own clock", now=now.strftime("%Y-%m-%d %H:%M"))
