"""A box restored from an older backup syncs again: the hub holds entries the backup does not
know and the box numbers its new entries anew; nothing is lost or duplicated."""

from __future__ import annotations

import pytest

from appliance.config import load_config
from appliance.system.backups import BackupService
from tests.sync.conftest import assert_exactly_once
from tests.sync.test_usb import produce, run


def backups_of(home):
    config = load_config(home)
    return BackupService(home, config.db_path, (home / "box_id").read_text().strip()
                         if (home / "box_id").exists() else config.box.id, (home / "secret_key").read_text())


def round_trip(pair, stick):
    for side, args in ((pair.box_home, ("sync", "usb", "export")), (pair.hub_home, ("hub", "import-usb")),
                       (pair.box_home, ("sync", "usb", "import"))):
        out = run(side, *args, str(stick))
        assert out.returncode in (0, 1), out.stdout + out.stderr
        assert "Refused" not in out.stdout, out.stdout


@pytest.mark.slow  # waits on CLI processes or device timeouts (see tests/conftest.py SLOW_MODULES)
def test_restored_box_continues_after_the_hub_s_last_entry(pair_factory, tmp_path):
    pair = pair_factory()
    stick = tmp_path / "stick"
    produce(pair.box_home, 0, 100)
    backup = backups_of(pair.box_home).create()
    produce(pair.box_home, 100, 50)
    round_trip(pair, stick)
    assert_exactly_once(pair, 150)

    # The card dies; the box comes back from last night's backup and keeps working at once.
    backups_of(pair.box_home).restore(backup)
    produce(pair.box_home, 150, 20)
    round_trip(pair, stick)  # the box learns how far the hub got
    round_trip(pair, stick)  # and sends what it wrote since, numbered after it
    assert_exactly_once(pair, 170)
    status = run(pair.box_home, "sync", "status", "--json")
    assert '"backlog": 0' in status.stdout, status.stdout
    produce(pair.box_home, 170, 5)
    round_trip(pair, stick)
    assert_exactly_once(pair, 175)
