"""Backups and restores on real SQLite files in real data folders."""

from __future__ import annotations

import datetime
import hashlib
import socket
import sqlite3
import threading
from pathlib import Path

import pytest

from appliance.config import load_config
from appliance.errors import LinliError
from appliance.runtime import build_runtime
from appliance.system import sealed
from appliance.system.backup import read_info
from appliance.system.backups import BackupService
from appliance.system.restore import RestoreRefused

PASSWORD = "correct-horse-1"


def make_box(home: Path, users=("alice",)):
    """A real box: runtime built (migrated database, keys), accounts added, closed again."""
    home.mkdir(parents=True, exist_ok=True)
    rt = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
    try:
        for name in users:
            rt.services.accounts.create(name, "volunteer", PASSWORD)
    finally:
        rt.close()
    (home / "config.toml").write_text('[box]\nname = "幸福里"\n', encoding="utf-8")
    return service_for(home)


def service_for(home: Path, clock=datetime.datetime.now, sticks=None) -> BackupService:
    config = load_config(home)
    return BackupService(home, config.db_path, (home / "box_id").read_text().strip(),
                         (home / "secret_key").read_text().strip(), keep=7, clock=clock, sticks=sticks)


def usernames(home: Path) -> set[str]:
    with sqlite3.connect(home / "linli.db") as conn:
        return {r[0] for r in conn.execute("SELECT username FROM user")}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_round_trip_brings_back_database_keys_and_settings(tmp_path):
    home = tmp_path / "box"
    backups = make_box(home, users=("alice", "bob"))
    key_before = digest(home / "box_ed25519.pem")
    progress = []
    path = backups.create(progress=lambda done, total: progress.append((done, total)))
    assert path.parent == home / "backups" and path.suffix == ".lbk"
    assert progress and progress[-1][0] == progress[-1][1]  # the bar reaches 100 %
    assert b"alice" not in path.read_bytes() and b"BEGIN PRIVATE KEY" not in path.read_bytes()

    with sqlite3.connect(home / "linli.db") as conn:
        conn.execute("DELETE FROM user WHERE username = 'bob'")
    (home / "config.toml").write_text('[box]\nname = "changed"\n', encoding="utf-8")
    (home / "box_ed25519.pem").unlink()

    result = backups.restore(path)
    assert result["box_id"] == backups.box_id
    assert {"alice", "bob"} <= usernames(home)
    assert "幸福里" in (home / "config.toml").read_text(encoding="utf-8")
    assert digest(home / "box_ed25519.pem") == key_before
    rt = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
    try:
        assert rt.services.accounts.authenticate("bob", PASSWORD).username == "bob"
    finally:
        rt.close()


def test_backup_is_consistent_while_the_box_keeps_writing(tmp_path):
    home = tmp_path / "box"
    backups = make_box(home)
    stop = threading.Event()
    with sqlite3.connect(home / "linli.db") as conn:
        conn.execute("CREATE TABLE churn (id INTEGER PRIMARY KEY, data TEXT)")

    def writer():
        conn = sqlite3.connect(home / "linli.db", timeout=5)
        while not stop.is_set():
            with conn:
                conn.executemany("INSERT INTO churn (data) VALUES (?)", [("x" * 200,)] * 50)
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        paths = [backups.create(tmp_path / "out") for _ in range(3)]
    finally:
        stop.set()
        thread.join()
    for path in paths:
        service_for(home).restore(path)
        with sqlite3.connect(home / "linli.db") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("SELECT count(*) FROM churn").fetchone()[0] % 50 == 0  # whole transactions only


