"""The numbered migrations build exactly the tables and columns the models declare: a model
field without its migration would fail only on a real box, at the first write."""

from __future__ import annotations

from appliance.db.base import registered_models


def test_every_model_column_exists_after_the_migrations(db):
    missing = []
    for model in registered_models():
        table = model._meta.table_name
        columns = {c.name for c in db.get_columns(table)}
        assert columns, f"no table {table}"
        for field in model._meta.sorted_fields:
            if field.column_name not in columns:
                missing.append(f"{table}.{field.column_name}")
    assert not missing, missing
