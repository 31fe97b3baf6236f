"""A password or a wizard step is on the card when the page answers (appliance/db/durable.py).

A power cut right after the first-boot wizard brought an emulated box back with the one-time
password: with ``synchronous = NORMAL`` the last commits can be lost. These tests read what
SQLite was told: the write happens under ``synchronous = FULL`` and the box returns to NORMAL."""

from __future__ import annotations

import pytest

from appliance.db.models import User
from appliance.errors import ValidationError


def statements(db):
    seen = []
    db.connection().set_trace_callback(seen.append)
    return seen


def _between(seen, first, last):
    start = next(i for i, s in enumerate(seen) if s == first)
    end = next(i for i, s in enumerate(seen) if s == last and i > start)
    return seen[start + 1:end]


def test_a_new_password_is_committed_with_full_sync(services, users, db):
    seen = statements(db)
    services.accounts.set_password(users["admin"].id, "a-new-secret-42", actor="test")
    inside = _between(seen, "PRAGMA synchronous = FULL", "PRAGMA synchronous = NORMAL")
    assert any(s.startswith('UPDATE "user"') and "password_hash" in s for s in inside)
    assert any(s == "COMMIT" or s.startswith("RELEASE") for s in inside)
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 1  # back to NORMAL
    assert services.accounts.authenticate("admin", "a-new-secret-42").id == users["admin"].id


def test_a_wizard_step_is_committed_with_full_sync(services, users, db):
    seen = statements(db)
    services.system.wizard.save("community", {"name": "幸福里", "address": "鼓楼区"})
    inside = _between(seen, "PRAGMA synchronous = FULL", "PRAGMA synchronous = NORMAL")
    assert any(s.startswith('INSERT INTO "setup_step"') for s in inside)
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 1


def test_a_refused_password_changes_nothing(services, users, db):
    before = User.get_by_id(users["admin"].id).password_hash
    with pytest.raises(ValidationError):  # too short
        services.accounts.set_password(users["admin"].id, "x", actor="test")
    assert User.get_by_id(users["admin"].id).password_hash == before
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 1


def test_a_skipped_wizard_step_is_committed_with_full_sync(services, users, db):
    seen = statements(db)
    services.system.wizard.skip("camera")
    inside = _between(seen, "PRAGMA synchronous = FULL", "PRAGMA synchronous = NORMAL")
    assert any(s.startswith('INSERT INTO "setup_step"') for s in inside)
    statuses = {s["step"]: s["status"] for s in services.system.wizard.steps()}
    assert statuses["camera"] == "skipped"
