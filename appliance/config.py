"""One typed configuration, read from ``$LINLI_HOME/config.toml`` and validated at start.

Every setting has a default and a help line (``linli check-config --explain`` prints
them). An invalid file does not stop the box: :func:`load_config` returns the defaults
plus the list of problems, and the runtime starts in *safe mode* (web up, gate in its
safe state, vision and sync off) so a volunteer can see and fix the file.

Sections are dataclasses; a feature keeps its own section class in
``appliance/<feature>/config.py`` (fields made with :func:`appliance.configfield.setting`)
and adds one field on :class:`Config`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path

from appliance.configfield import setting
from appliance.i18n import N_, gettext




@dataclass
class BoxConfig:
    id: str = setting("", "Box id used in sync topics; empty means generated once at init and kept in the data dir.")
    name: str = setting("邻里社区", "Community name shown on pages and notices.")
    language: str = setting("zh_CN", "Default language of the pages and the CLI.", choices=("zh_CN", "en"))
    demo: bool = setting(False, "Demo mode: the login page lists the demo accounts.")
    timezone: str = setting("Asia/Shanghai", "Time zone for schedules and reports.")


@dataclass
class WebConfig:
    host: str = setting("0.0.0.0", "Address the admin site listens on.")
    port: int = setting(8080, "Port the admin site listens on.", min=1, max=65535)
    threads: int = setting(4, "Web server worker threads.", min=1, max=32)
    session_cookie_secure: bool = setting(False, "Send the session cookie only over HTTPS (turn on behind TLS).")
    session_hours: int = setting(12, "Hours a login stays valid.", min=1, max=720)
    max_upload_mb: int = setting(10, "Largest upload accepted, in MiB.", min=1, max=200)
    login_max_failures: int = setting(5, "Wrong passwords for one account from one address before that account is "
                                     "locked at that address (other accounts there stay open); after as many from "
                                     "anywhere, each try for the account waits 10 seconds.", min=1, max=100)
    login_lockout_s: int = setting(300, "Seconds an account stays locked at the address that guessed wrong; "
                                  "wrong passwords older than this are forgotten.", min=10, max=86400)


@dataclass
class DbConfig:
    path: str = setting("", "SQLite file; empty means linli.db in the data dir.")
    busy_timeout_ms: int = setting(5000, "How long a writer waits for the lock.", min=100, max=60000)
    backup_keep: int = setting(5, "Database backups kept before migrations.", min=1, max=50)


@dataclass
class TasksConfig:
    workers: int = setting(1, "Background task worker threads.", min=1, max=8)
    immediate: bool = setting(False, "Run background tasks inline (tests and debugging).")


@dataclass
class HardwareConfig:
    backend: str = setting("auto", "auto: real GPIO on a Raspberry Pi, simulated elsewhere.", choices=("auto", "pi", "mock"))


@dataclass
class GateConfig:
    """Pins are BCM numbers; 0 means "not fitted". Defaults suit a Waveshare-style relay
    HAT (channel 1 on GPIO26, active low) with the exit button, door reed switch and the
    fire panel's dry contact wired to ground."""

    enabled: bool = setting(True, "Drive the gate (off: PIN/QR/card are checked and logged but nothing opens).")
    relay_pin: int = setting(26, "GPIO of the lock relay.", min=2, max=27)
    relay_active_low: bool = setting(True, "The relay board energises the coil when the pin is low (most HATs).")
    pulse_s: float = setting(5.0, "Seconds the lock stays open after a grant or the exit button.", min=0.5, max=60)
    exit_pin: int = setting(17, "GPIO of the exit button (to ground); 0 = not fitted.", min=0, max=27)
    door_pin: int = setting(27, "GPIO of the door contact (reed switch, to ground); 0 = not fitted.", min=0, max=27)
    door_contact: str = setting("nc", "nc: contact closed while the door is shut; no: the opposite.", choices=("nc", "no"))
    held_open_s: float = setting(30.0, "Alarm when the door stays open longer than this.", min=5, max=3600)
    forced_grace_s: float = setting(3.0, "A door opened this long after a pulse ended is not 'forced'.", min=0, max=60)
    fire_pin: int = setting(22, "GPIO of the fire panel's contact; 0 = not fitted.", min=0, max=27)
    fire_contact: str = setting("nc", "nc: closed in normal state, so a cut wire also opens the gate.", choices=("nc", "no"))
    buzzer_pin: int = setting(0, "GPIO of an alarm buzzer; 0 = not fitted.", min=0, max=27)
    led_pin: int = setting(0, "GPIO of the 'door open' indicator LED; 0 = not fitted.", min=0, max=27)
    wiegand_d0_pin: int = setting(0, "GPIO of a Wiegand card reader's D0 line (through a 5 V to 3.3 V level "
                                     "shifter); 0 = no Wiegand reader. USB card readers need no setting.",
                                  min=0, max=27)
    wiegand_d1_pin: int = setting(0, "GPIO of the Wiegand reader's D1 line; 0 = no Wiegand reader.", min=0, max=27)
    bounce_ms: int = setting(50, "Debounce time for the inputs.", min=0, max=1000)
    crash_guard: bool = setting(True, "On real GPIO, a helper process releases the relay if Linli is killed.")
    gpio_chip: int = setting(0, "gpiochip number for the crash guard (0 on Pi 3/4 and on Pi 5 with a recent kernel).",
                             min=0, max=16)

    def check(self) -> list[str]:
        """Each fitted part on its own GPIO; a Wiegand reader needs both lines."""
        problems, owner = [], {}
        for name in ("relay", "exit", "door", "fire", "buzzer", "led", "wiegand_d0", "wiegand_d1"):
            pin = getattr(self, f"{name}_pin")
            if pin and pin in owner:
                problems.append(f"gate.{name}_pin: GPIO {pin} is already gate.{owner[pin]}_pin")
            elif pin:
                owner[pin] = name
        if bool(self.wiegand_d0_pin) != bool(self.wiegand_d1_pin):
            problems.append("gate.wiegand_d1_pin: a Wiegand reader needs both wiegand_d0_pin and wiegand_d1_pin")
        return problems


