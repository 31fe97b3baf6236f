"""``linli hub broker-config``: mosquitto's files from the hub's paired boxes."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import tomllib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.hub.service import HubService
from appliance.hub.store import open_hub_db
from appliance.sync.keys import public_text
from tests.sync.realparts import linli_cmd


def run(home, *args):
    env = dict(os.environ, LINLI_HOME=str(home), LINLI_LANG="en")
    return subprocess.run(linli_cmd("hub", *args), env=env, capture_output=True, text=True, timeout=60)


def matches(line: str, password: str) -> bool:
    _user, rest = line.split(":", 1)
    _, kind, iterations, salt, digest = rest.split("$")
    got = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt), int(iterations))
    return kind == "7" and base64.b64encode(got).decode() == digest


@pytest.mark.slow  # four CLI processes
def test_broker_config_writes_a_login_and_own_topics_per_box(tmp_path):
    (tmp_path / "config.toml").write_text('[hub]\nid = "district-1"\n')
    hub = HubService(open_hub_db("", tmp_path), "district-1", tmp_path)
    hub.register_box("box-a", public_text(Ed25519PrivateKey.generate()))
    hub.register_box("box-b", public_text(Ed25519PrivateKey.generate()))
    hub.db.close()
    # The workers' own login is required first, and nothing is written without it.
    out = run(tmp_path, "broker-config", str(tmp_path / "broker"))
    assert out.returncode == 2 and "mqtt_username" in out.stderr
    assert not (tmp_path / "broker" / "passwd").exists()

    (tmp_path / "config.toml").write_text('[hub]\nid = "district-1"\nmqtt_username = "linli-hub"\n'
                                          'mqtt_password = "worker-secret"\n')
    out = run(tmp_path, "broker-config", str(tmp_path / "broker"))
    assert out.returncode == 0, out.stderr
    assert "2 box logins" in out.stdout
    users = dict(line.split(":", 1) for line in (tmp_path / "broker" / "passwd").read_text().splitlines())
    assert set(users) == {"linli-hub", "box-a", "box-b"}
    login = tomllib.loads((tmp_path / "hub" / "box-logins" / "box-a.toml").read_text())["sync"]
    assert login["mqtt_username"] == "box-a"
    assert matches(f"box-a:{users['box-a']}", login["mqtt_password"])
    assert not matches(f"box-b:{users['box-b']}", login["mqtt_password"])
    assert matches(f"linli-hub:{users['linli-hub']}", "worker-secret")
    acl = (tmp_path / "broker" / "acl").read_text()
    block = acl.split("user box-a\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert block == ["topic write linli/v1/box-a/up", "topic write linli/v1/box-a/status",
                     "topic write linli/v1/box-a/pair", "topic read linli/v1/box-a/ack",
                     "topic read linli/v1/box-a/down", "topic read linli/v1/box-a/pair/reply",
                     "topic read linli/v1/box-a/update/#"]
    assert oct((tmp_path / "hub" / "box-logins" / "box-a.toml").stat().st_mode & 0o777) == "0o600"

    # A new login replaces the old one in the next broker files.
    out = run(tmp_path, "box-login", "box-a")
    assert out.returncode == 0, out.stderr
    new = tomllib.loads((tmp_path / "hub" / "box-logins" / "box-a.toml").read_text())["sync"]["mqtt_password"]
    assert new != login["mqtt_password"]
    run(tmp_path, "broker-config", str(tmp_path / "broker"))
    users = dict(line.split(":", 1) for line in (tmp_path / "broker" / "passwd").read_text().splitlines())
    assert matches(f"box-a:{users['box-a']}", new) and not matches(f"box-a:{users['box-a']}", login["mqtt_password"])
    assert run(tmp_path, "box-login", "box-zz").returncode == 2


def test_a_box_id_that_cannot_be_a_broker_account_is_refused_at_pairing(tmp_path):
    from appliance.errors import LinliError

    hub = HubService(open_hub_db("", tmp_path), "district-1", tmp_path)
    try:
        for bad in ("box/+", "a#", "linli-hub", "", "x" * 65, "box a"):
            with pytest.raises(LinliError, match="broker account"):
                hub.register_box(bad, public_text(Ed25519PrivateKey.generate()))
        assert hub.boxes() == []
    finally:
        hub.db.close()
