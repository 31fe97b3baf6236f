"""Setting the clock without internet: the 4G network's time through the real Modem class on a
simulated dongle's pty, a simulated RTC, refusals of absurd times, and jump warnings."""

from __future__ import annotations

import datetime

import pytest

from appliance.system.clock import clock_ok
from appliance.system.timesource import ClockKeeper
from hardware.modem import Modem, SimulatedModem
from hardware.modem.modem import parse_cclk
from hardware.rtc import SimulatedRtc

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 4, 8, 30, tzinfo=UTC)  # 16:30 in Beijing


class Machine:
    """The box's wall clock and monotonic clock; ``set_time`` is what timedatectl would do."""

    def __init__(self, wall: datetime.datetime):
        self.wall = wall
        self.mono = 1000.0
        self.boot = "boot-1"
        self.history: list[tuple[str, str]] = []

    def now(self) -> datetime.datetime:
        return self.wall

    def local_naive(self) -> datetime.datetime:
        return self.wall.astimezone().replace(tzinfo=None)

    def set_time(self, when: datetime.datetime) -> None:  # naive local, as TimedatectlClock takes it
        self.history.append(("time", when.isoformat()))
        self.wall = when.astimezone(UTC)

    def set_timezone(self, zone: str) -> None:
        self.history.append(("timezone", zone))

    def run(self, seconds: float) -> None:
        self.wall += datetime.timedelta(seconds=seconds)
        self.mono += seconds


@pytest.fixture
def dongle():
    with SimulatedModem() as sim:
        yield sim


def modem_reader(sim):
    def read():
        with Modem(sim.port, command_timeout=2.0) as modem:
            return modem.network_time()

    return read


def keeper(tmp_path, machine, *, ntp=False, modem=lambda: None, rtc=None, sources=("ntp", "4g", "rtc")):
    return ClockKeeper(tmp_path / "clock.json", machine, ntp_synced=lambda: ntp, modem_time=modem,
                       rtc=rtc if rtc is not None else SimulatedRtc(fitted=False), sources=sources, jump_s=120,
                       now=machine.now, monotonic=lambda: machine.mono, boot_id=lambda: machine.boot)


def test_cclk_answers():
    assert parse_cclk('+CCLK: "26/12/04,16:30:00+32"') == NOW
    assert parse_cclk('+CCLK: "26/12/04,08:30:00-00"') == NOW
    # Power-on defaults before the network's time arrived, and nonsense, are "not known".
    assert parse_cclk('+CCLK: "00/01/01,00:00:12+00"') is None
    assert parse_cclk('+CCLK: "80/01/06,00:00:27+00"') is None
    assert parse_cclk('+CCLK: "26/13/40,25:00:00+32"') is None
    assert parse_cclk("OK") is None


def test_box_without_internet_takes_the_4g_networks_time(tmp_path, dongle):
    dongle.network_time = NOW
    machine = Machine(datetime.datetime(2026, 1, 1, tzinfo=UTC))  # a Pi without battery starts at its build date
    rtc = SimulatedRtc(fitted=True, lost_power=True)
    k = keeper(tmp_path, machine, modem=modem_reader(dongle), rtc=rtc)

    result = k.sync()

    assert result.source == "4g" and machine.wall == NOW
    assert "AT+CCLK?" in dongle.commands
    # The RTC now keeps the good time for the next boot without network.
    assert rtc.history[-1] == ("write", NOW.isoformat())
    state = k.state()
    assert state.source == "4g" and state.trusted == NOW.isoformat()
    # Setting the clock the first time in a boot is expected, not a jump.
    assert state.jump_at == ""
    ok, line = clock_ok(machine.local_naive, k)
    assert ok and "4G" in line and "2026-12-04" in line


def test_no_network_time_falls_back_to_the_rtc(tmp_path, dongle):
    dongle.network_time = None  # the dongle has no NITZ yet: it answers 2000-01-01
    machine = Machine(datetime.datetime(2026, 1, 1, tzinfo=UTC))
    k = keeper(tmp_path, machine, modem=modem_reader(dongle), rtc=SimulatedRtc(NOW))
    assert k.sync().source == "rtc" and machine.wall == NOW
    assert k.state().source == "rtc"
    ok, line = clock_ok(machine.local_naive, k)
    assert ok and "RTC" in line


def test_absurd_times_are_refused_and_say_why(tmp_path, dongle):
    dongle.network_time = datetime.datetime(2061, 5, 1, tzinfo=UTC)  # a broken cell's time
    machine = Machine(datetime.datetime(2026, 1, 1, tzinfo=UTC))
    rtc = SimulatedRtc(fitted=True, lost_power=True)  # battery dead: reads 2000-01-01
    k = keeper(tmp_path, machine, modem=modem_reader(dongle), rtc=rtc)

    result = k.sync()

    assert result.source == "none" and machine.history == []
    assert any("2061" in r and r.startswith("4g") for r in result.refused)
    assert any("2000" in r and r.startswith("rtc") for r in result.refused)
    assert k.state().source == "none" and "2000" in k.state().refused


