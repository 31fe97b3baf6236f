"""`linli open311 key add NAME | list | revoke NAME` in a subprocess, as an admin runs it."""

from __future__ import annotations

import re

from appliance.config import load_config
from appliance.runtime import build_runtime
from tests.test_cli import linli


def test_key_add_list_revoke(tmp_path):
    home = tmp_path / "box"
    assert linli(home, "init").returncode == 0
    added = linli(home, "open311", "key", "add", "12345热线")
    assert added.returncode == 0
    key = added.stdout.strip()
    assert re.fullmatch(r"o311_[A-Za-z0-9_-]{20,}", key)
    listed = linli(home, "open311", "key", "list")
    assert "12345热线" in listed.stdout and key not in listed.stdout and key[:9] in listed.stdout
    again = linli(home, "open311", "key", "add", "12345热线")
    assert again.returncode == 2 and "已经有" in again.stderr
    rt = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
    try:
        assert rt.services.participation.keys.check(key).name == "12345热线"
    finally:
        rt.close()
    assert linli(home, "open311", "key", "revoke", "12345热线").returncode == 0
    assert "已于" in linli(home, "open311", "key", "list").stdout
    assert linli(home, "open311", "key", "revoke", "nobody").returncode == 2
