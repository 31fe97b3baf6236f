"""Small persistent facts about sync on the box: acks, usage per month, the log."""

from __future__ import annotations

import datetime

from appliance.db.models import SyncLog, SyncState, SyncUsage


def get(key: str, default=None):
    row = SyncState.get_or_none(SyncState.key == key)
    return default if row is None else row.value


def put(key: str, value) -> None:
    SyncState.insert(key=key, value=value).on_conflict_replace().execute()


def month() -> str:
    return datetime.date.today().strftime("%Y-%m")


def add_usage(nbytes: int) -> None:
    m = month()
    SyncUsage.insert(month=m, bytes=nbytes).on_conflict(
        conflict_target=[SyncUsage.month], update={SyncUsage.bytes: SyncUsage.bytes + nbytes}).execute()


def usage_this_month() -> int:
    row = SyncUsage.get_or_none(SyncUsage.month == month())
    return row.bytes if row else 0


def log(channel: str, direction: str, first=None, last=None, entries=0, nbytes=0, status="ok", detail="") -> None:
    SyncLog.create(channel=channel, direction=direction, first_seq=first, last_seq=last, entries=entries,
                   bytes=nbytes, status=status, detail=detail[:500])
