"""Where Linli versions live and which one runs.

App updates: each version gets its own folder ``<root>/versions/<version>/``; the symlink
``<root>/current`` names the one systemd starts (``ExecStart=<root>/current/venv/bin/linli
run``) and ``<root>/previous`` the one to go back to. Switching is one ``rename`` of a
symlink, so a power cut leaves either the old or the new link, never none. The version
flashed with the card sits on the read-only root (``/opt/linli``) and is the first
``current``: there is always a version to go back to.

OS updates go to the other root partition through RAUC (:class:`RaucSlots`), which owns
the A/B boot selection through the image's bootloader backend; this module calls it and reads
from the kernel command line which slot runs. Each system slot brings its own Linli at the
same path (``system_app``, /opt/linli): an OS update points ``current`` there for its try, so
the new system runs the Linli built for it, not an app update's venv built on the old one.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import shutil
import subprocess
import tarfile
import tomllib
from pathlib import Path

from appliance.errors import LinliError
from appliance.i18n import N_

logger = logging.getLogger(__name__)


class SlotError(LinliError):
    msgid = N_("The new version could not be installed.")


class AppSlots:
    def __init__(self, root: Path, clock=datetime.datetime.now, system_app: Path | None = None):
        self.root = Path(root)
        self.versions = self.root / "versions"
        self.clock = clock
        self.system_app = Path(system_app) if system_app else None

    # --- links --------------------------------------------------------------------------
    def _link(self, name: str) -> Path | None:
        link = self.root / name
        if not link.is_symlink():
            return None
        return Path(os.readlink(link))

    def current(self) -> Path | None:
        return self._link("current")

    def previous(self) -> Path | None:
        return self._link("previous")

    def point(self, name: str, target: Path) -> None:
        """Make ``<root>/<name>`` point at ``target`` in one rename."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{name}.new"
        tmp.unlink(missing_ok=True)
        os.symlink(target, tmp)
        os.replace(tmp, self.root / name)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def version_of(path: Path | None) -> str:
        """An installed version's number: its VERSION file (app bundles write one), else the
        project's own version when the folder is the source tree (the image's /opt/linli),
        else the folder's name. A flashed card once read as "linli", which every numbered
        bundle compared below, so the first update was refused as "not newer"."""
        if path is None:
            return ""
        path = Path(path)
        marker = path / "VERSION"
        if marker.is_file():
            return marker.read_text().strip()
        try:
            with open(path / "pyproject.toml", "rb") as f:
                return str(tomllib.load(f)["project"]["version"])
        except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError):
            return path.name

    # --- install ------------------------------------------------------------------------
    def install(self, version: str, payload: Path, command: tuple[str, ...], timeout_s: float = 1800) -> Path:
        """Unpack ``payload`` into a new version folder and run its install command there.
        The folder gets its final name only when both worked."""
        self.versions.mkdir(parents=True, exist_ok=True)
        final = self.versions / version
        current = self.current()
        if final.exists() and current is not None and final.resolve() == current.resolve():
            raise SlotError(N_("Version %(version)s is the one running now."), version=version)
        partial = self.versions / f".{version}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        try:
            with tarfile.open(payload, "r:*") as tar:
                tar.extractall(partial, filter="data")
            (partial / "VERSION").write_text(version + "\n")
            if command:
                self._run_install(command, partial, timeout_s)
        except (tarfile.TarError, OSError) as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise SlotError(N_("The new version could not be unpacked: %(error)s"), error=str(exc)) from exc
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        shutil.rmtree(final, ignore_errors=True)
        os.replace(partial, final)
        return final

    @staticmethod
    def _run_install(command: tuple[str, ...], folder: Path, timeout_s: float) -> None:
        try:
            done = subprocess.run(list(command), cwd=folder, capture_output=True, text=True, timeout=timeout_s)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SlotError(N_("The new version's install step failed: %(error)s"), error=str(exc)) from exc
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise SlotError(N_("The new version's install step failed: %(error)s"), error=" / ".join(tail))

    def remove_unused(self, keep: int = 2) -> None:
        """Delete version folders that neither link names, oldest first, keeping ``keep``."""
        if not self.versions.is_dir():
            return
        used = {p.resolve() for p in (self.current(), self.previous()) if p is not None}
        spare = [p for p in self.versions.iterdir() if p.is_dir() and not p.name.startswith(".")
                 and p.resolve() not in used]
        for path in sorted(spare, key=lambda p: p.stat().st_mtime)[:-keep or None]:
            shutil.rmtree(path, ignore_errors=True)

    # --- state --------------------------------------------------------------------------
    @property
    def state_file(self) -> Path:
        return self.root / "update-state.json"

    def state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {"trying": None, "history": []}

    def save_state(self, state: dict) -> None:
        state["history"] = state.get("history", [])[-20:]
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        self.root.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w") as fh:
            json.dump(state, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.state_file)


