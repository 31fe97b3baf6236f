"""OS updates end to end: a real signed bundle, written to the other root slot by a stand-in
``rauc`` program (a shell script that logs what it was asked and keeps what it wrote), the
slot the box booted read from a command-line file, a real process per version answering
/healthz, and the restarts the box was asked for. A plain restart always starts the old slot;
only the one restart after ``apply`` tries the new one."""

from __future__ import annotations

import argparse
import textwrap
import time

import pytest

from appliance.system.bundle import make_bundle
from appliance.system.slots import RaucSlots, SlotError
from appliance.system.simulated import SimulatedRebooter
from appliance.system.updates import UpdateFailed

# The box, its keys and its bundles are the app-update tests' own.
from tests.system.test_updates import box, bundle, running_version, signing_key  # noqa: F401

RAUC = textwrap.dedent("""\
    #!/bin/sh
    # Stand-in for RAUC: logs each call; `install` copies the bundle into the slot file;
    # a file refuse-<command> makes that command fail with its text on stderr.
    echo "$*" >> "{dir}/calls"
    if [ -f "{dir}/refuse-$1" ]; then cat "{dir}/refuse-$1" >&2; exit 1; fi
    if [ "$1" = install ]; then cp "$2" "{dir}/written-slot"; fi
    exit 0
""")

CMDLINE = "console=serial0,115200 console=tty1 root=PARTLABEL=rootfs-{lower} rauc.slot={slot} rootfstype=ext4 ro\n"


@pytest.fixture
def os_box(box, tmp_path):  # noqa: F811
    """The app-update box, started from system slot A of a card with slots A and B."""
    folder = tmp_path / "rauc"
    folder.mkdir()
    script = folder / "rauc"
    script.write_text(RAUC.format(dir=folder))
    script.chmod(0o755)
    box.rauc = RaucSlots(binary=str(script), cmdline_file=tmp_path / "cmdline")
    box.rebooter = SimulatedRebooter()
    box.health_timeout_s = 3
    box.rauc_dir = folder
    box.slots.system_app = tmp_path / "opt-linli"  # the Linli on the slot's read-only root
    boot(box, "A")
    return box


def boot(box, slot: str) -> None:
    """The bootloader started ``slot``: its kernel command line names it."""
    box.rauc.cmdline_file.write_text(CMDLINE.format(lower=slot.lower(), slot=slot))


def rauc_calls(box) -> list[str]:
    calls = box.rauc_dir / "calls"
    return calls.read_text().splitlines() if calls.exists() else []


def os_bundle(tmp_path, key, version: str) -> tuple:
    folder = tmp_path / f"os-{version}"
    folder.mkdir()
    image = folder / "rootfs.raucb"
    image.write_bytes(b"hsqs" + version.encode() * 1000)
    return make_bundle(tmp_path / f"linli-os-{version}.lub", image, key, version, kind="os"), image.read_bytes()


def unhealthy_from_now_on(box, tmp_path, mode: str) -> None:
    """Linli on the running system answers /healthz with ``mode`` (bad: the database fails)."""
    (tmp_path / "opt-linli" / "HEALTH").write_text(mode)
    box.restarter.restart()


def test_an_os_bundle_is_written_to_the_other_slot_and_tried_by_one_restart(tmp_path, os_box, signing_key):
    from appliance.system.setup import update_ok

    path, image = os_bundle(tmp_path, signing_key, "0.2.0")
    result = os_box.apply(path)
    assert result == {"version": "0.2.0", "kind": "os", "result": "rebooting", "slot": "B"}
    assert (os_box.rauc_dir / "written-slot").read_bytes() == image
    assert [c.split()[0] for c in rauc_calls(os_box)] == ["install"]
    assert os_box.rebooter.history == [True]  # the restart that tries slot B
    trying = os_box.status()["trying_os"]
    assert (trying["version"], trying["slot"], trying["from"]) == ("0.2.0", "B", "A")
    assert os_box.status()["last"]["result"] == "installed" and "slot B" in os_box.status()["last"]["detail"]
    # The app is left alone: the same version runs, nothing was restarted.
    assert running_version(os_box) == "0.1.0" and os_box.restarter.history == ["opt-linli"]
    assert update_ok(os_box) == (True, "正在系统分区 B 试运行系统 0.2.0")

    # Until the try is judged, no other update starts: not another system, not an app.
    for other in (os_bundle(tmp_path, signing_key, "0.3.0")[0], bundle(tmp_path, signing_key, "0.3.1")):
        with pytest.raises(UpdateFailed) as refused:
            os_box.apply(other)
        assert "still being tried" in str(refused.value)
    assert len(rauc_calls(os_box)) == 1 and os_box.rebooter.history == [True]
    assert os_box.status()["trying_os"]["version"] == "0.2.0"


