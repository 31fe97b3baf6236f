"""USB round trips: the CLI on box and hub as separate processes, a full stick, a stick
pulled mid-write, and damaged files on the stick."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from appliance.config import load_config
from appliance.db.models import AuditLog, DistrictNotice
from appliance.hub.usb import import_stick
from appliance.runtime import build_runtime
from appliance.sync import usbfiles
from appliance.sync.outbox import append
from appliance.sync.usb import UsbChannel, box_dir, up_files
from appliance.sync.usbfiles import AtomicWriter, StickError, StickFull
from tests.sync.conftest import assert_exactly_once
from tests.sync.realparts import REPO, linli_cmd


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(linli_cmd(*args), cwd=REPO, env=dict(os.environ, LINLI_HOME=str(home), LINLI_LANG="en"),
                          capture_output=True, text=True, timeout=60)


def produce(home: Path, start: int, n: int) -> None:
    rt = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
    try:
        with rt.db.atomic():
            for i in range(start, start + n):
                AuditLog.create(actor="gate", action="test.event", entity="access", entity_id=str(i))
                append("access.event", {"n": i, "gate": "south"})
    finally:
        rt.close()


class FullStick(AtomicWriter):
    """A stick with ``capacity`` bytes: the write that crosses it fails with ENOSPC part-way."""

    def __init__(self, root: Path, capacity: int):
        super().__init__()
        self.root, self.capacity = Path(root), capacity

    def used(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())

    def _write_fd(self, fd: int, data: bytes) -> None:
        room = self.capacity - self.used()
        if len(data) > room:
            os.write(fd, data[:max(room, 0)])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.write(fd, data)


class PulledStick(AtomicWriter):
    """The stick is pulled during the ``n``-th write: half the bytes land, then EIO."""

    def __init__(self, n: int):
        super().__init__()
        self.n, self.count = n, 0

    def _write_fd(self, fd: int, data: bytes) -> None:
        self.count += 1
        if self.count == self.n:
            os.write(fd, data[:len(data) // 2])
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        os.write(fd, data)


def test_usb_round_trip_by_cli_carries_events_acks_and_a_notice(pair_factory, tmp_path):
    pair = pair_factory()
    stick = tmp_path / "stick"
    produce(pair.box_home, 0, 2500)
    out = run(pair.box_home, "sync", "usb", "export", str(stick))
    assert out.returncode == 0, out.stderr
    assert run(pair.hub_home, "hub", "notice", "消防演练").returncode == 0
    out = run(pair.hub_home, "hub", "import-usb", str(stick))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2500 new entries" in out.stdout
    out = run(pair.box_home, "sync", "usb", "import", str(stick))
    assert out.returncode == 0, out.stdout + out.stderr
    status = run(pair.box_home, "sync", "status", "--json")
    assert '"backlog": 0' in status.stdout and '"down_applied": 1' in status.stdout
    assert_exactly_once(pair, 2500)
    assert not up_files(box_dir(stick, pair.box_id) / "up")  # delivered files are cleared off the stick
    # The next trip takes the downlink ack to the hub; the hub stops sending the notice.
    produce(pair.box_home, 2500, 10)
    run(pair.box_home, "sync", "usb", "export", str(stick))
    run(pair.hub_home, "hub", "import-usb", str(stick))
    assert not (box_dir(stick, pair.box_id) / "down.lnd").exists()
    assert_exactly_once(pair, 2510)


def _box(pair):
    return build_runtime(load_config(pair.box_home), immediate_tasks=True, hardware=False)


def test_a_full_stick_leaves_both_sides_consistent_and_the_next_trip_finishes(pair_factory, tmp_path):
    pair = pair_factory()
    stick = tmp_path / "stick"
    stick.mkdir()
    produce(pair.box_home, 0, 6000)
    rt = _box(pair)
    hub = pair.open_hub()
    try:
        rt.services.sync.config.batch_max_bytes = 16384
        full = UsbChannel(rt.services.sync, FullStick(stick, 40_000))
        with pytest.raises(StickFull):
            full.export_to(stick)
        files = up_files(box_dir(stick, pair.box_id) / "up")
        assert files, "some batches fit before the stick filled"
        assert not list(stick.rglob(usbfiles.TMP_PREFIX + "*")), "no half file is left behind"
        for _f, _l, path in files:
            rt.services.sync.verify_own(path.read_bytes())  # every file on the stick is whole
        assert rt.services.sync.backlog() == 6000  # the box still owes everything
        report = import_stick(hub, stick)
        assert not report["refused"]
        stored = len(pair.hub_events(hub))
        assert 0 < stored < 6000
        UsbChannel(rt.services.sync).export_to(stick)  # emptied stick: the box reads the ack, writes the rest
        assert rt.services.sync.acked() == stored
        import_stick(hub, stick)
        UsbChannel(rt.services.sync).import_from(stick)
        assert rt.services.sync.backlog() == 0
    finally:
        hub.db.close()
        rt.close()
    assert_exactly_once(pair, 6000)


@pytest.mark.parametrize("pull_at", [1, 2, 3])
def test_a_stick_pulled_mid_write_on_either_side_loses_and_repeats_nothing(pair_factory, tmp_path, pull_at):
    pair = pair_factory()
    stick = tmp_path / "stick"
    produce(pair.box_home, 0, 3000)
    rt = _box(pair)
    hub = pair.open_hub()
    hub.queue_downlink([pair.box_id], "notice", {"uuid": "n1", "title": "停电"})
    try:
        rt.services.sync.config.batch_max_bytes = 16384
        with pytest.raises(StickError):
            UsbChannel(rt.services.sync, PulledStick(pull_at)).export_to(stick)
        assert not list(stick.rglob(usbfiles.TMP_PREFIX + "*"))
        # The hub's side is pulled too: the ack is written, the downlink is not.
        with pytest.raises(StickError):
            import_stick(hub, stick, writer=PulledStick(2))
        assert (box_dir(stick, pair.box_id) / "ack.lna").exists()
        assert not (box_dir(stick, pair.box_id) / "down.lnd").exists()
        for _ in range(2):
            UsbChannel(rt.services.sync).export_to(stick)
            import_stick(hub, stick)
        UsbChannel(rt.services.sync).import_from(stick)
        assert rt.services.sync.backlog() == 0
        assert DistrictNotice.select().count() == 1
    finally:
        hub.db.close()
        rt.close()
    assert_exactly_once(pair, 3000)


def test_damaged_replayed_and_foreign_files_on_the_stick_are_refused_and_rewritten(pair_factory, tmp_path):
    pair = pair_factory()
    stick = tmp_path / "stick"
    produce(pair.box_home, 0, 3000)
    rt = _box(pair)
    hub = pair.open_hub()
    try:
        rt.services.sync.config.batch_max_bytes = 16384
        usb = UsbChannel(rt.services.sync)
        usb.export_to(stick)
        files = up_files(box_dir(stick, pair.box_id) / "up")
        assert len(files) >= 3
        damaged = files[1][2].read_bytes()
        files[1][2].write_bytes(damaged[:100] + bytes([damaged[100] ^ 0xFF]) + damaged[101:])  # tampered
        files[2][2].write_bytes(files[2][2].read_bytes()[:-300])  # truncated
        stranger = box_dir(stick, "box-stranger") / "up" / files[0][2].name
        stranger.parent.mkdir(parents=True)
        stranger.write_bytes(files[0][2].read_bytes())  # a copy filed under a box the hub does not know
        report = import_stick(hub, stick)
        assert len(report["refused"]) == 3
        stored = set(pair.hub_events(hub))
        lost = set(range(files[1][0] - 1, files[2][1]))  # n = seq - 1
        assert stored and not stored & lost  # nothing of the damaged files, everything else
        usb.export_to(stick)  # the box reads the ack, drops the damaged files and writes them again
        report = import_stick(hub, stick)
        assert [r for r in report["refused"] if "box-stranger" not in r[0]] == []
        usb.import_from(stick)
        assert rt.services.sync.backlog() == 0
        old = files[0][2]
        assert not old.exists()
    finally:
        hub.db.close()
        rt.close()
    assert_exactly_once(pair, 3000)


def test_a_stick_that_appears_is_synced_by_the_watcher(pair_factory, tmp_path):
    from appliance.sync.usb import SimulatedStickWatcher

    pair = pair_factory()
    produce(pair.box_home, 0, 40)
    rt = _box(pair)
    try:
        rt.config.sync.usb_poll_s = 0.1
        watcher = SimulatedStickWatcher()
        rt.start_sync(stick_watcher=watcher)
        stick = tmp_path / "stick"
        stick.mkdir()
        watcher.insert(stick)
        from tests.sync.conftest import wait_for

        wait_for(lambda: up_files(box_dir(stick, pair.box_id) / "up"), 10, "the export to the stick")
        hub = pair.open_hub()
        import_stick(hub, stick)
        hub.db.close()
        watcher.insert(stick)  # back at the box: the ack is read and delivered files are cleared
        wait_for(lambda: rt.services.sync.backlog() == 0, 10, "the ack from the stick")
        assert [h[0] for h in watcher.history] == ["insert", "insert"]
    finally:
        rt.close()
    assert_exactly_once(pair, 40)