class RaucSlots:
    """OS bundles through RAUC, on a box whose image has it (``apt install rauc``).

    The card has two root slots, bootnames ``A`` and ``B``; the kernel command line names the
    one that runs (``rauc.slot=A``). RAUC writes a bundle into the other one; which slot starts
    is the image's bootloader's business (U-Boot's boot.cmd and RAUC's backend
    rauc-bootchooser.sh: a freshly written slot gets one start, a proven one three at a time)."""

    SLOTS = ("A", "B")

    def __init__(self, binary: str = "rauc", cmdline_file: Path = Path("/proc/cmdline")):
        self.binary = binary
        self.cmdline_file = Path(cmdline_file)

    def available(self) -> bool:
        return shutil.which(self.binary) is not None

    def require_rauc(self) -> None:
        if not self.available():
            raise SlotError(N_("OS updates need RAUC, which is not installed on this machine; only app updates "
                               "can be applied here."))

    def require_slots(self) -> str:
        """The running slot; a refusal when this machine cannot take an OS update."""
        self.require_rauc()
        booted = self.booted()
        if booted is None:
            raise SlotError(N_("OS updates need the card's two RAUC system slots (A and B); this system was not "
                               "started from one of them (no rauc.slot on the kernel command line), so only app "
                               "updates can be applied here."))
        return booted

    def booted(self) -> str | None:
        """The slot this system started from ("A" or "B"); None off an A/B image."""
        try:
            words = self.cmdline_file.read_text().split()
        except OSError:
            return None
        found = [w.split("=", 1)[1] for w in words if w.startswith("rauc.slot=")]
        return found[-1] if found and found[-1] in self.SLOTS else None

    def other(self) -> str | None:
        """The slot that is not running: where RAUC writes a bundle."""
        booted = self.booted()
        return None if booted is None else self.SLOTS[1 - self.SLOTS.index(booted)]

    def _run(self, *args: str, timeout: float = 3600, failed: str = N_("RAUC refused the OS update: %(error)s")) -> str:
        self.require_rauc()
        try:
            done = subprocess.run([self.binary, *args], capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SlotError(failed, error=str(exc)) from exc
        if done.returncode != 0:
            raise SlotError(failed, error=(done.stderr or done.stdout).strip()[-300:])
        return done.stdout

    def install(self, payload: Path) -> None:
        self._run("install", str(payload))

    def _mark(self, state: str, slot: str) -> None:
        self._run("status", state, slot, timeout=60,
                  failed=N_("RAUC could not record the state of the system slots: %(error)s"))

    def mark_good(self) -> None:
        self._mark("mark-good", "booted")

    def mark_bad(self) -> None:
        self._mark("mark-bad", "booted")

    def mark_other_bad(self) -> None:
        self._mark("mark-bad", "other")

    def mark_active(self) -> None:
        """Make the running slot the one every plain boot starts (RAUC's set-primary)."""
        self._mark("mark-active", "booted")