def test_a_healthy_new_system_is_kept(tmp_path, os_box, signing_key):
    os_box.apply(os_bundle(tmp_path, signing_key, "0.2.0")[0])
    boot(os_box, "B")
    result = os_box.confirm()
    assert (result["result"], result["slot"], result["version"]) == ("kept", "B", "0.2.0")
    assert rauc_calls(os_box)[1:] == ["status mark-good booted", "status mark-active booted"]
    assert os_box.rebooter.history == [True]  # nothing restarted after the try
    assert os_box.status()["trying_os"] is None and os_box.status()["last"]["result"] == "kept"
    assert os_box.confirm()["result"] == "none"  # the next boot has nothing to judge
    # The next system goes to the slot that is not running now.
    assert os_box.apply(os_bundle(tmp_path, signing_key, "0.3.0")[0])["slot"] == "A"


def test_a_failure_that_was_there_before_does_not_throw_the_new_system_away(tmp_path, os_box, signing_key):
    unhealthy_from_now_on(os_box, tmp_path, "camera-broken")  # a cut camera cable, before the update
    os_box.apply(os_bundle(tmp_path, signing_key, "0.2.0")[0])
    assert os_box.status()["trying_os"]["tolerate"] == ["camera gate", "clock"]
    boot(os_box, "B")
    assert os_box.confirm()["result"] == "kept"


def test_a_clock_lost_in_the_restart_does_not_throw_the_new_system_away(tmp_path, os_box, signing_key):
    """A box without a battery clock or a network forgets a time set by hand when it restarts,
    on the new slot as on the old one: that is no reason to roll back."""
    os_box.apply(os_bundle(tmp_path, signing_key, "0.2.0")[0])
    boot(os_box, "B")
    unhealthy_from_now_on(os_box, tmp_path, "clock-unknown")
    assert os_box.confirm()["result"] == "kept"


def test_an_unhealthy_new_system_is_marked_bad_and_the_box_restarts_into_the_old_slot(tmp_path, os_box,
                                                                                      signing_key):
    os_box.apply(os_bundle(tmp_path, signing_key, "0.2.0")[0])
    boot(os_box, "B")
    unhealthy_from_now_on(os_box, tmp_path, "bad")  # on the new system the database fails
    result = os_box.confirm()
    assert (result["result"], result["slot"]) == ("rolled back", "A")
    assert "database" in result["detail"] and "slot A" in result["detail"]
    assert rauc_calls(os_box)[1:] == ["status mark-bad booted"]
    assert os_box.rebooter.history == [True, False]  # B has no starts left: U-Boot starts A
    last = os_box.status()["last"]
    assert last["result"] == "rolled back" and "database" in last["detail"]
    assert os_box.status()["trying_os"] is None
    # Back on slot A the box takes updates again.
    boot(os_box, "A")
    unhealthy_from_now_on(os_box, tmp_path, "ok")
    assert os_box.confirm()["result"] == "none"
    assert os_box.apply(os_bundle(tmp_path, signing_key, "0.2.1")[0])["slot"] == "B"


@pytest.mark.parametrize("rauc_answers", [True, False])
def test_a_new_system_that_never_started_is_left_behind(tmp_path, os_box, signing_key, rauc_answers):
    """The try crashed, hung until the watchdog, or lost power: its one start was spent and
    the bootloader started slot A."""
    os_box.apply(os_bundle(tmp_path, signing_key, "0.2.0")[0])
    if not rauc_answers:
        (os_box.rauc_dir / "refuse-status").write_text("rauc: D-Bus service not running")
    result = os_box.confirm()  # still booted from A
    assert (result["result"], result["slot"]) == ("rolled back", "A")
    assert "did not start" in result["detail"] and "slot A" in result["detail"]
    assert rauc_calls(os_box)[1:] == ["status mark-bad other"]
    assert os_box.rebooter.history == [True]  # already on the old slot: no restart
    assert os_box.status()["trying_os"] is None and os_box.status()["last"]["result"] == "rolled back"


