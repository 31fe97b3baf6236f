"""Base model and the registry of models that :func:`appliance.db.open_database` binds."""

from __future__ import annotations

import datetime
import json
import uuid

from peewee import Model, TextField, UUIDField

_MODELS: list[type[Model]] = []


def register(model: type[Model]) -> type[Model]:
    _MODELS.append(model)
    return model


def registered_models() -> list[type[Model]]:
    # Importing the model modules registers them; keep every table module listed here.
    import appliance.db.models  # noqa: F401

    return list(_MODELS)


def now() -> datetime.datetime:
    return datetime.datetime.now().replace(microsecond=0)


MAX_ID = 2**63 - 1


def find(model, value):
    """The row with primary key ``value``, or None — also for ids that are not integers or do
    not fit in SQLite's INTEGER (URLs and forms can carry anything)."""
    try:
        key = int(value)
    except (TypeError, ValueError):
        return None
    if not 0 < key <= MAX_ID:
        return None
    return model.get_or_none(model._meta.primary_key == key)


class BaseModel(Model):
    class Meta:
        database = None  # bound at runtime
        legacy_table_names = False


class SyncedModel(BaseModel):
    """A row that may leave the box: it has a UUID that is stable across boxes and hubs."""

    uuid = UUIDField(default=uuid.uuid4, unique=True)


class JSONField(TextField):
    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)
