"""The [participation] section of config.toml (kept beside the feature; appliance.config includes it)."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.configfield import setting


@dataclass
class ParticipationConfig:
    photo_max_mb: float = setting(8.0, "Largest report photo accepted, in MB (a 12-MP phone JPEG is 3-6 MB).", min=0.5, max=50)
    photo_max_megapixels: float = setting(50.0, "Pictures with more pixels than this are refused before decoding "
                                          "(a decompression bomb is a small file with a huge picture).", min=1, max=200)
    photo_max_side: int = setting(1600, "Longest side of a stored report photo, in pixels.", min=320, max=4000)
    photo_max_kb: int = setting(300, "Largest stored report photo, in KB (the SD card wears with every write).",
                                min=50, max=2000)
    photo_thumb_side: int = setting(320, "Longest side of the thumbnails in lists, in pixels.", min=64, max=800)
    photo_keep_days: int = setting(365, "Photos of closed reports are deleted this many days after closing.",
                                   min=7, max=3650)
    photo_dir: str = setting("", "Folder of report photos; empty means photos/ in the data dir (the data partition).")
    reopen_days: int = setting(14, "Days after a report is fixed during which its reporter may reopen it.",
                               min=1, max=90)
    followup_sms: bool = setting(True, "Ask the reporter by SMS whether a fixed report is really fixed "
                                 "(only when they gave a phone number).")
    nearby_metres: float = setting(50.0, "Open reports of the same kind this close on the site plan are "
                                   "offered as duplicates.", min=5, max=500)
    plan_width_m: float = setting(0.0, "Width of the community site plan in metres (0: no site plan; nearby "
                                  "reports are then those in the same building).", min=0, max=10000)