def start_system(box, tmp_path, slot: str, linli_version: str) -> None:
    """The bootloader started ``slot``, whose own Linli (opt-linli, the same path on every slot)
    is ``linli_version``; systemd starts whatever app/current names."""
    boot(box, slot)
    (tmp_path / "opt-linli" / "VERSION").write_text(linli_version + "\n")
    box.restarter.restart()
    answering(box)


def answering(box) -> None:
    for _ in range(100):
        if box.probe.failing()[0] is not None:
            return
        time.sleep(0.1)
    raise AssertionError("Linli did not answer /healthz")


def test_a_new_system_runs_its_own_linli_not_an_app_update_built_on_the_old_one(tmp_path, os_box, signing_key):
    """An app update's venv was built against the old system's Python; the OS bundle is newer
    than it and carries its own Linli."""
    app_update = os_box.apply(bundle(tmp_path, signing_key, "0.2.0"))
    assert app_update["result"] == "kept" and running_version(os_box) == "0.2.0"
    os_box.apply(os_bundle(tmp_path, signing_key, "0.3.0")[0])
    assert os_box.slots.current() == tmp_path / "opt-linli"
    assert os_box.slots.previous() == os_box.slots.root / "versions" / "0.2.0"
    start_system(os_box, tmp_path, "B", "0.3.0")
    result = os_box.confirm()
    assert (result["result"], result["slot"], result["running"]) == ("kept", "B", "0.3.0")
    assert running_version(os_box) == "0.3.0" and os_box.status()["running"] == "0.3.0"
    # The app update from before is still there to go back to, not thrown away.
    assert (os_box.slots.root / "versions" / "0.2.0" / "VERSION").exists()


def test_a_rolled_back_system_runs_the_app_update_it_ran_before(tmp_path, os_box, signing_key):
    os_box.apply(bundle(tmp_path, signing_key, "0.2.0"))
    os_box.apply(os_bundle(tmp_path, signing_key, "0.3.0")[0])
    start_system(os_box, tmp_path, "B", "0.3.0")
    unhealthy_from_now_on(os_box, tmp_path, "bad")
    assert os_box.confirm()["result"] == "rolled back"
    # B's confirm put the links back before restarting into slot A.
    assert os_box.slots.current() == os_box.slots.root / "versions" / "0.2.0"
    assert os_box.slots.previous() == tmp_path / "opt-linli"
    start_system(os_box, tmp_path, "A", "0.1.0")
    assert running_version(os_box) == "0.2.0"


def test_a_system_that_never_started_gives_back_the_app_update_it_ran_before(tmp_path, os_box, signing_key):
    os_box.apply(bundle(tmp_path, signing_key, "0.2.0"))
    os_box.apply(os_bundle(tmp_path, signing_key, "0.3.0")[0])
    # The try hung; U-Boot started slot A, whose systemd started the Linli app/current named:
    # slot A's own.
    start_system(os_box, tmp_path, "A", "0.1.0")
    assert running_version(os_box) == "0.1.0"
    restarts = len(os_box.restarter.history)
    result = os_box.confirm()
    assert result["result"] == "rolled back" and result["running"] == "0.2.0"
    assert len(os_box.restarter.history) == restarts + 1
    answering(os_box)
    assert running_version(os_box) == "0.2.0"


def test_a_failed_restart_into_the_new_system_keeps_the_app_update(tmp_path, os_box, signing_key):
    os_box.apply(bundle(tmp_path, signing_key, "0.2.0"))
    os_box.rebooter.reboot = lambda trial: (_ for _ in ()).throw(UpdateFailed("no systemctl"))
    with pytest.raises(UpdateFailed):
        os_box.apply(os_bundle(tmp_path, signing_key, "0.3.0")[0])
    assert os_box.slots.current() == os_box.slots.root / "versions" / "0.2.0"
    assert os_box.status()["last"]["result"] == "failed"