@dataclass
class AccessConfig:
    pin_length: int = setting(6, "Digits in a resident PIN (generated, unique).", min=4, max=10)
    pin_max_failures: int = setting(5, "Wrong PINs in a row at one kiosk (or for one phone number or address on "
                                    "the residents' sign-in) before each further try has to wait.", min=2, max=50)
    pin_window_s: int = setting(300, "A run of wrong PINs is forgotten after this many seconds without one.",
                                min=30, max=86400)
    pin_pause_max_s: float = setting(5.0, "Longest wait between PIN tries during a run of wrong PINs (2, 4, ... "
                                     "seconds up to this). A resident with the right PIN never waits longer; "
                                     "one kiosk gets at most 86400 / this many guesses a day.", min=1, max=30)
    pin_lockout_s: int = setting(120, "Not used any more (PIN entry now pauses for a few seconds, see "
                                 "pin_pause_max_s); kept so older config files stay valid.", min=10, max=86400)
    qr_valid_days: int = setting(365, "Days a printed personal QR code stays valid.", min=1, max=3650)
    visitor_max_days: int = setting(30, "Longest visitor pass a volunteer may create.", min=1, max=366)
    resident_pass_max_days: int = setting(7, "Longest visitor pass a resident may create.", min=1, max=30)
    log_max_delay_s: float = setting(86400.0, "Access log rows wait in the journal (one 512-byte sector each, safe from "
                                     "power cuts) at most this long before they are written to the database "
                                     "in one batch; fewer batches mean fewer SD-card writes. Staff pages show "
                                     "waiting rows at once; the district platform gets them after the batch.",
                                     min=1, max=7 * 86400)
    journal_dir: str = setting("", "Folder of the access-log journal. Empty: the data folder (rows survive a power cut). "
                                   "A tmpfs such as /run/linli writes less to the SD card but a power cut loses "
                                   "up to log_max_delay_s of rows (a crashed process loses none).")
    log_batch_rows: int = setting(500, "Write the batch early once this many rows are waiting.", min=1, max=1500)
    log_keep_days: int = setting(365, "Days the access log is kept on the box.", min=30, max=3650)
    kiosk_notice: str = setting("", "Text shown in the kiosk's notices area.")


