"""The first-boot wizard: five steps an installer does on a phone, each one saved whole or not
at all, each one skippable and open again later.

Until the wizard is finished, ``/setup`` opens without an account but only with the one-time
setup code that the first boot prints on the console (HDMI) and the kiosk screen. Finishing
deletes the code; from then on the steps are an administrator's page.
"""

from __future__ import annotations

import datetime
import hmac
import logging
import secrets
import urllib.parse
import zoneinfo
from pathlib import Path

from appliance.db.base import now
from appliance.db.durable import durable
from appliance.db.models import SetupStep, User
from appliance.errors import LinliError, ValidationError
from appliance.files import read_or_create_private
from appliance.i18n import N_
from appliance.system.settings_file import update_settings

logger = logging.getLogger(__name__)

STEPS = ("community", "location", "admin", "time", "network", "gate", "camera", "pairing")
STEP_TITLES = {
    "community": N_("Community"),
    "location": N_("Location (for the street lamps)"),
    "admin": N_("Administrator password"),
    "time": N_("Time and time zone"),
    "network": N_("Network"),
    "gate": N_("Gate wiring test"),
    "camera": N_("Camera"),
    "pairing": N_("District hub"),
}
CODE_FILE = "setup_code"
NETWORK_MODES = ("ethernet", "wifi", "4g")


def _zones() -> set[str]:
    return zoneinfo.available_timezones()


