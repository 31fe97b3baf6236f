"""Storing checked batches: many boxes' batches in one transaction, a fixed number of
statements whatever their count.

A worker under load hands over every batch waiting for it; each statement then serves them
all (lock the boxes' rows, read what is stored, insert, count days, advance acks, read
downlink heads, update boxes, log batches). A batch that disagrees with what is stored (same
(box, seq), another uuid) is refused alone; nothing of it is stored, the others are.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import operator
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import reduce

from peewee import PostgresqlDatabase, SqliteDatabase, fn

from appliance.errors import LinliError
from appliance.hub.models import HubBatch, HubBox, HubBoxDay, HubBoxMonth, HubDownlink, HubEntry
from appliance.hub.partitions import add_months, month_start
from appliance.i18n import N_


class RefusedBatch(LinliError):
    msgid = N_("Batch refused: %(reason)s. Nothing of it was stored.")


@dataclass
class Receipt:
    box: str
    status: str  # stored / duplicate / refused
    acked: int = 0
    ranges: list = field(default_factory=list)
    new: int = 0
    reason: str = ""
    down_acked: int = 0
    queued: int = 0  # the box's newest downlink seq when the batch was stored


@dataclass
class Checked:
    """A batch whose signature, box and entries were checked, waiting to be stored."""
    index: int
    box: str
    header: dict
    entries: list
    digest: str
    channel: str
    down_ack: int


def transaction(db):
    # Workers in other processes store for the same boxes: take the write lock up front on
    # SQLite; on PostgreSQL the boxes' rows are locked with SELECT ... FOR UPDATE.
    return db.atomic("IMMEDIATE") if isinstance(db, SqliteDatabase) else db.atomic()


def insert_many(db, sql: str, rows: list) -> None:
    """``sql`` with one ``VALUES %s``: a single statement on PostgreSQL (psycopg2's
    executemany is one round trip per row), executemany of one row each on SQLite."""
    if not rows:
        return
    cursor = db.cursor()
    if isinstance(db, PostgresqlDatabase):
        from psycopg2.extras import execute_values

        execute_values(cursor, sql, rows, page_size=1000)
    else:
        width = len(rows[0])
        cursor.executemany(sql.replace("VALUES %s", "VALUES (" + ", ".join(["?"] * width) + ")"), rows)


def _any(conditions):
    return reduce(operator.or_, conditions)


def store(db, batches: list[Checked]) -> dict[int, Receipt]:
    """Store checked batches in one transaction; a receipt per batch index."""
    boxes = sorted({b.box for b in batches})
    receipts: dict[int, Receipt] = {}
    with transaction(db):
        query = HubBox.select().where(HubBox.box_id.in_(boxes)).order_by(HubBox.box_id)
        rows = {b.box_id: b for b in (query.for_update() if db.for_update else query)}
        months = _months(boxes)
        spans = [cond for b in batches if b.entries
                 for cond in _where_seqs(months, b.box, b.entries[0].seq, b.entries[-1].seq)]
        stored = {}
        if spans:
            stored = {(box, seq): uuid for box, seq, uuid in
                      HubEntry.select(HubEntry.box, HubEntry.seq, HubEntry.uuid).where(_any(spans)).tuples()}
        received = datetime.datetime.now().replace(microsecond=0)
        new_rows, news = [], {}
        for b in batches:
            conflict = next((e.seq for e in b.entries if stored.get((b.box, e.seq), e.uuid) != e.uuid), None)
            if conflict is not None:
                receipts[b.index] = Receipt(b.box, "refused", reason="entry %s differs from the stored one" % conflict)
                continue
            mine = [(b.box, e.seq, e.uuid, e.kind, datetime.datetime.fromtimestamp(e.t),
                     json.dumps(e.payload, ensure_ascii=False, sort_keys=True), received)
                    # At or below the ack an entry was stored once: missing now means the
                    # retention job deleted it, and a late copy must not bring it back.
                    for e in b.entries if (b.box, e.seq) not in stored and e.seq > rows[b.box].acked]
            for row in mine:
                stored[(b.box, row[1])] = row[2]  # a later batch of this group sees them as stored
            new_rows += mine
            news[b.index] = len(mine)
        _insert_entries(db, new_rows)
        _count_days(db, new_rows)
        _note_months(db, new_rows, months)
        acked = advance(rows, months)
        heads = dict(HubDownlink.select(HubDownlink.box, fn.MAX(HubDownlink.seq)).where(HubDownlink.box.in_(boxes))
                     .group_by(HubDownlink.box).tuples())
        down = {box: row.down_acked for box, row in rows.items()}
        for b in batches:
            if b.index not in receipts:
                # Only ever up, and never past what was queued (no skipping items to come).
                down[b.box] = max(down[b.box], min(b.down_ack, heads.get(b.box) or 0))
        now = datetime.datetime.now()
        channel = {b.box: b.channel for b in batches}
        added = defaultdict(int)
        for box, *_rest in new_rows:
            added[box] += 1
        for box, row in rows.items():
            HubBox.update(acked=acked[box][0], down_acked=down[box], last_seen=now, last_channel=channel[box],
                          entries=HubBox.entries + added[box]).where(HubBox.box_id == box).execute()
        log = []
        for b in batches:
            r = receipts.get(b.index)
            if r is None:
                status = "stored" if news[b.index] or not b.entries else "duplicate"
                r = receipts[b.index] = Receipt(b.box, status, acked[b.box][0], acked[b.box][1], news[b.index],
                                                down_acked=down[b.box], queued=heads.get(b.box) or 0)
            log.append({"box": b.box, "digest": b.digest, "first_seq": b.header.get("first"),
                        "last_seq": b.header.get("last"), "entries": len(b.entries), "new_entries": r.new,
                        "channel": b.channel, "status": r.status, "reason": r.reason, "received_at": now})
        HubBatch.insert_many(log).execute()
    return receipts


def _insert_entries(db, rows: list) -> None:
    columns = "box, seq, uuid, kind, at, payload, received_at"
    table = HubEntry._meta.table_name
    if rows and isinstance(db, PostgresqlDatabase):
        # COPY: building an INSERT's text row by row was a third of a big batch's time. No
        # row can already exist: the boxes' rows are locked and stored seqs were left out.
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerows((box, seq, uuid, kind, at.isoformat(sep=" "), payload, rec.isoformat(sep=" "))
                         for box, seq, uuid, kind, at, payload, rec in rows)
        buf.seek(0)
        db.cursor().copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buf)
        return
    insert_many(db, f"INSERT INTO {table} ({columns}) VALUES %s ON CONFLICT DO NOTHING", rows)


def _count_days(db, rows: list) -> None:
    # Inside the batches' transaction, under the boxes' locks: counted once per new entry.
    counts = Counter((row[0], row[4].date().isoformat(), row[3]) for row in rows)
    table = HubBoxDay._meta.table_name
    insert_many(db, f"INSERT INTO {table} (box, day, kind, entries) VALUES %s ON CONFLICT (box, day, kind) "
                    f"DO UPDATE SET entries = {table}.entries + excluded.entries",
                [(box, day, kind, n) for (box, day, kind), n in counts.items()])


def _months(boxes: list[str]) -> dict[str, list[list]]:
    """Per box: [month start, first seq, last seq] for each month it has rows stored in."""
    out: dict[str, list[list]] = defaultdict(list)
    query = HubBoxMonth.select(HubBoxMonth.box, HubBoxMonth.month, HubBoxMonth.first_seq, HubBoxMonth.last_seq)
    for box, month, first, last in query.where(HubBoxMonth.box.in_(boxes)).tuples():
        out[box].append([month_start(month), first, last])
    return out


def _where_seqs(months: dict, box: str, low: int, high: int | None = None) -> list:
    """Conditions finding the box's stored rows with seq in [low, high] (high None: no top),
    one per month that can hold them. Each names its month's bounds, so PostgreSQL reads only
    those partitions (migration 0006 says why); none at all when no month can."""
    out = []
    for start, first, last in months.get(box, ()):
        if last < low or (high is not None and first > high):
            continue
        seqs = HubEntry.seq >= low if high is None else HubEntry.seq.between(low, high)
        out.append((HubEntry.box == box) & seqs
                   & (HubEntry.received_at >= start) & (HubEntry.received_at < add_months(start, 1)))
    return out


def _note_months(db, rows: list, months: dict) -> None:
    """Widen the box's range for the month these rows were stored in (and ``months`` with it,
    so the ack below finds them)."""
    spans: dict[tuple, list] = {}
    for box, seq, _uuid, _kind, _at, _payload, received in rows:
        key = (box, month_start(received))
        span = spans.setdefault(key, [seq, seq])
        span[0], span[1] = min(span[0], seq), max(span[1], seq)
    if not spans:
        return
    for (box, start), (first, last) in spans.items():
        known = next((m for m in months[box] if m[0] == start), None)
        if known is None:
            months[box].append([start, first, last])
        else:
            known[1], known[2] = min(known[1], first), max(known[2], last)
    low, high = ("LEAST", "GREATEST") if isinstance(db, PostgresqlDatabase) else ("MIN", "MAX")
    table = HubBoxMonth._meta.table_name
    insert_many(db, f"INSERT INTO {table} (box, month, first_seq, last_seq) VALUES %s ON CONFLICT (box, month) "
                    f"DO UPDATE SET first_seq = {low}({table}.first_seq, excluded.first_seq), "
                    f"last_seq = {high}({table}.last_seq, excluded.last_seq)",
                [(box, start.date(), first, last) for (box, start), (first, last) in spans.items()])


def advance(rows: dict, months: dict | None = None) -> dict[str, tuple[int, list]]:
    """Per box (``rows``: box id -> its HubBox): the highest contiguous stored seq, and the
    stored ranges beyond it (at most 64, as an ack carries)."""
    if months is None:
        months = _months(list(rows))
    islands = defaultdict(list)
    beyond = [cond for box, row in rows.items() for cond in _where_seqs(months, box, row.acked + 1)]
    if beyond:
        # Runs of consecutive seqs counted in the database (seq minus its rank is constant along
        # a run): a backlog batch of 500 returns one row here instead of 500.
        rank = fn.ROW_NUMBER().over(partition_by=[HubEntry.box], order_by=[HubEntry.seq])
        runs = HubEntry.select(HubEntry.box, HubEntry.seq, (HubEntry.seq - rank).alias("run")).where(_any(beyond))
        runs = runs.alias("runs")
        low = fn.MIN(runs.c.seq)
        query = (HubEntry.select(runs.c.box, low, fn.MAX(runs.c.seq)).from_(runs)
                 .group_by(runs.c.box, runs.c.run).order_by(runs.c.box, low).tuples())
        for box, first, last in query:
            islands[box].append([first, last])
    out = {}
    for box, row in rows.items():
        acked, runs_of_box = row.acked, islands[box]
        if runs_of_box and runs_of_box[0][0] == acked + 1:
            acked = runs_of_box.pop(0)[1]
        out[box] = (acked, runs_of_box[:64])
    return out
