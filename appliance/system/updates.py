"""Applying an update: check the bundle, install beside the running version, switch, and keep
the new version only when it answers healthy; otherwise switch back on its own.

``apply`` = verify → install into a new folder → record "trying" → switch the link →
restart → ``confirm``. ``confirm`` waits for ``/healthz`` and either commits or rolls back.
The ``linli-update-confirm`` unit runs ``confirm`` after every boot too, so a power cut or a
crash during the trial still ends in a kept or a rolled-back version, never in between.

An OS bundle goes to the other root slot through RAUC instead, which gives that slot one
start (the image's U-Boot script counts them, image-build/boot.cmd): ``apply`` records
"trying_os" and restarts the box; the ``confirm`` after that boot keeps the slot (marks it
good and active) when the box is healthy, else marks it bad and restarts. Any later start goes
back to the old slot, so a new system that hangs, crashes or loses power during its try is
left behind by itself. ``confirm`` also gives the running slot its starts back after every
boot (mark-good), so power cuts on a settled box never use them up.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
import time
from pathlib import Path

from appliance.i18n import N_
from appliance.system.bundle import BundleRefused, extract_payload, load_trusted_keys, verify, version_key
from appliance.system.restarts import SystemdRebooter, UpdateFailed
from appliance.system.slots import AppSlots, RaucSlots, SlotError

logger = logging.getLogger(__name__)


# Words of the update history, shown translated on the backups page.
RESULT_WORDS = (N_("kept"), N_("rolled back"), N_("installed"), N_("failed"))


class UpdateService:
    def __init__(self, slots: AppSlots, keys_dir: Path, board: str, restarter, probe, health_timeout_s: float,
                 rauc: RaucSlots | None = None, clock=datetime.datetime.now, rebooter=None):
        self.slots = slots
        self.keys_dir = Path(keys_dir)
        self.board = board
        self.restarter = restarter
        self.probe = probe
        self.health_timeout_s = health_timeout_s
        self.rauc = rauc or RaucSlots()
        self.clock = clock
        self.rebooter = rebooter or SystemdRebooter()

    def check(self, path: Path):
        return verify(Path(path), load_trusted_keys(self.keys_dir), self.board)

    def apply(self, path: Path, allow_downgrade: bool = False, progress=None) -> dict:
        path = Path(path)
        if not path.is_file():
            raise BundleRefused(N_("No update bundle at %(path)s."), path=str(path))
        manifest = self.check(path)
        running = self.slots.version_of(self.slots.current())
        if running and not allow_downgrade and version_key(manifest.version) <= version_key(running):
            raise BundleRefused(N_("This bundle holds version %(new)s, which is not newer than the running "
                                   "version %(old)s."), new=manifest.version, old=running)
        state = self.slots.state()
        if state.get("trying") or state.get("trying_os"):
            raise UpdateFailed(N_("An update is still being tried; wait until it is kept or rolled back."))
        if manifest.kind == "os":
            return self._apply_os(path, manifest, progress)
        if progress:
            progress(1, 4)
        with tempfile.TemporaryDirectory(dir=self._scratch(), prefix=".bundle-") as tmp:
            payload = extract_payload(path, manifest, Path(tmp))
            folder = self.slots.install(manifest.version, payload, manifest.install)
        if progress:
            progress(2, 4)
        old = self.slots.current()
        before = self._failing_now()
        state = self.slots.state()
        state["trying"] = {"version": manifest.version, "folder": str(folder), "previous": str(old) if old else None,
                           "tolerate": sorted(before or ()),
                           "since": self.clock().replace(microsecond=0).isoformat()}
        self.slots.save_state(state)
        if old is not None:
            self.slots.point("previous", old)
        self.slots.point("current", folder)
        self.restarter.restart()
        if progress:
            progress(3, 4)
        result = self.confirm()
        if progress:
            progress(4, 4)
        if result["result"] != "kept":
            raise UpdateFailed(N_("Version %(new)s did not come up healthy (%(detail)s); the box went back to "
                                  "version %(old)s."), new=manifest.version, detail=result["detail"],
                               old=result["running"])
        return result

    def _apply_os(self, path: Path, manifest, progress=None) -> dict:
        """Write the other root slot and restart into it once; ``confirm`` judges it there."""
        booted = self.rauc.require_slots()
        target = self.rauc.other()
        if progress:
            progress(1, 4)
        before = self._failing_now()
        with tempfile.TemporaryDirectory(dir=self._scratch(), prefix=".bundle-") as tmp:
            payload = extract_payload(path, manifest, Path(tmp))
            try:
                self.rauc.install(payload)
            except SlotError:
                # RAUC may have given the slot its start before a later step failed: take it
                # back, so no restart tries a half-installed system.
                try:
                    self.rauc.mark_other_bad()
                except SlotError as exc:
                    logger.warning("RAUC could not mark slot %s bad: %s", target, exc)
                raise
        if progress:
            progress(2, 4)
        state = self.slots.state()
        # The clock is not what a new system is judged on: on a board without a battery clock
        # and without a network, a time set by hand is gone after the restart, on either slot.
        current, previous = self.slots.current(), self.slots.previous()
        state["trying_os"] = {"version": manifest.version, "slot": target, "from": booted,
                              "tolerate": sorted((before or set()) | {"clock"}),
                              "app": str(current) if current else None,
                              "previous_app": str(previous) if previous else None,
                              "since": self.clock().replace(microsecond=0).isoformat()}
        self.slots.save_state(state)
        self._run_system_app()
        self._record(manifest.version, "installed",
                     "OS bundle written to slot %s; the box restarts into it once" % target)
        if progress:
            progress(3, 4)
        try:
            self.rebooter.reboot(trial=True)
        except UpdateFailed as exc:
            # Still on the old slot, and nothing restarts into the new one: no trial to judge.
            state = self.slots.state()
            self._restore_app(state["trying_os"])
            self._end_os_trial(state, manifest.version, "failed", str(exc))
            raise
        if progress:
            progress(4, 4)
        return {"version": manifest.version, "kind": "os", "result": "rebooting", "slot": target}

    def _run_system_app(self) -> None:
        """Point ``current`` at the system's own Linli (the same path on both slots) for the
        try. The OS bundle was checked to be newer than the app running now, and an app update's
        venv was built against the old system's Python and libraries: the new system runs the
        Linli it was built with. The app version from before stays ``previous``."""
        system_app, current = self.slots.system_app, self.slots.current()
        if system_app is None or current is None or current == system_app:
            return
        self.slots.point("previous", current)
        self.slots.point("current", system_app)

    def _restore_app(self, trying: dict) -> bool:
        """Back on the old system: the app version that ran there before the try runs again.
        True when ``current`` changed (Linli must be restarted to run it)."""
        previous, current = trying.get("previous_app"), trying.get("app")
        if previous and Path(previous) != self.slots.previous():
            self.slots.point("previous", Path(previous))
        if current and Path(current) != self.slots.current():
            self.slots.point("current", Path(current))
            return True
        return False

    def _failing_now(self, tries: int = 10) -> set[str] | None:
        """What fails on the running version before the switch (None: it does not answer)."""
        for _ in range(tries):
            names, _detail = self.probe.failing()
            if names is not None:
                return names
            time.sleep(1)
        return None

    def confirm(self) -> dict:
        """Keep the version on trial if it is healthy, else go back. Without a trial, nothing."""
        state = self.slots.state()
        if state.get("trying_os"):
            return self._confirm_os(state)
        self._keep_booted_slot()
        trying = state.get("trying")
        if not trying:
            return {"result": "none", "running": self.slots.version_of(self.slots.current()), "detail": ""}
        ok, detail = self.probe.wait_healthy(self.health_timeout_s, set(trying.get("tolerate") or ()))
        if ok:
            state["trying"] = None
            self.slots.save_state(state)
            self._record(trying["version"], "kept", detail)
            self.slots.remove_unused()
            return {"result": "kept", "running": trying["version"], "detail": detail}
        previous = trying.get("previous")
        state["trying"] = None
        if not previous:
            # Only on a machine set up without a flashed version: there is nothing to go back to.
            self.slots.save_state(state)
            self._record(trying["version"], "failed", detail)
            return {"result": "failed", "running": trying["version"], "detail": detail}
        self.slots.point("current", Path(previous))
        self.slots.save_state(state)
        self._record(trying["version"], "rolled back", detail)
        logger.error("version %s was not healthy (%s); back to %s", trying["version"], detail, previous)
        self.restarter.restart()
        back_ok, back_detail = self.probe.wait_healthy(self.health_timeout_s, set(trying.get("tolerate") or ()))
        if not back_ok:
            logger.error("the previous version is not healthy either: %s", back_detail)
        return {"result": "rolled back", "running": self.slots.version_of(self.slots.current()), "detail": detail}

    def _keep_booted_slot(self) -> None:
        """Give the running system slot its starts back (RAUC's mark-good): the bootloader
        takes one off at every start, and a settled slot must not run out through power cuts.
        Nothing off an A/B card."""
        if self.rauc.booted() is None or not self.rauc.available():
            return
        try:
            self.rauc.mark_good()
        except SlotError as exc:
            logger.warning("RAUC could not mark the running system slot good: %s", exc)

    def _confirm_os(self, state: dict) -> dict:
        trying = state["trying_os"]
        version, slot, old = trying["version"], trying["slot"], trying["from"]
        booted = self.rauc.booted()
        result = {"version": version, "kind": "os", "running": self.slots.version_of(self.slots.current())}
        if booted != slot:
            if booted != old:
                logger.warning("system slot %s is on trial but the running slot is %s: left as it is", slot, booted)
                return {**result, "result": "trying", "slot": booted, "detail": ""}
            # The try never reached a healthy confirm (the new system did not start, or the
            # watchdog or a power cut restarted it): its one start was spent, and the
            # bootloader started the old slot again.
            detail = "the new system did not start; back on slot %s" % old
            try:
                self.rauc.mark_other_bad()
            except SlotError as exc:
                logger.warning("RAUC could not mark slot %s bad: %s", slot, exc)
            app_changed = self._restore_app(trying)
            self._end_os_trial(state, version, "rolled back", detail)
            if app_changed:
                # Linli started from the system's own copy, which the try pointed at; the app
                # version from before is the one to run.
                self.restarter.restart()
            logger.error("system %s in slot %s did not start; running slot %s", version, slot, old)
            return {**result, "result": "rolled back", "slot": old, "detail": detail,
                    "running": self.slots.version_of(self.slots.current())}
        ok, detail = self.probe.wait_healthy(self.health_timeout_s, set(trying.get("tolerate") or ()))
        if ok:
            try:
                self.rauc.mark_good()
                self.rauc.mark_active()
            except SlotError as exc:
                ok, detail = False, str(exc)
        if ok:
            self._end_os_trial(state, version, "kept", detail)
            return {**result, "result": "kept", "slot": slot, "detail": detail}
        try:
            self.rauc.mark_bad()
        except SlotError as exc:
            logger.warning("RAUC could not mark slot %s bad: %s", slot, exc)
        detail = "%s; the box goes back to slot %s" % (detail, old)
        # The trial ends in the state file (data partition) before the restart: a power cut in
        # between is safe, because the tried slot has no starts left anyway.
        self._restore_app(trying)
        self._end_os_trial(state, version, "rolled back", detail)
        logger.error("system %s in slot %s was not healthy (%s)", version, slot, detail)
        self.rebooter.reboot(trial=False)
        return {**result, "result": "rolled back", "slot": old, "detail": detail}

    def _end_os_trial(self, state: dict, version: str, result: str, detail: str) -> None:
        state["trying_os"] = None
        self.slots.save_state(state)
        self._record(version, result, detail)

    def status(self) -> dict:
        state = self.slots.state()
        history = state.get("history", [])
        return {"running": self.slots.version_of(self.slots.current()), "trying": state.get("trying"),
                "trying_os": state.get("trying_os"),
                "last": history[-1] if history else None, "board": self.board,
                "trusted_keys": len(load_trusted_keys(self.keys_dir))}

    def _record(self, version: str, result: str, detail: str) -> None:
        state = self.slots.state()
        state.setdefault("history", []).append({"time": self.clock().replace(microsecond=0).isoformat(),
                                                "version": version, "result": result, "detail": detail})
        self.slots.save_state(state)

    def _scratch(self) -> Path:
        # On the data partition beside the versions: the payload can be large, /tmp is RAM.
        self.slots.root.mkdir(parents=True, exist_ok=True)
        return self.slots.root
