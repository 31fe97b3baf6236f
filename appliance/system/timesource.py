"""Where the box's time comes from when there is no internet, and whether it jumped.

Order: NTP when it has synchronised, else the 4G network's time (NITZ, read with AT+CCLK?),
else a battery RTC (DS3231). A source's time is refused when it is absurd: before the
image's earliest date, more than a day before a time this box already trusted, or decades
ahead. TOTP codes, signed batches and the logs all carry times, so a jump of the wall clock
(set by a source, by hand, or by something else) is recorded and shown on the health page
for a day.

State lives in ``$LINLI_HOME/system/clock.json`` (written atomically): the source of the last
good time, when it was set, the last trusted time, and the last jump.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from appliance.files import write_private
from appliance.system.clock import EARLIEST

logger = logging.getLogger(__name__)

UTC = datetime.timezone.utc
# An image does not run for twenty years: a later date is a broken source, not the future.
LATEST = EARLIEST.replace(year=EARLIEST.year + 20, tzinfo=UTC)
SOURCES = ("ntp", "4g", "rtc")
# Below this a source's time is taken as agreeing with the clock: not set again, no jump.
SETTLE_S = 2.0


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


@dataclass
class ClockState:
    source: str = "none"  # ntp, 4g, rtc, manual or none
    set_at: str = ""  # UTC ISO time the source was last read successfully
    trusted: str = ""  # the latest time this box had from a source (refuses going far back)
    refused: str = ""  # the last source time refused, with why
    jump_at: str = ""
    jump_s: float = 0.0
    jump_why: str = ""  # the source that set it, or "outside" (by hand with `date`, another program)
    boot_id: str = ""
    offset: float | None = None  # wall minus monotonic seconds at the last check

    @classmethod
    def load(cls, path: Path) -> "ClockState":
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def save(self, path: Path) -> None:
        write_private(path, json.dumps(asdict(self), indent=1).encode())


@dataclass
class SyncResult:
    source: str
    changed_s: float = 0.0
    refused: list[str] = field(default_factory=list)


class ClockKeeper:
    """Sets the system clock from the best source it can reach and watches for jumps.

    ``setter`` is hardware.systemclock's TimedatectlClock (simulated off the Pi) and takes a
    naive local time; ``now`` returns the wall clock as an aware UTC datetime; ``modem_time``
    returns the network's time or None; ``rtc`` has read()/write()/present().
    """

    def __init__(self, state_path: Path, setter, *, ntp_synced: Callable[[], bool],
                 modem_time: Callable[[], datetime.datetime | None], rtc, sources=SOURCES, jump_s: float = 120.0,
                 now: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(UTC),
                 monotonic: Callable[[], float] = time.monotonic, boot_id: Callable[[], str] = _boot_id):
        self.state_path = Path(state_path)
        self.setter = setter
        self.ntp_synced = ntp_synced
        self.modem_time = modem_time
        self.rtc = rtc
        self.sources = tuple(s for s in sources if s in SOURCES)
        self.jump_s = jump_s
        self.now = now
        self.monotonic = monotonic
        self.boot_id = boot_id

    def state(self) -> ClockState:
        return ClockState.load(self.state_path)

    # -- plausibility ----------------------------------------------------------------
    def why_absurd(self, when: datetime.datetime, state: ClockState) -> str | None:
        if when < EARLIEST.replace(tzinfo=UTC):
            return f"before {EARLIEST:%Y-%m-%d}"
        if when >= LATEST:
            return f"after {LATEST:%Y-%m-%d}"
        if state.trusted:
            trusted = datetime.datetime.fromisoformat(state.trusted)
            if when < trusted - datetime.timedelta(days=1):
                return f"more than a day before a time already trusted ({trusted:%Y-%m-%d %H:%M})"
        return None

    # -- sync ------------------------------------------------------------------------
    def sync(self) -> SyncResult:
        """Take the time from the first source that has a sane one; idempotent."""
        state = self.state()
        self._watch(state)
        result = SyncResult(source="none")
        for source in self.sources:
            try:
                when = self._read(source)
            except Exception as exc:  # a source's own error (serial, hwclock) must not stop the others
                logger.warning("clock source %s failed: %s", source, exc)
                result.refused.append(f"{source}: {exc}")
                continue
            if when is None:
                continue
            why = self.why_absurd(when, state)
            if why is not None:
                logger.warning("clock source %s refused: %s says %s", source, why, when.isoformat())
                result.refused.append(f"{source}: {when:%Y-%m-%d %H:%M} ({why})")
                state.refused = f"{source} {when.isoformat()}: {why}"
                continue
            result.source = source
            if source != "ntp":
                result.changed_s = self._set(when, source, state)
            if source != "rtc" and self.rtc is not None and self.rtc.present():
                try:
                    self.rtc.write(self.now())
                except Exception as exc:
                    logger.warning("writing the RTC failed: %s", exc)
            state.source = source
            now = self.now()
            state.set_at = now.isoformat()
            state.trusted = max(now, datetime.datetime.fromisoformat(state.trusted)).isoformat() \
                if state.trusted else now.isoformat()
            break
        self._remember_offset(state)
        state.save(self.state_path)
        return result

    def set_by_hand(self, when: datetime.datetime) -> float:
        """The installer typed the time (wizard): set it, record 'manual' and the jump."""
        state = self.state()
        self._watch(state)
        changed = self._set(when, "manual", state)
        state.source = "manual"
        state.set_at = self.now().isoformat()
        self._remember_offset(state)
        state.save(self.state_path)
        return changed

    def check(self) -> ClockState:
        """Notice a jump made by anything else (a user's `date`, a broken RTC) since last time."""
        state = self.state()
        self._watch(state)
        self._remember_offset(state)
        state.save(self.state_path)
        return state

    def _read(self, source: str) -> datetime.datetime | None:
        if source == "ntp":
            return self.now() if self.ntp_synced() else None
        if source == "4g":
            return self.modem_time()
        if self.rtc is None or not self.rtc.present():
            return None
        return self.rtc.read()

    def _set(self, when: datetime.datetime, source: str, state: ClockState) -> float:
        delta = (when - self.now()).total_seconds()
        if abs(delta) < SETTLE_S:
            return 0.0
        self.setter.set_time(when.astimezone().replace(tzinfo=None))
        logger.info("clock set from %s by %.0f s", source, delta)
        # The first setting after a boot is expected (a Pi without a battery clock starts at
        # its last shutdown); a jump is a change once this boot already had a trusted time.
        had_time = state.boot_id == self.boot_id() and state.source != "none"
        if abs(delta) >= self.jump_s and had_time:
            self._record_jump(state, delta, source)
        return delta

    def _watch(self, state: ClockState) -> None:
        boot = self.boot_id()
        if state.boot_id != boot:
            state.source = "none"  # last boot's source says nothing about this boot's clock
        if state.offset is None or state.boot_id != boot:
            return
        offset = self.now().timestamp() - self.monotonic()
        drift = offset - state.offset
        if abs(drift) >= self.jump_s:
            self._record_jump(state, drift, "outside")

    def _remember_offset(self, state: ClockState) -> None:
        state.boot_id = self.boot_id()
        state.offset = self.now().timestamp() - self.monotonic()

    def _record_jump(self, state: ClockState, delta: float, why: str) -> None:
        logger.warning("the clock jumped by %.0f s (%s)", delta, why)
        state.jump_at = self.now().isoformat()
        state.jump_s = round(delta, 1)
        state.jump_why = why