@dataclass
class FireLaneConfig:
    enabled: bool = setting(True, "Watch the cameras for vehicles in fire-lane zones (always off in safe mode).")
    cameras: list[dict] = setting([], "Cameras to watch, one [[firelane.cameras]] table each: name = \"north-gate\" and "
                                "source = \"rtsp://user:pass@host/stream\", \"v4l2:0\", \"picamera:0\" or "
                                "\"file:/path/to/video-or-folder\"; other keys are camera options (max_fps, fps, ...).")
    fps: float = setting(2.0, "Frames per second looked at per camera.", min=0.2, max=15.0)
    motion_check_every_s: float = setting(30.0, "Run the detector on a still picture at least this often, for parked cars.", min=5.0, max=600.0)
    detector: str = setting("int8", "Vehicle detector model: int8 (fast) or fp32 (reference).", choices=("int8", "fp32"))
    threads: int = setting(1, "CPU threads of each camera's vehicle detector.", min=1, max=4)
    plate_recogniser: str = setting("ppocr", "Plate recogniser: ppocr (PP-OCRv4, default) or hyperlpr (the old reader, kept for one release to compare).", choices=("ppocr", "hyperlpr"))
    modem: str = setting("auto", "4G modem for notices: auto (the serial port on a Raspberry Pi, a simulated modem elsewhere), serial, simulated or off.", choices=("auto", "serial", "simulated", "off"))
    modem_port: str = setting("/dev/ttyUSB2", "Serial port of the modem's AT interface (a udev symlink is best).")
    call_answer_timeout_s: float = setting(40.0, "How long a call to the owner rings before the notice goes by SMS.", min=10.0, max=120.0)

    def check(self) -> list[str]:
        """Problems with the camera list, in the words of the other settings' problems."""
        problems, names = [], set()
        for i, cam in enumerate(self.cameras):
            key = f"firelane.cameras[{i}]"
            if not isinstance(cam, dict):
                problems.append(f"{key}: must be a table with name and source")
                continue
            name, source = cam.get("name"), cam.get("source")
            if not isinstance(name, str) or not name.strip():
                problems.append(f"{key}.name: give the camera a name")
            elif name in names:
                problems.append(f"{key}.name: {name!r} is used twice")
            else:
                names.add(name)
            if not isinstance(source, str) or not source.strip():
                problems.append(f"{key}.source: missing")
            elif not source.strip().lower().startswith(("rtsp://", "rtsps://", "http://", "https://",
                                                         "v4l2:", "picamera:", "file:")):
                problems.append(f"{key}.source: must start with rtsp://, http(s)://, v4l2:, picamera: or file:")
        return problems


@dataclass
class LoggingConfig:
    level: str = setting("INFO", "Log level.", choices=("DEBUG", "INFO", "WARNING", "ERROR"))


