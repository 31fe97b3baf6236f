"""Shortcuts the fixtures take must not change what the tests see. Most tests start from a copy
of one database made per session (conftest ``database_template``)
instead of migrating their own. The copy must be exactly what a new box makes from an empty
home, or tests would pass against a database no box ever has."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from appliance.config import load_config
from appliance.db import pending_migrations
from appliance.i18n import set_locale
from appliance.runtime import build_runtime


def snapshot(path):
    with closing(sqlite3.connect(path)) as conn:
        schema = sorted(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        migrations = [r[0] for r in conn.execute("SELECT name FROM schema_migration ORDER BY id")]
        categories = list(conn.execute('SELECT code, name_zh, name_en, due_hours, default_assignee, "group", active, '
                                       "edited FROM work_order_category ORDER BY code"))
        audit = list(conn.execute("SELECT actor, action, entity, entity_id, detail FROM audit_log ORDER BY id"))
    return schema, migrations, categories, audit


def test_the_template_is_what_a_new_box_makes_from_nothing(tmp_path, database_template):
    home = tmp_path / "new-box"
    home.mkdir()
    set_locale("zh_CN")
    rt = build_runtime(load_config(home), immediate_tasks=True, hardware=True)
    try:
        assert pending_migrations(rt.db) == []
    finally:
        rt.close()
    schema, migrations, categories, audit = snapshot(home / "linli.db")
    assert snapshot(database_template) == (schema, migrations, categories, audit)
    # The features' seeding really happened (work-order categories, each with its audit line).
    assert migrations[0] == "0001_foundation" and len(categories) >= 20 and len(audit) == len(categories)


def test_a_test_runtime_starts_migrated_and_seeded(runtime, services):
    assert pending_migrations(runtime.db) == []
    assert services.workorders.categories(), "no work-order categories on the copied database"


def test_shared_url_builders_are_the_ones_werkzeug_would_write(app):
    """tests/routing_cache.py shares ``url_for`` builders between the tests' apps."""
    from tests import routing_cache

    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        for append_unknown in (False, True):
            shared = rule._compile_builder(append_unknown).__code__
            fresh = routing_cache._original(rule, append_unknown).__code__
            assert (shared.co_code, shared.co_consts, shared.co_varnames, shared.co_names) == \
                (fresh.co_code, fresh.co_consts, fresh.co_varnames, fresh.co_names), rule.rule
