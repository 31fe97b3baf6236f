"""The gate on gpiozero mock pins: relay sequences, exit button, door alarms, fire egress,
fail-safe on errors and at exit, and the crash guard after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.errors import HardwareError
from hardware.gate import Gate
from hardware.simulation import GateSimulator, read_pin_file, wire_contacts

ROOT = Path(__file__).resolve().parents[2]
RELAY, EXIT, DOOR, FIRE, BUZZER, LED = 26, 17, 27, 22, 13, 19


class FakeClock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


@pytest.fixture
def factory():
    f = MockFactory()
    yield f
    f.close()


def levels(pin) -> list[bool]:
    """Levels the Gate drove; states[0] is the unclaimed (floating, low) input before that."""
    assert pin.states[0].state is False
    return [s.state for s in pin.states[1:]]


def make_gate(factory, clock=None, events=None, **kw):
    wire_contacts(factory, door_pin=DOOR, fire_pin=FIRE, exit_pin=EXIT)
    args = dict(exit_pin=EXIT, door_pin=DOOR, fire_pin=FIRE, buzzer_pin=BUZZER, led_pin=LED, pulse_s=5,
                held_open_s=30, pin_factory=factory, supervise=clock is None,
                on_event=(lambda kind, detail: events.append(kind)) if events is not None else None)
    if clock is not None:
        args["clock"] = clock
    args.update(kw)
    return Gate(RELAY, **args)


def relay_pin(factory):
    return factory.pin(RELAY)


def test_active_low_relay_is_released_at_start_energised_by_a_grant_and_relocked_after_the_pulse(factory):
    clock = FakeClock()
    with make_gate(factory, clock) as gate:
        pin = relay_pin(factory)
        pin.assert_states([False, True])  # unclaimed, then active-low: high = coil off = locked
        assert levels(pin) == [True] and not gate.relay_energised
        gate.open()
        assert gate.relay_energised and levels(pin) == [True, False]
        clock.t += 4.9
        gate.tick()
        assert gate.relay_energised
        clock.t += 0.2
        gate.tick()
        pin.assert_states([False, True, False, True])
        assert levels(pin) == [True, False, True]
        assert factory.pin(LED).states[-1].state is False


def test_active_high_relay_and_close_while_open_releases(factory):
    gate = make_gate(factory, FakeClock(), relay_active_low=False)
    gate.open()
    gate.close()
    pin = relay_pin(factory)
    pin.assert_states([False, True, False])  # never driven high before the grant
    assert [s.state for s in pin.states] == [False, True, False]


def test_exit_button_opens_for_one_pulse(factory):
    clock, events = FakeClock(), []
    with make_gate(factory, clock, events) as gate:
        GateSimulator(gate, factory).press_exit()
        assert gate.relay_energised
        assert events[-2:] == ["exit_button", "opened"]
        clock.t += 5.1
        gate.tick()
        assert levels(relay_pin(factory)) == [True, False, True]


def test_door_forced_open_sounds_the_buzzer_but_a_granted_opening_does_not(factory):
    clock, events = FakeClock(), []
    with make_gate(factory, clock, events) as gate:
        sim = GateSimulator(gate, factory)
        sim.set_door(True)
        assert "forced_open" in events and gate.forced_alarm
        assert factory.pin(BUZZER).states[-1].state is True
        sim.set_door(False)
        assert not gate.forced_alarm and factory.pin(BUZZER).states[-1].state is False
        events.clear()
        gate.open()
        clock.t += 6  # door opened just after the pulse ended: still the person who was let in
        gate.tick()
        sim.set_door(True)
        assert "forced_open" not in events


def test_door_held_open_alarm_after_the_configured_time(factory):
    clock, events = FakeClock(), []
    with make_gate(factory, clock, events, held_open_s=30) as gate:
        gate.open()
        GateSimulator(gate, factory).set_door(True)
        clock.t += 29
        gate.tick()
        assert "held_open" not in events
        clock.t += 2
        gate.tick()
        assert "held_open" in events and gate.status()["held_open"]


def test_fire_alarm_holds_the_gate_open_until_reset_after_the_input_clears(factory):
    clock, events = FakeClock(), []
    with make_gate(factory, clock, events) as gate:
        sim = GateSimulator(gate, factory)
        sim.set_fire(True)
        assert gate.relay_energised and gate.fire_latched and "fire_alarm" in events
        clock.t += 3600
        gate.tick()
        gate.lock_now()
        assert gate.relay_energised, "nothing but a reset may lock during a fire alarm"
        assert gate.reset_fire() is False, "reset refused while the panel still signals fire"
        sim.set_fire(False)
        assert gate.relay_energised, "the hold is latched until a person resets it"
        assert gate.reset_fire() is True
        assert not gate.relay_energised
        assert levels(relay_pin(factory)) == [True, False, True]


def test_fire_alarm_is_seen_within_one_second_even_when_the_edge_is_missed(factory):
    with make_gate(factory, poll_s=0.2) as gate:
        fire = factory.pin(FIRE)
        fire._change_state(True)  # level changes without an edge callback (lost interrupt)
        started = time.monotonic()
        while not gate.relay_energised and time.monotonic() - started < 1.0:
            time.sleep(0.02)
        assert gate.relay_energised and gate.fire_latched


def test_fire_signalled_at_start_opens_at_once(factory):
    wire_contacts(factory, door_pin=DOOR, fire_pin=FIRE, exit_pin=EXIT)
    factory.pin(FIRE).wired_level = True  # NC contact open: fire (or a cut wire)
    with Gate(RELAY, exit_pin=EXIT, door_pin=DOOR, fire_pin=FIRE, pin_factory=factory, supervise=False) as gate:
        assert gate.relay_energised and gate.fire_latched


def test_an_error_in_the_supervisor_releases_the_relay(factory):
    with make_gate(factory, poll_s=0.05, pulse_s=3600) as gate:
        gate.open()

        def broken():
            raise RuntimeError("bug")

        gate.tick = broken
        started = time.monotonic()
        while gate.relay_energised and time.monotonic() - started < 1.0:
            time.sleep(0.02)
        assert not gate.relay_energised
        assert "fail_safe" in gate.events() and "locked" not in gate.events()


def test_a_failing_event_listener_never_stops_the_gate(factory):
    def listener(kind, detail):
        raise RuntimeError("database locked")

    with make_gate(factory, FakeClock(), on_event=listener) as gate:
        GateSimulator(gate, factory).press_exit()
        assert gate.relay_energised


def test_busy_pin_is_a_hardware_error_and_nothing_stays_claimed(factory):
    from gpiozero import DigitalOutputDevice

    other = DigitalOutputDevice(DOOR, pin_factory=factory)
    with pytest.raises(HardwareError):
        Gate(RELAY, door_pin=DOOR, pin_factory=factory, supervise=False)
    other.close()
    Gate(RELAY, door_pin=DOOR, pin_factory=factory, supervise=False).close()  # relay pin was given back


# --- process exit and crashes (file-backed mock pins, separate processes) ------------------
def child(state_dir, mode, **kw):
    return subprocess.Popen([sys.executable, "-m", "tests.hardware.gate_child", str(state_dir), mode], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def relay_file(state_dir):
    level, pid = read_pin_file(state_dir, f"GPIO{RELAY}")
    return (not level), pid  # active-low: low level = energised


@pytest.mark.parametrize("mode", ["exit", "raise"])
def test_relay_released_when_the_process_exits_or_dies_of_an_unhandled_error(tmp_path, mode):
    proc = child(tmp_path, mode)
    out, err = proc.communicate(timeout=30)
    assert "OPEN" in out
    energised, pid = relay_file(tmp_path)
    assert not energised and pid == proc.pid


def test_without_the_exit_hook_the_relay_would_stay_energised(tmp_path):
    """Control for the test above: the hook, not gpiozero's own shutdown, releases it."""
    proc = child(tmp_path, "exit-nohook")
    proc.communicate(timeout=30)
    assert relay_file(tmp_path)[0] is True


