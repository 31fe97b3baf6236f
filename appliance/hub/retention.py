"""How long the hub keeps raw entries, per kind, and the job that deletes older ones.

The per-day counts (hub_box_day) are the district's long-term record and are kept; raw rows go
once older than their kind's setting. Only rows at or below the box's ack are deleted: above it
they are still needed to find the next gap. On PostgreSQL a whole month that may go is
detached and dropped (appliance/hub/partitions.py); other rows are deleted in chunks of a few
thousand so a worker never waits long behind the job, and a second run the same day finds
nothing to do.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from peewee import Tuple

from appliance.errors import ConfigError
from appliance.i18n import N_
from appliance.hub import partitions
from appliance.hub.models import HubBox, HubBoxDay, HubBoxMonth, HubEntry

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


@dataclass
class Pruned:
    """What a prune deleted (or, dry, would delete)."""
    rows: dict[str, int] = field(default_factory=dict)  # per kind with a limit, months dropped included
    months: list[str] = field(default_factory=list)  # "2025-01": months dropped whole (PostgreSQL)
    month_rows: int = 0  # the rows those months held

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def prune(db, policy: dict[str, int], *, now: datetime.datetime | None = None, dry_run: bool = False,
          chunk: int = 5000, progress: Callable[[str, int], None] | None = None) -> Pruned:
    """Delete (or with ``dry_run`` count) the entries past their kind's retention.

    On a partitioned PostgreSQL hub a month whose every row is past its kind's limit (and at
    or below its box's ack) is detached and dropped whole first; the rest go row by row."""
    now = now or datetime.datetime.now()
    kinds = [k for (k,) in HubBoxDay.select(HubBoxDay.kind).distinct().tuples()]
    cuts = cutoffs(policy, kinds, now)
    out = Pruned(rows={kind: 0 for kind in cuts})
    gone = []
    for month, counts in _whole_months(db, cuts, kinds):
        if dry_run or partitions.drop_month(db, month):
            if not dry_run:  # ingest need not look in a month that is gone
                HubBoxMonth.delete().where(HubBoxMonth.month == month.start.date()).execute()
            gone.append(month)
            out.months.append(month.label)
            out.month_rows += sum(counts.values())
            for kind, n in counts.items():
                out.rows[kind] += n
    acked = HubBox.select(HubBox.acked).where(HubBox.box_id == HubEntry.box)
    for kind, cutoff in sorted(cuts.items()):
        old = (HubEntry.kind == kind) & (HubEntry.at < cutoff) & (HubEntry.seq <= acked)
        if dry_run:
            for month in gone:  # counted with their month already
                old &= ~((HubEntry.received_at >= month.start) & (HubEntry.received_at < month.end))
            out.rows[kind] += HubEntry.select().where(old).count()
            continue
        done = 0
        while True:
            with db.atomic():
                victims = HubEntry.select(HubEntry.box, HubEntry.seq).where(old).limit(chunk)
                n = HubEntry.delete().where(Tuple(HubEntry.box, HubEntry.seq).in_(victims)).execute()
            done += n
            if progress:
                progress(kind, out.rows[kind] + done)
            if n < chunk:
                break
        out.rows[kind] += done
        logger.info("hub retention: %s entries of %s before %s deleted", out.rows[kind], kind, cutoff.date())
    return out


def _whole_months(db, cuts: dict[str, datetime.datetime], kinds: list[str]):
    """(month, rows per kind) for each month partition that a cutoff covers whole and whose
    every row may go: only kinds past their limit, none newer than it, none above its box's ack."""
    if not cuts:
        return []
    newest_cut = max(cuts.values())
    out = []
    for month in partitions.months(db):
        if month.end <= newest_cut:
            counts = _all_expired(db, month, cuts, kinds)
            if counts is not None:
                out.append((month, counts))
    return out


def _all_expired(db, month, cuts: dict[str, datetime.datetime], kinds: list[str]) -> dict[str, int] | None:
    def exists(sql: str, params=()) -> bool:
        return db.execute_sql(f"SELECT EXISTS ({sql})", params).fetchone()[0]

    name = month.name
    # Quick refusals through the indexes (a month holding a kind kept for ever is refused at
    # once each night, not read whole).
    if any(exists(f"SELECT 1 FROM {name} WHERE kind = %s", (kind,)) for kind in kinds if kind not in cuts):
        return None
    if any(exists(f"SELECT 1 FROM {name} WHERE kind = %s AND at >= %s", (kind, cut)) for kind, cut in cuts.items()):
        return None
    if exists(f"SELECT 1 FROM hub_box b WHERE EXISTS (SELECT 1 FROM {name} e WHERE e.box = b.box_id "
              f"AND e.seq > b.acked)"):
        return None
    # Then the month read once: it also gives the counts to report.
    counts = {}
    for kind, n, newest, below_ack in db.execute_sql(
            f"SELECT e.kind, COUNT(*), MAX(e.at), BOOL_AND(b.acked IS NOT NULL AND e.seq <= b.acked) "
            f"FROM {name} e LEFT JOIN hub_box b ON b.box_id = e.box GROUP BY e.kind").fetchall():
        if kind not in cuts or newest >= cuts[kind] or not below_ack:
            return None
        counts[kind] = n
    return counts
