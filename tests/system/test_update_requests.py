"""Install from 备份与更新 on the card: Linli (user linli) writes the chosen bundle's path into
the request file that linli-update.path watches, and linli-update.service (root) runs
``linli update apply --request FILE``, which takes the path and removes the request first."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.cli import main
from appliance.errors import LinliError
from appliance.system.setup import _make_launcher
from appliance.system.stick_updates import RequestFileLauncher, SimulatedLauncher, take_request


def test_an_install_request_is_one_file_and_a_second_waits(tmp_path):
    request = tmp_path / "updates" / "apply-request"
    launcher = RequestFileLauncher(request)
    launcher.start_apply(Path("/media/linli-sda1/linli/updates/linli-0.7.0.lub"))
    assert request.read_text() == "/media/linli-sda1/linli/updates/linli-0.7.0.lub\n"
    with pytest.raises(LinliError) as refused:
        launcher.start_apply(Path("/media/linli-sda1/linli/updates/linli-0.8.0.lub"))
    assert "already being installed" in str(refused.value.message)
    assert take_request(request) == Path("/media/linli-sda1/linli/updates/linli-0.7.0.lub")
    assert not request.exists()
    launcher.start_apply(Path("/var/lib/linli/updates/staged/linli-0.8.0.lub"))
    assert take_request(request).name == "linli-0.8.0.lub"


def test_an_empty_or_missing_request_is_refused(tmp_path):
    request = tmp_path / "apply-request"
    with pytest.raises(LinliError):
        take_request(request)
    request.write_text("\n")
    with pytest.raises(LinliError):
        take_request(request)
    assert not request.exists()


def test_the_card_uses_the_request_file_and_a_laptop_only_pretends(services, tmp_path):
    unit = tmp_path / "linli-update.path"

    class Ctx:  # what _make_launcher reads of the feature's context
        hardware = True
        config = services.config

    assert isinstance(_make_launcher(Ctx, path_unit=unit), SimulatedLauncher)
    unit.write_text("[Path]\n")
    launcher = _make_launcher(Ctx, path_unit=unit)
    assert isinstance(launcher, RequestFileLauncher)
    assert launcher.request_file == services.config.home / "updates" / "apply-request"


def test_the_service_takes_the_request_and_a_bad_bundle_is_not_retried(linli_home, capsys):
    request = Path(linli_home) / "updates" / "apply-request"
    RequestFileLauncher(request).start_apply(Path(linli_home) / "no-such.lub")
    code = main(["update", "apply", "--request", str(request)])
    assert code != 0
    assert "no-such.lub" in capsys.readouterr().err
    assert not request.exists()  # the path unit does not start it again
    assert main(["update", "apply"]) == 2
