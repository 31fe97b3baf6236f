"""The [system] section of config.toml (kept beside the feature; appliance.config includes it)."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.configfield import setting


@dataclass
class SystemConfig:
    backup_hour: int = setting(2, "Hour of the nightly backup (to the data partition, and to a USB stick when one is in).",
                               min=0, max=23)
    backup_keep: int = setting(7, "Nightly backups kept on the data partition and on each stick.", min=1, max=60)
    usb_root: str = setting("/media", "Folder under which USB sticks are mounted.")
    update_keys: str = setting("/etc/linli/update-keys", "Folder of the public keys (*.pub, Ed25519 PEM) whose "
                               "update bundles this box accepts.")
    app_root: str = setting("", "Folder of the installed Linli versions (one folder each, `current` points at the "
                            "running one); empty means app/ in the data dir.")
    system_app: str = setting("/opt/linli", "Folder of the Linli that came with the running system (on the card's "
                              "read-only root). An OS update starts its own copy: its Linli is newer than any app "
                              "update installed before it; the app version from before is kept to go back to.")
    board: str = setting("auto", "Board name update bundles must be made for: auto reads the device tree "
                         "(rpi3, rpi4, rpi-zero2w; other machines say 'generic').")
    health_url: str = setting("http://127.0.0.1:8080/healthz", "Address checked after an update: the new version "
                              "is kept only when this answers OK.")
    health_timeout_s: int = setting(120, "Seconds a new version has to answer OK before the box goes back to the "
                                    "old one.", min=5, max=1800)
    clock_sources: str = setting("ntp,4g,rtc", "Where the clock is set from, in order of trust: ntp, 4g (the "
                                 "network's time through the modem, AT+CCLK?), rtc (a battery clock such as a DS3231).")
    rtc_device: str = setting("/dev/rtc0", "Device of the battery clock (RTC), read and set like hwclock does.")
    clock_jump_s: int = setting(120, "A change of the clock by this many seconds or more is shown as a jump on the "
                                "health page for a day.", min=5, max=86400)
    auto_update: bool = setting(False, "Install a newer update bundle by itself once it is staged (copied off a "
                                "stick from the district); off: an administrator taps Install.")
    onvif_discovery: str = setting("239.255.255.250:3702", "Where the setup wizard's camera search sends its ONVIF "
                                   "probe (address:port): the multicast group, or one camera's address on another "
                                   "subnet.")
    onvif_timeout_s: float = setting(3.0, "Seconds the camera search waits for cameras to answer.", min=0.5, max=10.0)

    def check(self) -> list[str]:
        from appliance.i18n import gettext
        from appliance.system.onvif import parse_target

        try:
            parse_target(self.onvif_discovery)
        except ValueError:
            return [gettext("%(key)s: write address:port, for example %(example)s", key="system.onvif_discovery",
                            example="239.255.255.250:3702")]
        return []
