"""Chinese users see Chinese: the main pages as each role, the health output and the CLI
commands people run (selfcheck, check-config --explain, gate status) show no untranslated
English (`tests/test_translations.py` holds the allow-list)."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from appliance.cli import main
from models.plates.vote import BestRead
from tests.conftest import PASSWORD, login
from tests.test_translations import english_words

# (user name, role, display name): user names without Latin words, so a role code or
# English label cannot hide behind a user name that happens to be the same word.
PEOPLE = [("zs01", "admin", "张三"), ("lw02", "volunteer", "李伟"), ("wk03", "district", "王科")]


@pytest.fixture
def community(services):
    reg = services.registry
    b = reg.save_building({"name": "1号楼"}, "t")
    unit = reg.save_unit({"building_id": b.id, "number": "101", "area_m2": "62"}, "t")
    r = reg.save_resident({"name": "王秀英", "unit_id": unit.id, "living_alone_elderly": "yes"}, "t")
    reg.add_vehicle(r.id, "京AD12345", "t")
    services.credentials.new_pin(r.id, "zs01")
    services.credentials.create_pass("lw02", None, 4, 1, note="快递")
    services.access.remote_open("帮老人开门", "lw02")
    services.access.log.flush()
    fl = services.firelane
    zone = fl.zones.save({"name": "北门通道", "camera": "cam1", "polygon": "0,0 100,0 100,100"}, "t")
    fl.incidents.open(zone, "cam1", 1, "car", datetime.datetime.now().replace(microsecond=0),
                      frame=np.full((120, 160, 3), 120, np.uint8), box=(10, 10, 60, 60),
                      plate=BestRead("京AD12345", 0.9, 4, True))
    for username, role, name in PEOPLE:
        services.accounts.create(username, role, PASSWORD, display_name=name)
    return r


def _pages(app, resident):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api", "/static", "/kiosk", "/me", "/healthz")):
            continue
        if rule.arguments - {"resident_id"} or rule.rule.endswith((".xlsx", ".csv", ".jpg", ".json")):
            continue
        yield rule.rule.replace("<int:resident_id>", str(resident.id))


@pytest.mark.parametrize("username,role", [(u, r) for u, r, _n in PEOPLE])
def test_pages_show_no_english_to_chinese_users(app, community, username, role):
    client = app.test_client()
    login(client, username)
    found = {}
    checked = 0
    for url in _pages(app, community):
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        checked += 1
        for word in english_words(response.get_data(as_text=True)):
            found.setdefault(word, url)
    assert checked >= 10
    assert not found, f"English on {role}'s pages: {found}"


def test_health_output_is_chinese(services, community):
    report = services.health.report()
    lines = [r["label"] + "：" + r["detail"] for r in report["subsystems"].values()]
    assert not english_words("\n".join(lines), markup=False), lines


def test_cli_output_is_chinese(runtime, community, capsys):
    runtime.start_background()
    for argv in (["selfcheck"], ["check-config", "--explain"], ["check-config"], ["gate", "status"]):
        main(argv)
        out = capsys.readouterr().out
        if argv == ["check-config", "--explain"]:
            # Each setting's own line ("web.port = 8080") is what a person types; its help is read.
            out = "\n".join(line for line in out.splitlines() if line.startswith("    "))
        words = english_words(out, markup=False)
        assert not words, (argv, sorted(set(words)))


def test_public_pages_show_no_english(app, community):
    client = app.test_client()
    for url in ("/login", "/me/login", "/kiosk/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not english_words(response.get_data(as_text=True)), (url, english_words(response.get_data(as_text=True)))