class FirstBootWizard:
    def __init__(self, config, accounts, audit, network, system_clock, sync=None, sticks=None):
        self.config = config
        self.home = Path(config.home)
        self.accounts = accounts
        self.audit = audit
        self.network = network
        self.system_clock = system_clock
        self.sync = sync
        self.sticks = sticks or (lambda: [])
        self.gate_test = None  # appliance.system.wiring.GateTest, set by the feature's setup
        self.camera_finder = None  # appliance.system.onvif.CameraFinder, set by the feature's setup
        self.lamp_schedule = lambda: None  # the running LampSchedule, when the devices feature runs

    # --- the setup code -----------------------------------------------------------------
    def ensure_code(self) -> str | None:
        """The one-time code (made on first use); None once the wizard is finished."""
        if self.finished():
            return None
        return read_or_create_private(self.home / CODE_FILE,
                                      lambda: "".join(secrets.choice("0123456789") for _ in range(8)).encode()
                                      ).decode().strip()

    def check_code(self, code: str) -> bool:
        path = self.home / CODE_FILE
        if self.finished() or not path.is_file():
            return False
        given = "".join(ch for ch in (code or "") if ch.isdigit())
        return hmac.compare_digest(given.encode(), path.read_text().strip().encode())

    def finished(self) -> bool:
        return SetupStep.get_or_none(SetupStep.step == "finished") is not None

    # --- steps --------------------------------------------------------------------------
    def steps(self) -> list[dict]:
        rows = {r.step: r for r in SetupStep.select()}
        return [{"step": s, "title": STEP_TITLES[s], "status": rows[s].status if s in rows else "todo",
                 "data": rows[s].data if s in rows else {}} for s in STEPS]

    def values(self, step: str) -> dict:
        """What the form shows: the saved values, else the current settings."""
        row = SetupStep.get_or_none(SetupStep.step == step)
        saved = dict(row.data) if row else {}
        defaults = {"community": {"name": self.config.box.name, "address": ""},
                    "location": self._location_defaults(),
                    "admin": {},
                    "time": {"timezone": self.config.box.timezone, "clock": ""},
                    "network": {"mode": "ethernet", "ssid": "", "apn": ""},
                    "camera": {"camera_name": "", "source": ""},
                    "pairing": {"method": "usb", "mqtt_host": self.config.sync.mqtt_host}}
        return {**defaults.get(step, {}), **saved}

    def save(self, step: str, form: dict, actor: str = "setup") -> None:
        handler = getattr(self, f"_save_{step}", None)
        if step not in STEPS or handler is None:
            raise LinliError(N_("There is no setup step called %(step)s."), step=step)
        with durable(SetupStep._meta.database):
            shown = handler(form)
            self._record(step, "done", shown, actor)

    def skip(self, step: str, actor: str = "setup") -> None:
        if step not in STEPS:
            raise LinliError(N_("There is no setup step called %(step)s."), step=step)
        with durable(SetupStep._meta.database):
            row = SetupStep.get_or_none(SetupStep.step == step)
            if row is None or row.status != "done":
                self._record(step, "skipped", row.data if row else {}, actor)

    def finish(self, actor: str = "setup") -> None:
        admin = self.steps()[STEPS.index("admin")]
        if admin["status"] != "done":
            raise ValidationError(N_("Set the administrator password before finishing: the one printed at first "
                                     "boot must not stay in use."), field="admin")
        with durable(SetupStep._meta.database):
            self._record("finished", "done", {}, actor)
        (self.home / CODE_FILE).unlink(missing_ok=True)
        self.audit.record(actor, "update", "setup", "finished")

    def _record(self, step: str, status: str, data: dict, actor: str) -> None:
        SetupStep.insert(step=step, status=status, data=data, updated_at=now(), updated_by=actor).on_conflict(
            conflict_target=[SetupStep.step],
            update={SetupStep.status: status, SetupStep.data: data, SetupStep.updated_at: now(),
                    SetupStep.updated_by: actor}).execute()

    # --- each step: check everything first, then change things -------------------------
    def _save_community(self, form: dict) -> dict:
        name = (form.get("name") or "").strip()
        address = (form.get("address") or "").strip()
        if not name:
            raise ValidationError(N_("Give the community's name."), field="name")
        if len(name) > 40:
            raise ValidationError(N_("The name can have at most %(n)s characters."), field="name", n=40)
        if len(address) > 200:
            raise ValidationError(N_("The address can have at most %(n)s characters."), field="address", n=200)
        update_settings(self.home, {"box": {"name": name}})
        self.config.box.name = name
        return {"name": name, "address": address}

    def _save_admin(self, form: dict) -> dict:
        password = form.get("password") or ""
        if password != (form.get("password2") or ""):
            raise ValidationError(N_("The two passwords are not the same."), field="password2")
        admin = User.select().where(User.role == "admin", User.active == True).order_by(User.id).first()  # noqa: E712
        if admin is None:
            raise LinliError(N_("There is no administrator account: run `linli init` first."))
        self.accounts.set_password(admin.id, password, actor="setup")
        return {"username": admin.username}

    def _save_time(self, form: dict) -> dict:
        zone = (form.get("timezone") or "").strip()
        if zone not in _zones():
            raise ValidationError(N_("Choose a time zone from the list."), field="timezone")
        clock_text = (form.get("clock") or "").strip()
        when = None
        if clock_text:
            try:
                when = datetime.datetime.fromisoformat(clock_text)
            except ValueError as exc:
                raise ValidationError(N_("Write the date and time as 2026-12-04 09:30."), field="clock") from exc
            if not 2024 <= when.year <= 2100:
                raise ValidationError(N_("Write the date and time as 2026-12-04 09:30."), field="clock")
        try:
            self.system_clock.set_timezone(zone)
            if when is not None:
                self.system_clock.set_time(when)
        except Exception as exc:  # the backend's own error, shown to the installer
            raise LinliError(N_("The clock could not be set: %(error)s"), error=str(exc)) from exc
        update_settings(self.home, {"box": {"timezone": zone}})
        self.config.box.timezone = zone
        return {"timezone": zone, "clock": when.isoformat(sep=" ", timespec="minutes") if when else ""}

    def _save_network(self, form: dict) -> dict:
        mode = form.get("mode") or ""
        ssid = (form.get("ssid") or "").strip()
        password = form.get("wifi_password") or ""
        apn = (form.get("apn") or "").strip()
        if mode not in NETWORK_MODES:
            raise ValidationError(N_("Choose how the box connects."), field="mode")
        if mode == "wifi" and not ssid:
            raise ValidationError(N_("Give the Wi-Fi network's name."), field="ssid")
        if mode == "wifi" and password and not 8 <= len(password) <= 63:
            raise ValidationError(N_("A Wi-Fi password has 8 to 63 characters."), field="wifi_password")
        if mode == "4g" and not apn:
            raise ValidationError(N_("Give the 4G APN (for example cmnet, 3gnet or ctnet)."), field="apn")
        try:
            self.network.apply(mode, ssid=ssid, password=password, apn=apn)
        except Exception as exc:
            raise LinliError(N_("The network could not be set up: %(error)s"), error=str(exc)) from exc
        return {"mode": mode, "ssid": ssid if mode == "wifi" else "", "apn": apn if mode == "4g" else ""}

    def _save_gate(self, form: dict) -> dict:
        if self.gate_test is None:
            raise LinliError(N_("The gate is not running, so its wiring cannot be tested. See the system status on "
                                "the overview page."))
        return self.gate_test.result()

    def _save_camera(self, form: dict) -> dict:
        from appliance.system.wiring import check_source

        name = (form.get("camera_name") or "").strip()
        if not name or len(name) > 40:
            raise ValidationError(N_("Give the camera a short name (for example 东门)."), field="camera_name")
        source = check_source(form.get("source") or "")
        cameras = [c for c in self.config.firelane.cameras if isinstance(c, dict) and c.get("name") != name]
        cameras.append({"name": name, "source": source})
        update_settings(self.home, {"firelane": {"cameras": cameras}})
        self.config.firelane.cameras = cameras
        return {"camera_name": name, "source": source}

    def _location_defaults(self) -> dict:
        from appliance.system.location import city_at

        lat, lon = self.config.devices.latitude, self.config.devices.longitude
        return {"city": city_at(lat, lon), "latitude": lat, "longitude": lon}

    def _save_location(self, form: dict) -> dict:
        from appliance.system.location import parse_place

        city, latitude, longitude = parse_place(form)
        update_settings(self.home, {"devices": {"latitude": latitude, "longitude": longitude}})
        self.config.devices.latitude, self.config.devices.longitude = latitude, longitude
        schedule = self.lamp_schedule()
        if schedule is not None:
            schedule.move_to(latitude, longitude)
        return {"city": city, "latitude": latitude, "longitude": longitude}

    def sun_preview(self, form: dict, day: datetime.date) -> dict:
        """Sunrise and sunset of ``day`` at the place in the form (nothing saved)."""
        from appliance.system.location import parse_place, sun_on

        city, latitude, longitude = parse_place(form)
        return {"city": city, "latitude": latitude, "longitude": longitude,
                **sun_on(latitude, longitude, self.config.box.timezone, day)}

    def find_cameras(self) -> list:
        """Cameras on the LAN that answer an ONVIF discovery probe (takes the finder's timeout)."""
        if self.camera_finder is None:
            raise LinliError(N_("Searching for cameras is not available on this box."))
        return self.camera_finder.find()

    @staticmethod
    def camera_address(form: dict, timeout_s: float = 5.0) -> tuple[str, str]:
        """The RTSP address of a found camera with the login the installer typed, and where it
        came from: "camera" (its media service said so), "maker" (the maker's usual path) or
        "host" (only the address is known)."""
        from appliance.system.onvif import STREAM_PATHS, stream_address
        from appliance.system.onvif_media import CameraNoAnswer, CameraRefused, stream_uri

        host, user, password = form.get("host") or "", form.get("camera_user") or "", form.get("camera_password") or ""
        maker = form.get("maker") if form.get("maker") in STREAM_PATHS else ""
        usual = stream_address(host, maker, user, password)  # checks the host and the login's length
        xaddr = (form.get("xaddr") or "").strip()
        try:
            same_camera = bool(xaddr) and urllib.parse.urlsplit(xaddr).hostname == host.strip()
        except ValueError:
            same_camera = False
        if same_camera:  # only the service of the camera the installer picked, never another address
            try:
                return stream_uri(xaddr, user, password, timeout_s=timeout_s), "camera"
            except CameraRefused:
                raise ValidationError(N_("The camera refused this user name and password."),
                                      field="camera_password") from None
            except CameraNoAnswer:
                logger.info("camera %s did not give its stream address; using the usual one", host)
        return usual, "maker" if maker else "host"

    def _save_pairing(self, form: dict) -> dict:
        from appliance.sync.keys import fingerprint
        from appliance.sync.pairing import pair_from_stick

        if self.sync is None:
            raise LinliError(N_("Sync is not available on this box."))
        method = form.get("method") or ""
        if method == "usb":
            for stick in self.sticks():
                if (Path(stick) / "linli" / "pairing" / "hub.json").is_file():
                    info = pair_from_stick(self.sync, Path(stick), name=self.config.box.name)
                    return {"method": "usb", "hub": info["hub"], "fingerprint": info["hub_fingerprint"]}
            raise ValidationError(N_("No stick with the district's pairing file is in. Put the stick from the "
                                     "district in and try again."), field="method")
        if method == "code":
            from appliance.sync.mqtt import pair_over_mqtt

            host = (form.get("mqtt_host") or "").strip()
            code = "".join(ch for ch in form.get("code") or "" if ch.isdigit())
            if not host:
                raise ValidationError(N_("Give the district's server address."), field="mqtt_host")
            if len(code) < 6:
                raise ValidationError(N_("Give the pairing code from the district (digits)."), field="code")
            sync_cfg = type(self.config.sync)(**{**self.config.sync.__dict__, "mqtt_host": host})
            reply = pair_over_mqtt(self.sync, sync_cfg, code, self.config.box.name, timeout=20)
            update_settings(self.home, {"sync": {"mqtt_host": host}})
            return {"method": "code", "hub": reply["hub"], "mqtt_host": host,
                    "fingerprint": fingerprint(reply["public_key"])}
        raise ValidationError(N_("Choose how to pair."), field="method")

    @staticmethod
    def timezones() -> list[str]:
        preferred = ["Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei"]
        return preferred + sorted(z for z in _zones() if z not in preferred and "/" in z)