def test_a_damaged_or_cut_backup_is_refused_and_nothing_changes(tmp_path):
    home = tmp_path / "box"
    backups = make_box(home)
    path = backups.create()
    data = bytearray(path.read_bytes())
    flipped = tmp_path / "flipped.lbk"
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    cut = tmp_path / "cut.lbk"
    cut.write_bytes(path.read_bytes()[:-100])
    garbage = tmp_path / "garbage.lbk"
    garbage.write_bytes(b"not a backup at all")

    with sqlite3.connect(home / "linli.db") as conn:
        conn.execute("DELETE FROM user WHERE username = 'alice'")
    before = {p.name: digest(p) for p in home.iterdir() if p.is_file()}
    for bad in (flipped, cut, garbage):
        with pytest.raises(sealed.SealedError):
            backups.restore(bad)
        assert {p.name: digest(p) for p in home.iterdir() if p.is_file()} == before
    assert not [p for p in home.iterdir() if p.name.startswith(".restore-")]


def test_an_edited_header_breaks_the_seal(tmp_path):
    home = tmp_path / "box"
    backups = make_box(home)
    path = backups.create()
    raw = path.read_bytes()
    edited = tmp_path / "edited.lbk"
    edited.write_bytes(raw.replace(b'"app_version": "', b'"app_version": "9', 1))
    with pytest.raises(sealed.SealedError):
        backups.restore(edited)


def test_another_box_s_backup_needs_other_box_and_its_recovery_code(tmp_path):
    box_a = make_box(tmp_path / "a", users=("from_a",))
    box_b = make_box(tmp_path / "b", users=("from_b",))
    path = box_a.create()

    with pytest.raises(RestoreRefused) as refused:
        box_b.restore(path)
    assert box_a.box_id in refused.value.message()
    with pytest.raises(RestoreRefused) as no_key:
        box_b.restore(path, other_box=True)
    assert "recovery" in str(no_key.value) or "--key" in no_key.value.message()
    assert usernames(tmp_path / "b") >= {"from_b"}

    from appliance.system.backup import key_from_code
    box_b.restore(path, key=key_from_code(box_a.recovery_code().lower()), other_box=True)
    assert "from_a" in usernames(tmp_path / "b") and "from_b" not in usernames(tmp_path / "b")
    assert (tmp_path / "b" / "box_id").read_text() == (tmp_path / "a" / "box_id").read_text()


def test_a_backup_from_a_newer_linli_is_refused(tmp_path):
    home = tmp_path / "box"
    backups = make_box(home)
    with sqlite3.connect(home / "linli.db") as conn:
        conn.execute("INSERT INTO schema_migration (name, applied) VALUES ('0999_from_the_future', '2030-01-01')")
    path = backups.create()
    assert "0999_from_the_future" in read_info(path).migrations
    with sqlite3.connect(home / "linli.db") as conn:
        conn.execute("DELETE FROM schema_migration WHERE name = '0999_from_the_future'")
    with pytest.raises(RestoreRefused) as refused:
        backups.restore(path)
    assert "newer" in str(refused.value)


def test_a_failure_while_switching_puts_every_old_file_back(tmp_path, monkeypatch):
    home = tmp_path / "box"
    backups = make_box(home)
    path = backups.create()
    (home / "config.toml").write_text('[box]\nname = "after"\n', encoding="utf-8")
    with sqlite3.connect(home / "linli.db") as conn:
        conn.execute("DELETE FROM user WHERE username = 'alice'")
    before = {p.name: digest(p) for p in home.iterdir() if p.is_file()}

    from appliance.system import restore as restore_module

    def broken_migrate(self):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(restore_module.Restorer, "_migrate", broken_migrate)
    with pytest.raises(sqlite3.OperationalError):
        backups.restore(path)
    assert {p.name: digest(p) for p in home.iterdir() if p.is_file()} == before
    assert "alice" not in usernames(home)


def test_restore_refuses_while_linli_runs(tmp_path):
    home = tmp_path / "box"
    backups = make_box(home)
    path = backups.create()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(home / "gate.sock"))
    server.listen(1)
    try:
        with pytest.raises(LinliError) as refused:
            backups.restore(path)
        assert "systemctl stop linli" in refused.value.message()
    finally:
        server.close()


