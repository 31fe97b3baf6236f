"""The car barrier on gpiozero mock pins: a raise is a pulse, the arm never comes down on a
car, a fire alarm raises and holds it, and every failure releases the relays."""

from __future__ import annotations

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.barrier import Barrier
from hardware.errors import HardwareError
from hardware.simulation import BarrierSimulator, wire_barrier

UP, DOWN, LOOP, FIRE = 5, 6, 16, 20


class FakeClock:
    def __init__(self):
        self.t = 500.0

    def __call__(self):
        return self.t


@pytest.fixture
def factory():
    f = MockFactory()
    yield f
    f.close()


@pytest.fixture
def clock():
    return FakeClock()


def make(factory, clock, **kw):
    wire_barrier(factory, presence_pin=kw.get("presence_pin", LOOP), fire_pin=kw.get("fire_pin", FIRE))
    args = dict(lower_pin=DOWN, presence_pin=LOOP, fire_pin=FIRE, pulse_s=0.5, lower_after_s=2.0,
                pin_factory=factory, clock=clock, supervise=False)
    args.update(kw)
    b = Barrier(UP, **args)
    return b, BarrierSimulator(b)


def driven(pin) -> list[bool]:
    """Levels the barrier drove on a relay pin (active low: False = energised)."""
    return [s.state for s in pin.states[1:]]


def kinds(b):
    return [k for _t, k, _d in b.history]


def test_relays_released_at_start_and_a_raise_is_a_pulse(factory, clock):
    b, _sim = make(factory, clock)
    assert not b.up_energised and not b.down_energised
    assert driven(factory.pin(UP)) == [True]  # first thing: released (active low)
    b.raise_arm()
    assert b.up_energised
    clock.t += 0.4
    b.tick()
    assert b.up_energised
    clock.t += 0.2
    b.tick()
    assert not b.up_energised
    assert driven(factory.pin(UP)) == [True, False, True]
    b.close()


def test_the_arm_comes_down_only_after_the_car_has_left_the_loop(factory, clock):
    b, sim = make(factory, clock)
    sim.set_vehicle(True)
    b.raise_arm()
    clock.t += 1
    b.tick()
    assert not b.down_energised  # car still on the loop
    sim.set_vehicle(False)
    clock.t += 1.9
    b.tick()
    assert not b.down_energised  # waits lower_after_s
    clock.t += 0.2
    b.tick()
    assert b.down_energised
    clock.t += 0.6
    b.tick()
    assert not b.down_energised
    assert kinds(b) == ["started", "vehicle_arrived", "raised", "vehicle_left", "lowered"]
    assert b.history[-1][2] == {"source": "auto"}
    b.close()


def test_a_second_car_on_the_loop_cancels_the_lowering(factory, clock):
    b, sim = make(factory, clock)
    sim.set_vehicle(True)
    b.raise_arm()
    sim.set_vehicle(False)
    clock.t += 1
    sim.set_vehicle(True)  # tailgating car
    clock.t += 5
    b.tick()
    assert not b.down_energised
    assert b.lower(source="volunteer") is False
    assert kinds(b)[-1] == "lower_refused"
    b.close()


def test_without_a_loop_the_box_never_lowers_the_arm(factory, clock):
    b, _sim = make(factory, clock, presence_pin=None)
    b.raise_arm()
    clock.t += 10
    b.tick()
    assert b.lower() is False
    assert not b.down_energised
    assert b.vehicle_present is None
    b.close()


def test_fire_alarm_raises_and_holds_until_reset_after_the_input_is_normal(factory, clock):
    b, sim = make(factory, clock)
    sim.set_fire(True)
    assert b.up_energised and b.fire_latched
    clock.t += 60
    b.tick()
    assert b.up_energised  # held, not a pulse
    assert b.lower() is False
    assert b.reset_fire() is False  # input still signals fire
    sim.set_fire(False)
    assert b.up_energised
    assert b.reset_fire() is True
    assert not b.up_energised
    b.close()


def test_a_fire_signalled_before_start_holds_the_arm_up_at_once(factory, clock):
    wire_barrier(factory, presence_pin=LOOP, fire_pin=FIRE)
    factory.pin(FIRE).wired_level = True  # cut wire on a normally closed contact
    b = Barrier(UP, lower_pin=DOWN, presence_pin=LOOP, fire_pin=FIRE, pin_factory=factory, clock=clock,
                supervise=False)
    assert b.up_energised and b.fire_latched
    b.close()
    assert factory.pin(UP).state is True  # released (active low)


def test_a_failing_listener_never_stops_the_barrier_or_drops_a_fire_hold(factory, clock):
    def explode(*args):
        raise RuntimeError("database locked")

    b, sim = make(factory, clock, on_event=explode)
    b.raise_arm()  # a broken event listener never stops the barrier
    assert b.up_energised
    b.on_presence(explode)  # the lane's decision fails
    sim.set_fire(True)
    sim.set_vehicle(True)
    assert b.up_energised and b.fire_latched  # the fire hold stays
    assert kinds(b)[-1] == "vehicle_arrived"


def test_a_failing_input_handler_releases_the_relays(factory, clock):
    b, _sim = make(factory, clock)
    b.raise_arm()

    def broken():
        raise RuntimeError("handler bug")

    b._guarded(broken)()  # how every gpiozero input callback of the barrier is wrapped
    assert not b.up_energised and kinds(b)[-1] == "fail_safe"
    b.close()


def test_close_releases_and_further_commands_fail(factory, clock):
    b, _sim = make(factory, clock)
    b.raise_arm()
    b.close()
    assert factory.pin(UP).state is True and factory.pin(DOWN).state is True  # released (active low)
    with pytest.raises(HardwareError):
        b.raise_arm()


def test_bad_timings_and_contact_types_are_refused(factory, clock):
    with pytest.raises(HardwareError):
        Barrier(UP, pulse_s=0, pin_factory=factory)
    with pytest.raises(HardwareError):
        Barrier(UP, presence_contact="maybe", pin_factory=factory)