@dataclass
class SyncConfig:
    mqtt_host: str = setting("", "MQTT broker of the district (4G link); empty keeps MQTT sync idle.")
    mqtt_port: int = setting(1883, "MQTT broker port (8883 is usual with TLS).", min=1, max=65535)
    mqtt_tls: bool = setting(False, "Connect to the broker with TLS.")
    mqtt_ca_file: str = setting("", "CA certificate file for TLS; empty uses the system's CAs.")
    mqtt_username: str = setting("", "MQTT user name; empty connects without credentials.")
    mqtt_password: str = setting("", "MQTT password.")
    mqtt_keepalive_s: int = setting(30, "Seconds between MQTT keep-alive pings.", min=5, max=3600)
    batch_max_bytes: int = setting(65536, "Largest signed batch, in bytes (one MQTT message or USB file).",
                                   min=1024, max=8 * 1024 * 1024)
    batch_max_entries: int = setting(2000, "Most outbox entries in one batch.", min=1, max=100000)
    inflight_batches: int = setting(8, "Batches sent but not yet acknowledged before the box waits.", min=1, max=100)
    resend_initial_s: float = setting(5.0, "Seconds without an ack before unacknowledged batches are resent.",
                                      min=0.1, max=3600)
    resend_max_s: float = setting(300.0, "Longest wait between resends (the wait doubles up to this).",
                                  min=0.1, max=86400)
    status_interval_s: int = setting(60, "Seconds between status messages (backlog, health) to the hub.",
                                     min=5, max=86400)
    data_budget_mb: float = setting(0.0, "Monthly 4G data budget in MB; when it is used up only urgent data "
                                         "(priority <= urgent_priority) is sent. 0 means no limit.", min=0)
    urgent_priority: int = setting(5, "Outbox entries with this priority or lower still go when the budget is used "
                                      "(incidents are 5 or lower, access events 7).", min=0, max=9)
    share_names: bool = setting(False, "Send residents' names to the district (only when the district enables it).")
    share_phones: bool = setting(False, "Send phone numbers to the district (only when the district enables it).")
    share_plates: bool = setting(True, "Send plates with incidents (fire-lane evidence needs them).")
    usb_poll_s: float = setting(5.0, "Seconds between checks for a USB stick.", min=0.5, max=3600)


# Feature sections kept in their own folders.
from appliance.parking.config import ParkingConfig  # noqa: E402
from appliance.votes.config import VotesConfig  # noqa: E402
from appliance.system.config import SystemConfig  # noqa: E402
from appliance.devices.config import DevicesConfig  # noqa: E402
from appliance.care.config import CareConfig  # noqa: E402
from appliance.participation.config import ParticipationConfig  # noqa: E402
from appliance.face.config import FaceConfig  # noqa: E402
from appliance.hub.config import HubConfig  # noqa: E402


@dataclass
class Config:
    box: BoxConfig = field(default_factory=BoxConfig)
    web: WebConfig = field(default_factory=WebConfig)
    db: DbConfig = field(default_factory=DbConfig)
    tasks: TasksConfig = field(default_factory=TasksConfig)
    hardware: HardwareConfig = field(default_factory=HardwareConfig)
    face: FaceConfig = field(default_factory=FaceConfig)
    gate: GateConfig = field(default_factory=GateConfig)
    access: AccessConfig = field(default_factory=AccessConfig)
    firelane: FireLaneConfig = field(default_factory=FireLaneConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    hub: HubConfig = field(default_factory=HubConfig)
    care: CareConfig = field(default_factory=CareConfig)
    parking: ParkingConfig = field(default_factory=ParkingConfig)
    votes: VotesConfig = field(default_factory=VotesConfig)
    system: SystemConfig = field(default_factory=SystemConfig)
    devices: DevicesConfig = field(default_factory=DevicesConfig)
    participation: ParticipationConfig = field(default_factory=ParticipationConfig)
    # Filled by load_config, not by the file.
    home: Path = field(default=Path("var"), metadata={"internal": True})
    problems: list[str] = field(default_factory=list, metadata={"internal": True})

    @property
    def safe_mode(self) -> bool:
        return bool(self.problems)

    @property
    def db_path(self) -> Path:
        return Path(self.db.path) if self.db.path else self.home / "linli.db"


def linli_home() -> Path:
    return Path(os.environ.get("LINLI_HOME", "var")).resolve()


def sections() -> list[tuple[str, type]]:
    hints = typing.get_type_hints(Config)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(Config) if not f.metadata.get("internal")]


