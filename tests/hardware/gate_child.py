"""A process that drives the gate relay on file-backed mock pins, for the crash tests.

usage: python -m tests.hardware.gate_child STATE_DIR MODE
MODE: "hold" (open, print OPEN, sleep), "guarded" (same with the crash guard),
"exit" (open then sys.exit), "exit-nohook" (the same without the exit hook), "raise" (open then an unhandled exception),
"start" (only build the Gate and print its relay state).
"""

import json
import sys
import time

from hardware.gate import Gate
from hardware.guard import spawn_guard
from hardware.simulation import file_pin_factory

RELAY = 26


def main(state_dir: str, mode: str) -> None:
    factory = file_pin_factory(state_dir)
    if mode == "guarded":
        spawn_guard({"backend": "file", "state_dir": state_dir, "pin": RELAY, "active_high": False})
    gate = Gate(RELAY, relay_active_low=True, pulse_s=3600, pin_factory=factory)
    if mode != "exit-nohook":
        gate.release_on_exit()
    if mode == "start":
        print(json.dumps({"energised": gate.relay_energised}), flush=True)
        gate.close()
        return
    gate.open()
    print("OPEN", flush=True)
    if mode in ("exit", "exit-nohook"):
        sys.exit(0)
    if mode == "raise":
        raise RuntimeError("simulated bug in the main loop")
    time.sleep(60)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
