"""How long the hub keeps raw entries, per kind, and the job that deletes older ones.

The per-day counts (hub_box_day) are the district's long-term record and are kept; raw rows go
once older than their kind's setting. Only rows at or below the box's ack are deleted: above it
they are still needed to find the next gap. Deletes go in chunks of a few thousand rows so a
worker never waits long behind the job, and a second run the same day finds nothing to do.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from peewee import Tuple

from appliance.errors import ConfigError
from appliance.i18n import N_
from appliance.hub.models import HubBox, HubBoxDay, HubEntry

logger = logging.getLogger(__name__)


def parse_policy(text: str) -> dict[str, int]:
    """``"access.event=400, firelane.event=1825, *=3650"`` -> {kind: days}; 0 keeps forever."""
    policy: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        kind, sep, days = part.partition("=")
        kind = kind.strip()
        try:
            value = int(days.strip()) if sep else -1
        except ValueError:
            value = -1
        if not kind or value < 0 or value > 36500:
            raise ConfigError(N_("hub.retention: \"%(part)s\" should be KIND=DAYS (DAYS from 0 to 36500)"), part=part)
        policy[kind] = value
    return policy


def cutoffs(policy: dict[str, int], kinds: list[str], now: datetime.datetime) -> dict[str, datetime.datetime]:
    """The oldest time kept for each kind that has a limit ('*' covers the kinds not named)."""
    out = {}
    for kind in kinds:
        days = policy.get(kind, policy.get("*", 0))
        if days:
            out[kind] = now - datetime.timedelta(days=days)
    return out


def prune(db, policy: dict[str, int], *, now: datetime.datetime | None = None, dry_run: bool = False,
          chunk: int = 5000, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Delete (or with ``dry_run`` count) the entries past their kind's retention; per kind."""
    now = now or datetime.datetime.now()
    kinds = [k for (k,) in HubBoxDay.select(HubBoxDay.kind).distinct().tuples()]
    done: dict[str, int] = {}
    acked = HubBox.select(HubBox.acked).where(HubBox.box_id == HubEntry.box)
    for kind, cutoff in sorted(cutoffs(policy, kinds, now).items()):
        old = (HubEntry.kind == kind) & (HubEntry.at < cutoff) & (HubEntry.seq <= acked)
        if dry_run:
            done[kind] = HubEntry.select().where(old).count()
            continue
        done[kind] = 0
        while True:
            with db.atomic():
                victims = HubEntry.select(HubEntry.box, HubEntry.seq).where(old).limit(chunk)
                n = HubEntry.delete().where(Tuple(HubEntry.box, HubEntry.seq).in_(victims)).execute()
            done[kind] += n
            if progress:
                progress(kind, done[kind])
            if n < chunk:
                break
        logger.info("hub retention: %s entries of %s before %s deleted", done[kind], kind, cutoff.date())
    return done

