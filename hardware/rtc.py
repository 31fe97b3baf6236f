"""A battery-backed real-time clock (DS3231 on I2C, /dev/rtc0) read and written the way
``hwclock`` does, plus a simulated RTC that keeps a history. The RTC always holds UTC."""

from __future__ import annotations

import datetime
import shutil
import subprocess


class RtcError(Exception):
    pass


class HwclockRtc:
    """The kernel's RTC driver through ``hwclock`` (util-linux), as the Pi's image ships it."""

    def __init__(self, device: str = "/dev/rtc0"):
        self.device = device

    def _run(self, *args: str) -> str:
        if shutil.which("hwclock") is None:
            raise RtcError("hwclock is not available on this machine")
        done = subprocess.run(["hwclock", "--utc", "-f", self.device, *args], capture_output=True, text=True,
                              timeout=30)
        if done.returncode != 0:
            raise RtcError(done.stderr.strip()[-300:] or f"hwclock failed ({done.returncode})")
        return done.stdout.strip()

    def present(self) -> bool:
        from pathlib import Path

        return Path(self.device).exists()

    def read(self) -> datetime.datetime | None:
        if not self.present():
            return None
        text = self._run("--get")
        try:
            return datetime.datetime.fromisoformat(text.replace(",", ".")).astimezone(datetime.timezone.utc)
        except ValueError as exc:
            raise RtcError(f"hwclock printed an unreadable time: {text[:60]!r}") from exc

    def write(self, when: datetime.datetime) -> None:
        if self.present():
            self._run("--set", "--date", when.astimezone(datetime.timezone.utc).isoformat())


class SimulatedRtc:
    """An RTC chip that drifts along with the machine's clock from what was last written.
    ``fitted=False`` is a box without one; ``lost_power=True`` a chip whose battery ran out
    (it then reads its reset date, 2000-01-01)."""

    def __init__(self, when: datetime.datetime | None = None, *, fitted: bool = True, lost_power: bool = False):
        self.fitted = fitted
        self.lost_power = lost_power
        self._set = when
        self.history: list[tuple[str, str]] = []

    def present(self) -> bool:
        return self.fitted

    def read(self) -> datetime.datetime | None:
        self.history.append(("read", ""))
        if not self.fitted:
            return None
        if self.lost_power or self._set is None:
            return datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
        return self._set

    def write(self, when: datetime.datetime) -> None:
        self.history.append(("write", when.isoformat()))
        if self.fitted:
            self._set = when
            self.lost_power = False