def test_a_time_far_before_what_was_trusted_is_refused(tmp_path, dongle):
    machine = Machine(datetime.datetime(2026, 1, 1, tzinfo=UTC))
    dongle.network_time = NOW
    k = keeper(tmp_path, machine, modem=modem_reader(dongle))
    assert k.sync().source == "4g"
    # Next boot the cell sends a time three weeks back (seen with misconfigured small cells).
    machine.boot = "boot-2"
    dongle.network_time = NOW - datetime.timedelta(days=21)
    result = k.sync()
    assert result.source == "none" and machine.wall == NOW
    assert "trusted" in result.refused[0]


def test_ntp_wins_and_the_modem_is_not_asked(tmp_path, dongle):
    dongle.network_time = NOW - datetime.timedelta(hours=1)
    machine = Machine(NOW)
    k = keeper(tmp_path, machine, ntp=True, modem=modem_reader(dongle))
    assert k.sync().source == "ntp" and machine.history == []
    assert "AT+CCLK?" not in dongle.commands


def test_jumps_are_recorded_and_shown_for_a_day(tmp_path, dongle):
    machine = Machine(datetime.datetime(2026, 1, 1, tzinfo=UTC))
    dongle.network_time = NOW
    k = keeper(tmp_path, machine, modem=modem_reader(dongle))
    k.sync()
    machine.run(600)
    assert k.check().jump_at == ""  # ten minutes passed on both clocks: no jump

    # Someone runs `date -s` five minutes ahead.
    machine.wall += datetime.timedelta(minutes=5)
    state = k.check()
    assert state.jump_why == "outside" and state.jump_s == 300.0
    ok, line = clock_ok(machine.local_naive, k)
    assert not ok and "+300" in line

    # A day later the warning is gone and the source line is back.
    machine.run(86400 + 60)
    ok, line = clock_ok(machine.local_naive, k)
    assert ok and "4G" in line


def test_a_second_setting_in_the_same_boot_is_a_jump(tmp_path, dongle):
    machine = Machine(datetime.datetime(2026, 1, 1, tzinfo=UTC))
    dongle.network_time = NOW
    k = keeper(tmp_path, machine, modem=modem_reader(dongle))
    k.sync()
    machine.run(60)
    dongle.network_time = machine.wall + datetime.timedelta(minutes=10)  # the clock had drifted
    result = k.sync()
    assert result.changed_s == pytest.approx(600)
    state = k.state()
    assert state.jump_why == "4g" and state.jump_s == 600.0


def test_time_typed_by_hand_is_recorded_as_manual(tmp_path):
    machine = Machine(datetime.datetime(2026, 1, 1, tzinfo=UTC))
    k = keeper(tmp_path, machine)
    k.set_by_hand(NOW)
    assert machine.wall == NOW and k.state().source == "manual"
    assert clock_ok(machine.local_naive, k)[0]


def test_the_box_health_page_shows_the_clock_source(client_as, services):
    keeper_ = services.system.clock_keeper
    keeper_.sources = ("rtc",)
    keeper_.rtc = SimulatedRtc(datetime.datetime.now(UTC))
    keeper_.sync()
    page = client_as("admin").get("/")
    assert page.status_code == 200
    assert "RTC" in page.get_data(as_text=True)


def test_a_sync_flag_in_a_folder_linli_may_not_read_is_not_an_error(tmp_path, monkeypatch):
    """chronyd keeps /var/lib/chrony 0750 for itself, so asking whether its drift file
    exists raises PermissionError for the linli user: the health line said "unexpected
    error" on the image. (The tests run as root, where folder permissions do not apply,
    so the refusal is made by the path itself.)"""
    from pathlib import Path

    from appliance.system import clock

    class Unreadable(type(Path())):
        def exists(self, *args, **kwargs):
            raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(clock, "SYNC_FLAGS", (tmp_path / "missing", Unreadable("/var/lib/chrony/chrony.drift")))
    monkeypatch.setattr(clock, "_adjtimex", lambda: clock.TIME_ERROR)  # the kernel: not synchronised
    assert clock.clock_source() == "local"
    # What chronyd (rtcsync) or timesyncd tells the kernel needs no access to their folders.
    monkeypatch.setattr(clock, "_adjtimex", lambda: 0)  # TIME_OK
    assert clock.clock_source() == "ntp"
    ok, words = clock.clock_ok(lambda: clock.EARLIEST.replace(year=2027))
    assert ok and "2027" in words


def test_the_kernel_is_asked_for_real_and_a_failing_call_means_not_synchronised():
    from appliance.system import clock

    assert clock._adjtimex() in range(0, 6)  # this machine's real answer, whatever it is
    assert clock.kernel_synchronised(lambda: -1) is False  # the call failed
    assert clock.kernel_synchronised(lambda: 5) is False and clock.kernel_synchronised(lambda: 1) is True

    def broken():
        raise OSError("no libc")

    assert clock.kernel_synchronised(broken) is False