def _wait_open(proc):
    line = proc.stdout.readline()
    assert line.strip() == "OPEN", proc.stderr.read()


def test_sigkill_while_open_leaves_the_pin_energised_and_a_fresh_process_releases_it_at_start(tmp_path):
    proc = child(tmp_path, "hold")
    _wait_open(proc)
    assert relay_file(tmp_path) == (True, proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    # SIGKILL cannot be trapped: the level stays as the dead process left it ...
    assert relay_file(tmp_path) == (True, proc.pid)
    # ... until the service restarts; the new Gate releases the relay before anything else.
    fresh = child(tmp_path, "start")
    out, _ = fresh.communicate(timeout=30)
    assert json.loads(out) == {"energised": False}
    energised, pid = relay_file(tmp_path)
    assert not energised and pid == fresh.pid


def test_sigkill_while_open_the_crash_guard_releases_the_relay_within_a_second(tmp_path):
    proc = child(tmp_path, "guarded")
    _wait_open(proc)
    assert relay_file(tmp_path) == (True, proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    killed_at = time.monotonic()
    while relay_file(tmp_path)[0] and time.monotonic() - killed_at < 5:
        time.sleep(0.02)
    energised, pid = relay_file(tmp_path)
    assert not energised, "the guard did not release the relay"
    assert pid not in (proc.pid, os.getpid())  # released by the guard process, not by us
    assert time.monotonic() - killed_at < 1.5
