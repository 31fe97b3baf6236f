"""Crash guard: a tiny helper process that releases the gate relay when its parent dies.

No process can trap SIGKILL (or the OOM killer, or a segfault in a C extension), so
atexit and signal handlers cannot promise the relay is released. The guard can: the
parent holds the write end of a pipe to the guard's stdin; when the parent dies for any
reason the kernel closes that pipe, the guard reads EOF, waits for the kernel to free the
GPIO line the parent held, claims it and drives it to the released level. systemd then
restarts the service, whose Gate releases the relay again at start.

Run as ``python -m hardware.guard SPEC_JSON``; :func:`spawn_guard` does that. SPEC keys:
``backend`` ("lgpio" or "file"), ``pin``, ``active_high``, and ``chip`` / ``state_dir``.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time

from hardware.errors import HardwareError

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT_S = 3.0


def _factory(spec: dict):
    if spec["backend"] == "file":
        from hardware.simulation import file_pin_factory

        return file_pin_factory(spec["state_dir"])
    if spec["backend"] == "lgpio":
        from gpiozero.pins.lgpio import LGPIOFactory

        return LGPIOFactory(chip=spec.get("chip", 0))
    raise HardwareError(f"unknown guard backend {spec['backend']!r}")


def release(spec: dict) -> None:
    """Claim the relay pin and drive it to the released level, retrying while the dying
    parent still holds the line."""
    from gpiozero import DigitalOutputDevice, GPIOZeroError

    deadline = time.monotonic() + CLAIM_TIMEOUT_S
    factory = _factory(spec)
    try:
        while True:
            try:
                relay = DigitalOutputDevice(spec["pin"], active_high=spec["active_high"], initial_value=False,
                                            pin_factory=factory)
            except (GPIOZeroError, OSError) as exc:
                if time.monotonic() > deadline:
                    raise HardwareError(f"could not claim the relay pin: {exc}") from exc
                time.sleep(0.05)
                continue
            relay.off()
            relay.close()
            return
    finally:
        factory.close()


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    # Ctrl+C in a terminal reaches the whole process group; the parent decides, not us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_term(*_):  # systemd stopping the unit: same as the parent's death
        release(spec)
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    import gpiozero  # noqa: F401  (imported now, so the release after a crash is quick)

    _factory(spec).close()  # fail now, visibly, if the backend cannot work at all
    print("READY", flush=True)
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    release(spec)
    return 0


def spawn_guard(spec: dict) -> subprocess.Popen:
    """Start the guard and wait until it is armed; keep the returned Popen (its stdin is the
    lifeline) and call :func:`stop_guard` after the Gate has been closed."""
    proc = subprocess.Popen([sys.executable, "-m", "hardware.guard", json.dumps(spec)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, close_fds=True, text=True)
    if proc.stdout.readline().strip() != "READY":
        proc.kill()
        raise HardwareError("the gate crash guard did not start")
    return proc


def stop_guard(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    if proc.stdin and not proc.stdin.closed:
        proc.stdin.close()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main(sys.argv[1:]))