_KIND_WORDS = {int: N_("a whole number"), float: N_("a number"), bool: N_("true or false"), str: N_("text in quotes")}


def _coerce(section: str, f: dataclasses.Field, hint, value, problems: list[str]):
    key = f"{section}.{f.name}"
    meta = f.metadata
    ok = (
        (hint is bool and isinstance(value, bool))
        or (hint is int and isinstance(value, int) and not isinstance(value, bool))
        or (hint is float and isinstance(value, (int, float)) and not isinstance(value, bool))
        or (hint is str and isinstance(value, str))
        or (typing.get_origin(hint) is list and isinstance(value, list))
        or (typing.get_origin(hint) is dict and isinstance(value, dict))
    )
    if not ok:
        kind = gettext(_KIND_WORDS[hint]) if hint in _KIND_WORDS else getattr(hint, "__name__", str(hint))
        problems.append(gettext("%(key)s: should be %(kind)s, not %(value)s", key=key, kind=kind, value=repr(value)))
        return None
    if meta.get("choices") and value not in meta["choices"]:
        problems.append(gettext("%(key)s: should be one of %(choices)s, not %(value)s", key=key,
                                choices=", ".join(map(str, meta["choices"])), value=repr(value)))
        return None
    if meta.get("min") is not None and value < meta["min"]:
        problems.append(gettext("%(key)s: should be at least %(min)s, not %(value)s", key=key, min=meta["min"],
                                value=repr(value)))
        return None
    if meta.get("max") is not None and value > meta["max"]:
        problems.append(gettext("%(key)s: should be at most %(max)s, not %(value)s", key=key, max=meta["max"],
                                value=repr(value)))
        return None
    return float(value) if hint is float else value


def build_config(data: dict, home: Path) -> Config:
    """Validate ``data`` (parsed TOML) against the sections; collect every problem."""
    problems: list[str] = []
    built = {}
    known = dict(sections())
    for name in data:
        if name not in known:
            problems.append(gettext("%(key)s: there is no such section; check the spelling", key=name))
    for name, cls in known.items():
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            problems.append(gettext("%(key)s: should be a section ([%(key)s])", key=name))
            raw = {}
        hints = typing.get_type_hints(cls)
        values = {}
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key, value in raw.items():
            if key not in fields:
                problems.append(gettext("%(key)s: there is no such setting; check the spelling",
                                        key=f"{name}.{key}"))
                continue
            coerced = _coerce(name, fields[key], hints[key], value, problems)
            if coerced is not None:
                values[key] = coerced
        built[name] = cls(**values)
        # Sections with structure beyond single values check it themselves.
        if hasattr(built[name], "check"):
            problems.extend(built[name].check())
    from appliance.devices.registry import pin_clashes  # late: a check across sections

    problems.extend(pin_clashes(built))
    cfg = Config(**built, home=home, problems=problems)
    if problems:
        # Safe mode keeps the valid values out: a half-applied file is worse than defaults.
        cfg = Config(home=home, problems=problems)
    return cfg


def load_config(home: Path | None = None, path: Path | None = None) -> Config:
    home = (home or linli_home()).resolve()
    path = path or home / "config.toml"
    if not path.exists():
        return Config(home=home)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return Config(home=home, problems=[gettext("%(file)s cannot be read (a quote or bracket may be "
                                                   "missing): %(error)s", file=path.name, error=str(exc))])
    return build_config(data, home)


def explain() -> list[tuple[str, object, str]]:
    """Every setting as (key, default, help) for ``linli check-config --explain``."""
    rows = []
    for name, cls in sections():
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            rows.append((f"{name}.{f.name}", default, f.metadata.get("help", "")))
    return rows


SAFE_MODE_NOTICE = N_("The configuration file has errors; Linli runs in safe mode (gate locked, vision and sync off) until they are fixed.")