def test_nightly_backup_is_idempotent_copies_to_the_stick_and_keeps_seven(tmp_path):
    home = tmp_path / "box"
    make_box(home)
    stick = tmp_path / "media" / "STICK"
    stick.mkdir(parents=True)
    now = [datetime.datetime(2026, 12, 1, 2, 15)]
    inserted = [True]
    backups = service_for(home, clock=lambda: now[0], sticks=lambda: [stick] if inserted[0] else [])

    first = backups.nightly()
    again = backups.nightly()
    assert first["made"] is not None and again["made"] is None
    on_stick = list((stick / "linli" / "backups" / backups.box_id).glob("*.lbk"))
    assert len(on_stick) == 1 and again["copied"] == []
    assert service_for(home).list(on_stick[0].parent)[0].box_id == backups.box_id

    inserted[0] = False
    for day in range(2, 11):
        now[0] = datetime.datetime(2026, 12, day, 2, 15)
        backups.nightly()
    kept = backups.list()
    assert len(kept) == 7 and kept[0].created.startswith("2026-12-10")
    inserted[0] = True
    assert backups.nightly()["copied"] == [str(stick)]


def test_the_huey_task_makes_the_nightly_backup(runtime):
    from appliance.system.setup import SystemFeature

    feature = runtime.feature(SystemFeature)
    feature.nightly_backup()
    feature.nightly_backup()
    assert len(feature.backups.list()) == 1
    report = runtime.services.health.report()
    assert report["subsystems"]["backup"]["ok"]


@pytest.mark.slow  # waits on CLI processes or device timeouts (see tests/conftest.py SLOW_MODULES)
def test_cli_backup_create_list_restore_and_refusals(tmp_path):
    from tests.test_cli import linli

    home = tmp_path / "box"
    assert linli(home, "init").returncode == 0
    made = linli(home, "backup", "create")
    assert made.returncode == 0, made.stderr
    path = made.stdout.strip().split("：", 1)[1]
    listed = linli(home, "backup", "list")
    assert path in listed.stdout
    code = linli(home, "backup", "key").stdout.strip().splitlines()[-1]
    assert len(code.replace("-", "")) == 52

    restored = linli(home, "backup", "restore", path)
    assert restored.returncode == 0 and "已恢复" in restored.stdout

    other = tmp_path / "other"
    assert linli(other, "init").returncode == 0
    refused = linli(other, "restore", path)
    assert refused.returncode == 2 and "另一台盒子" in refused.stderr
    wrong_code = linli(other, "restore", path, "--other-box", "--key", stdin="AAAA-BBBB\n")
    assert wrong_code.returncode == 2 and "恢复码" in wrong_code.stderr
    moved = linli(other, "restore", path, "--other-box", "--key", stdin=code + "\n")
    assert moved.returncode == 0, moved.stderr
    assert (other / "box_id").read_text() == (home / "box_id").read_text()


def test_factory_reset_keeps_nothing_but_the_installed_software(tmp_path):
    from tests.test_cli import linli

    home = tmp_path / "box"
    backups = make_box(home)
    backups.create()
    (home / "app" / "versions" / "0.2.0").mkdir(parents=True)
    old_box = (home / "box_id").read_text()
    refused = linli(home, "factory-reset")
    assert refused.returncode == 1 and (home / "linli.db").exists()
    done = linli(home, "factory-reset", "--yes-delete-everything")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in home.iterdir()) == ["app"]
    assert (home / "app" / "versions" / "0.2.0").is_dir()
    rt = build_runtime(load_config(home), immediate_tasks=True, hardware=False)
    try:
        assert rt.services.accounts.count() == 0 and rt.services.box_id != old_box
    finally:
        rt.close()


def test_ballot_scans_report_photos_and_the_site_plan_come_back(tmp_path):
    home = tmp_path / "box"
    backups = make_box(home)
    kept = {"votes/evidence/3/paper-101.jpg": b"\xff\xd8scan", "photos/ab12.jpg": b"\xff\xd8photo",
            "siteplan/plan.png": b"\x89PNGplan"}
    for name, data in kept.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_bytes(data)
    path = backups.create()
    for name in kept:
        (home / name).unlink()
    backups.restore(path)
    assert {name: (home / name).read_bytes() for name in kept} == kept