def test_every_boot_gives_the_running_slot_its_starts_back(tmp_path, os_box):
    """U-Boot takes a start off at every boot; without mark-good after each, a settled box cut
    off three times during start-up would run out of starts."""
    assert os_box.confirm()["result"] == "none"
    assert rauc_calls(os_box) == ["status mark-good booted"]
    (os_box.rauc_dir / "refuse-status").write_text("rauc: D-Bus service not running")
    assert os_box.confirm()["result"] == "none"  # logged, not fatal: the box runs on
    os_box.rauc.cmdline_file.write_text("console=tty1 root=/dev/sda2 rootwait\n")  # not an A/B card
    os_box.confirm()
    assert len(rauc_calls(os_box)) == 2


def test_rauc_refusing_the_bundle_leaves_no_trial_and_no_restart(tmp_path, os_box, signing_key):
    (os_box.rauc_dir / "refuse-install").write_text("rauc: Failed verifying bundle: signature invalid")
    path, _image = os_bundle(tmp_path, signing_key, "0.2.0")
    with pytest.raises(SlotError) as refused:
        os_box.apply(path)
    assert "RAUC 拒绝了系统更新" in refused.value.message() and "signature invalid" in refused.value.message()
    assert os_box.status()["trying_os"] is None and os_box.rebooter.history == []
    assert rauc_calls(os_box)[-1] == "status mark-bad other"  # no start left for a half-written slot
    assert os_box.confirm()["result"] == "none"
    assert not any(p.name.startswith(".bundle-") for p in os_box.slots.root.iterdir())
    (os_box.rauc_dir / "refuse-install").unlink()
    assert os_box.apply(path)["result"] == "rebooting"


def test_a_system_not_started_from_a_slot_refuses_os_bundles(tmp_path, os_box, signing_key):
    os_box.rauc.cmdline_file.write_text("console=tty1 root=/dev/sda2 rootwait\n")  # a laptop, a plain Debian
    with pytest.raises(SlotError) as refused:
        os_box.apply(os_bundle(tmp_path, signing_key, "0.2.0")[0])
    assert "两个 RAUC 系统分区" in refused.value.message()
    assert rauc_calls(os_box) == [] and os_box.rebooter.history == []
    assert os_box.status()["trying_os"] is None


def test_a_failed_restart_ends_the_trial_before_it_began(tmp_path, os_box, signing_key):
    class Refuses(SimulatedRebooter):
        def reboot(self, trial):
            super().reboot(trial)
            raise UpdateFailed("The box could not be restarted: %(error)s", error="Access denied")

    os_box.rebooter = Refuses()
    with pytest.raises(UpdateFailed) as failed:
        os_box.apply(os_bundle(tmp_path, signing_key, "0.2.0")[0])
    assert "无法重启盒子" in failed.value.message()
    assert os_box.status()["trying_os"] is None and os_box.status()["last"]["result"] == "failed"
    assert os_box.confirm()["result"] == "none"


def test_the_cli_says_in_chinese_where_the_system_went(tmp_path, os_box, signing_key, monkeypatch, capsys):
    from appliance.cli import system as cli

    monkeypatch.setattr(cli, "_updates", lambda: os_box)
    path = os_bundle(tmp_path, signing_key, "0.2.0")[0]
    assert cli.cmd_apply(argparse.Namespace(file=str(path), request=None, allow_downgrade=False)) == 0
    assert capsys.readouterr().out.strip() == "系统 0.2.0 已写入系统分区 B；现在重启，从该分区试运行一次。"
    assert cli.cmd_status(argparse.Namespace()) == 0
    assert "在系统分区 B 试运行系统 0.2.0" in capsys.readouterr().out

    boot(os_box, "B")
    unhealthy_from_now_on(os_box, tmp_path, "bad")
    assert cli.cmd_confirm(argparse.Namespace()) == 1  # the unit fails: the rollback shows in systemctl
    out = capsys.readouterr().out
    assert out.startswith("系统 0.2.0 未保留（") and "database" in out and out.strip().endswith("盒子回到系统分区 A。")
