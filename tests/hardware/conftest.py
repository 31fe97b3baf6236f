import pytest

from hardware.modem import Modem, SimulatedModem


@pytest.fixture
def sim_modem():
    """A simulated 4G dongle on a real pty; ``sim_modem.port`` is its device path."""
    with SimulatedModem() as sim:
        yield sim


@pytest.fixture
def modem(sim_modem):
    """The real Modem class, opened through pyserial on the simulator's pty."""
    with Modem(sim_modem.port, command_timeout=2.0, sms_timeout=5.0) as m:
        yield m
