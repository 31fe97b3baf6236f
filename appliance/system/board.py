"""The board's own state as health lines: free space and card wear on the data partition,
temperature and the firmware's under-voltage / throttling flags. Read from /sys and /proc;
each path can be pointed elsewhere (tests give real files in a temporary folder)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from appliance.i18n import gettext as _

# The firmware's throttling word (same bits as `vcgencmd get_throttled`).
UNDER_VOLTAGE_NOW, THROTTLED_NOW = 0x1, 0x4
UNDER_VOLTAGE_SINCE_BOOT, THROTTLED_SINCE_BOOT = 0x10000, 0x40000
HOT_C = 80.0
LOW_FREE = 0.10
LOW_MEMORY = 0.10


@dataclass
class BoardPaths:
    thermal: Path = Path("/sys/class/thermal/thermal_zone0/temp")
    throttled: Path = Path("/sys/devices/platform/soc/soc:firmware/get_throttled")
    block_stat: Path | None = None  # None: the partition that holds the data folder (see below)
    uptime: Path = Path("/proc/uptime")
    meminfo: Path = Path("/proc/meminfo")


def partition_stat(home: Path) -> Path:
    """The kernel's I/O counters of the partition the data folder is on, whatever the card
    is called (mmcblk0p4 on the Pi, sda4 on a USB disk, vda4 in the emulator). The root is
    mounted read-only, so this partition's writes are nearly all the card's wear."""
    dev = home.stat().st_dev
    return Path(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}/stat")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def storage_ok(home: Path, paths: BoardPaths) -> tuple[bool, str]:
    usage = shutil.disk_usage(home)
    free = usage.free / usage.total if usage.total else 0.0
    detail = _("%(free)s MB free of %(total)s MB", free=usage.free // 10**6, total=usage.total // 10**6)
    stat, uptime = _read(paths.block_stat or partition_stat(home)), _read(paths.uptime)
    if stat and uptime:
        # Field 7 of the block stat is sectors written (512 bytes) since boot.
        written = int(stat.split()[6]) * 512
        days = max(float(uptime.split()[0]) / 86400, 1 / 24)
        detail += _("; card writes %(mb)s MB per day", mb=round(written / days / 10**6, 1))
    if free < LOW_FREE:
        return False, _("the data partition is almost full (%(detail)s): delete old evidence or use a larger card",
                        detail=detail)
    return True, detail


def temperature_ok(paths: BoardPaths) -> tuple[bool, str]:
    raw, flags = _read(paths.thermal), _read(paths.throttled)
    if raw is None and flags is None:
        return True, _("not measured on this machine")
    parts, ok = [], True
    if raw is not None:
        celsius = int(raw) / 1000
        parts.append(f"{celsius:.0f} °C")
        if celsius >= HOT_C:
            ok = False
            parts.append(_("too hot: give the box air or a fan"))
    if flags is not None:
        word = int(flags, 16) if flags.startswith("0x") else int(flags)
        if word & (UNDER_VOLTAGE_NOW | THROTTLED_NOW):
            ok = False
            parts.append(_("under-voltage now: use the official 5.1 V power supply and a short cable"))
        elif word & (UNDER_VOLTAGE_SINCE_BOOT | THROTTLED_SINCE_BOOT):
            parts.append(_("under-voltage happened since the last start"))
    return ok, "; ".join(parts)


def memory_ok(paths: BoardPaths) -> tuple[bool, str]:
    """Memory in use, from the kernel's own estimate of what is available (a Zero 2 W has
    512 MB for Linli, the broker and the kiosk browser together)."""
    raw = _read(paths.meminfo)
    if raw is None:
        return True, _("not measured on this machine")
    fields = {line.split(":")[0]: int(line.split()[1]) for line in raw.splitlines() if line.endswith("kB")}
    total, available = fields.get("MemTotal", 0), fields.get("MemAvailable", 0)
    if not total:
        return True, _("not measured on this machine")
    detail = _("%(used)s MB of %(total)s MB in use", used=(total - available) // 1024, total=total // 1024)
    if available < total * LOW_MEMORY:
        return False, _("memory is almost used up (%(detail)s): restart the box; if it comes back, switch off the "
                        "kiosk browser or face entry", detail=detail)
    return True, detail
