"""Off the box, systemd is replaced by a child process: :class:`ProcessRestarter` has the same
``restart()`` as :class:`appliance.system.restarts.SystemdRestarter` and starts whatever
``<root>/current`` holds, as the unit's ``ExecStart`` would. It keeps a history of what it
started so tests can assert which version ran."""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

logger = logging.getLogger(__name__)


class ProcessRestarter:
    def __init__(self, root: Path, command: list[str], env: dict | None = None):
        """``command`` is relative to the current version folder, e.g. ``["python3", "serve.py"]``
        (an argument starting with ``./`` is taken inside the folder)."""
        self.root = Path(root)
        self.command = command
        self.env = env or {}
        self.process: subprocess.Popen | None = None
        self.history: list[str] = []

    def restart(self) -> None:
        self.stop()
        folder = (self.root / "current").resolve()
        argv = [str(folder / a[2:]) if a.startswith("./") else a for a in self.command]
        self.history.append(folder.name)
        self.process = subprocess.Popen(argv, cwd=folder, env={**os.environ, **self.env},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class SimulatedRebooter:
    """Off the box: remembers each restart asked for (True: the one that tries a new system
    slot) and does nothing."""

    def __init__(self):
        self.history: list[bool] = []

    def reboot(self, trial: bool) -> None:
        self.history.append(trial)
