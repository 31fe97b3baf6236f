"""The box's sync service: turns the outbox into signed batches, takes acks and downlink.

Channels (MQTT, USB) only move bytes; everything that decides what is sent, what counts
as delivered and what is applied lives here, so both channels behave the same.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import secrets
import threading
import time
from pathlib import Path

from appliance.db.models import DistrictSetting, OutboxEntry, SyncState
from appliance.errors import LinliError
from appliance.files import write_private
from appliance.i18n import N_
from appliance.sync import batch as batchfmt
from appliance.sync import state
from appliance.sync.downlink import apply_downlink
from appliance.sync.envelope import ACK, UPLINK, check, parse
from appliance.sync.keys import load_or_create_private_key, public_from_text, public_text
from appliance.sync.policy import FieldPolicy

logger = logging.getLogger(__name__)

# Set by a restore (appliance/system/restore.py) to the outbox's last number in the backup.
RESYNC_KEY = "resync_after_restore"


class NotPaired(LinliError):
    msgid = N_("This box is not paired with a district hub yet.")


class ForeignMessage(LinliError):
    msgid = N_("The sync data is meant for another box or comes from another hub.")


class SyncService:
    def __init__(self, db, sync_config, box_id: str, home: Path, signing_key=None, pseudonym=None,
                 health_probe=None):
        """``signing_key``: the box's Ed25519 key (the runtime passes the one QR passes use);
        ``pseudonym``: resident uuid -> pseudonym, the same function the access log uses, so
        the district can link events of one person without learning who it is."""
        self.db = db
        self.config = sync_config
        self.box_id = box_id
        self.dir = Path(home) / "sync"
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self.key = signing_key or load_or_create_private_key(self.dir / "box_ed25519.pem")
        self._pseudonym = pseudonym
        pkey_path = self.dir / "pseudonym.key"
        if pseudonym is None and not pkey_path.exists():
            write_private(pkey_path, secrets.token_bytes(32))
        self._pseudonym_key = pkey_path.read_bytes() if pseudonym is None else b""
        self._lock = threading.RLock()
        self.wakeup = threading.Event()  # set on new outbox data or an ack
        self.channels: dict[str, object] = {}
        self._bytes_per_entry = 0.0  # from the last big batch: sizes the next one in one go
        self.health_probe = health_probe  # () -> {subsystem: ok}, sent with the status message
        self.update_receiver = None  # appliance/sync/updates.py, set by the feature's setup

    # -- identity and pairing ---------------------------------------------------------------
    @property
    def public_key(self) -> str:
        return public_text(self.key)

    def hub(self) -> dict | None:
        path = self.dir / "hub.json"
        return json.loads(path.read_text()) if path.exists() else None

    @property
    def paired(self) -> bool:
        return self.hub() is not None

    def pin_hub(self, hub_id: str, public_key: str) -> None:
        public_from_text(public_key)  # refuse garbage before pinning it
        current = self.hub()
        if current and current["public_key"] != public_key:
            raise LinliError("This box is already paired with hub %(hub)s; unpair it first.", hub=current["hub"])
        write_private(self.dir / "hub.json", json.dumps({"hub": hub_id, "public_key": public_key}).encode())
        logger.info("paired with hub %s", hub_id)

    def _hub_key(self):
        hub = self.hub()
        if hub is None:
            raise NotPaired()
        return hub["hub"], public_from_text(hub["public_key"])

    # -- policy and state ---------------------------------------------------------------------
    def policy(self) -> FieldPolicy:
        # The district decides about names and phones once it has said so; until then the box's config.
        district = {row.key: row.value for row in DistrictSetting.select()}
        return FieldPolicy(self._pseudonym_key,
                           bool(district.get("sync.share_names", self.config.share_names)),
                           bool(district.get("sync.share_phones", self.config.share_phones)),
                           bool(district.get("sync.share_plates", self.config.share_plates)),
                           pseudonym=self._pseudonym)

    def acked(self) -> int:
        return int(state.get("acked", 0))

    def sack(self) -> list[list[int]]:
        return state.get("sack", [])

    def down_applied(self) -> int:
        return int(state.get("down_applied", 0))

    def down_ack_owed(self) -> bool:
        """True while the hub's last ack shows fewer applied downlink items than the box has
        applied: the box then sends a signed (empty) batch that carries its ``down_ack``.
        Also after a restore, to learn from the hub's answer where to number on."""
        return self.resync_pending() or self.down_applied() > int(state.get("hub_down_acked", 0))

    # -- after a restore from an older backup ------------------------------------------------------
    def resync_pending(self) -> bool:
        """A restored database numbers its outbox from where the backup was, but the hub may
        hold later entries under those numbers. Until the hub's ack says how far it got, the
        box sends nothing but empty batches (see :meth:`_continue_after`)."""
        return state.get(RESYNC_KEY) is not None

    def _continue_after(self, restored_seq: int, hub_max: int) -> None:
        """Renumber what the box wrote since the restore to follow the hub's highest entry, in
        order, with no gap: nothing the box wrote is lost, nothing the hub has is sent twice."""
        if hub_max > restored_seq:
            seqs = [r.seq for r in OutboxEntry.select(OutboxEntry.seq).where(OutboxEntry.seq > restored_seq)
                    .order_by(OutboxEntry.seq)]
            # Two steps, so no new number meets an old one on the way.
            self.db.execute_sql("UPDATE outbox_entry SET seq = -seq WHERE seq > ?", (restored_seq,))
            for i, old in enumerate(seqs, 1):
                self.db.execute_sql("UPDATE outbox_entry SET seq = ? WHERE seq = ?", (hub_max + i, -old))
            self.db.execute_sql("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'outbox_entry'",
                                (hub_max + len(seqs),))
            logger.warning("restored box: %s entries renumbered to follow the hub's %s", len(seqs), hub_max)
        SyncState.delete().where(SyncState.key == RESYNC_KEY).execute()

    def down_ack_batch(self) -> bytes:
        """An empty uplink batch, signed like any other, carrying the box's downlink ack."""
        data, _entries = self.next_batch(allow_empty=True, after=10**15)
        return data

    def backlog(self) -> int:
        return OutboxEntry.select().where(OutboxEntry.seq > self.acked()).count()

    def over_budget(self) -> bool:
        budget = self.config.data_budget_mb
        return budget > 0 and state.usage_this_month() >= budget * 1_000_000

    # -- uplink -------------------------------------------------------------------------------------
    def pending(self, after: int, limit: int, urgent_only: bool = False) -> list[batchfmt.Entry]:
        """Unacknowledged entries after ``after`` (policy applied), skipping what the hub has."""
        if self.resync_pending():
            return []
        policy = self.policy()
        have = self.sack()
        sql = "SELECT seq, uuid, kind, created_at, payload FROM outbox_entry WHERE seq > ?"
        params: list = [max(after, self.acked())]
        if urgent_only:
            sql += " AND priority <= ?"
            params.append(self.config.urgent_priority)
        sql += " ORDER BY seq LIMIT ?"
        params.append(limit * 2 if have else limit)
        out = []
        # Raw rows: building model instances was a third of the time of a backlog drain.
        for seq, uuid, kind, created, payload in self.db.execute_sql(sql, params):
            if have and any(a <= seq <= b for a, b in have):
                continue
            created_at = datetime.datetime.fromisoformat(created) if isinstance(created, str) else created
            out.append(batchfmt.Entry(seq, uuid, kind, int(created_at.timestamp()), policy.apply(json.loads(payload), kind)))
            if len(out) >= limit:
                break
        return out

    def next_batch(self, after: int = 0, urgent_only: bool = False, allow_empty: bool = False):
        """(bytes, entries) of the next batch after seq ``after``, or None when nothing waits."""
        limit = self.config.batch_max_entries
        if self._bytes_per_entry:
            limit = max(1, min(limit, int(self.config.batch_max_bytes / self._bytes_per_entry * 1.1)))
        entries = self.pending(after, limit, urgent_only)
        if not entries and not allow_empty:
            return None
        built = batchfmt.build(entries, self.box_id, self.key, self.config.batch_max_bytes,
                               down_ack=self.down_applied(), acked=self.acked(), guess=self._bytes_per_entry)
        if len(built[1]) > 50:
            self._bytes_per_entry = len(built[0]) / len(built[1])
        return built

    def verify_own(self, data: bytes) -> None:
        """Raise unless ``data`` is an intact batch signed by this box."""
        env = check(parse(data), self.key.public_key(), UPLINK)
        if env.header.get("box") != self.box_id:
            raise ForeignMessage()
        batchfmt.read(env)

    def _write_tx(self):
        # Take the write lock up front: a deferred transaction that read first cannot
        # upgrade while another thread has written, and SQLite fails it without waiting.
        return self.db.atomic("IMMEDIATE")

    def sent(self, channel: str, data: bytes, entries: list, count_usage: bool) -> None:
        # The in-process lock first: threads queueing on SQLite's busy handler sleep for
        # milliseconds at a time, which halved the drain rate.
        with self._lock, self._write_tx():
            self._sent(channel, data, entries, count_usage)

    def _sent(self, channel: str, data: bytes, entries: list, count_usage: bool) -> None:
        if count_usage:
            state.add_usage(len(data))
        state.log(channel, "up", entries[0].seq if entries else None, entries[-1].seq if entries else None,
                  len(entries), len(data))

    # -- ack ------------------------------------------------------------------------------------------
    def handle_ack(self, data: bytes, channel: str) -> int:
        hub_id, hub_key = self._hub_key()
        env = check(parse(data), hub_key, ACK)
        h = env.header
        if h.get("box") != self.box_id or h.get("hub") != hub_id:
            raise ForeignMessage()
        with self._lock, self._write_tx():
            restored_seq = state.get(RESYNC_KEY)
            if restored_seq is not None:
                hub_max = max([int(h.get("acked", 0))] + [int(b) for _a, b in h.get("ranges", [])])
                self._continue_after(int(restored_seq), hub_max)
            acked = max(self.acked(), int(h.get("acked", 0)))
            ranges = [[int(a), int(b)] for a, b in h.get("ranges", []) if int(b) > acked]
            state.put("acked", acked)
            state.put("sack", ranges)
            try:
                state.put("hub_down_acked", int(h.get("down_acked") or 0))
            except (TypeError, ValueError):
                pass
            state.put("last_contact", int(time.time()))
            state.put("last_contact_channel", channel)
            # Delivered entries are the hub's now; the box keeps only what is still owed.
            OutboxEntry.delete().where(OutboxEntry.seq <= acked).execute()
            state.log(channel, "ack", None, acked, 0, len(data))
        self.wakeup.set()
        return acked

    # -- downlink ---------------------------------------------------------------------------------------
    def handle_downlink(self, data: bytes, channel: str) -> dict:
        hub_id, hub_key = self._hub_key()
        with self._lock:
            result = apply_downlink(self.db, data, hub_id, hub_key, self.box_id, channel)
        if result["applied"]:
            if self.update_receiver is not None:
                self.update_receiver.drop_withdrawn()  # files, outside the downlink's transaction
            state.put("last_contact", int(time.time()))
            self.wakeup.set()  # the next batch or status carries the new down_ack
        return result

    def take_update_chunk(self, name: str, payload: bytes) -> bool:
        """A chunk of an offered update bundle; True when the bundle is whole."""
        with self._lock, self._write_tx():
            return self.update_receiver.take(name, payload)

    # -- status ----------------------------------------------------------------------------------------------
    def status_payload(self) -> dict:
        payload = {"state": "online", "box": self.box_id, "backlog": self.backlog(), "acked": self.acked(),
                   "down_ack": self.down_applied(), "at": int(time.time())}
        if self.health_probe is not None:
            payload["health"] = self.health_probe()
        update = self.update_receiver.report() if self.update_receiver is not None else None
        if update is not None:
            payload["update"] = update  # once staged, the hub clears this box's chunks
        return payload

    def status(self) -> dict:
        hub = self.hub()
        return {
            "box": self.box_id,
            "paired_hub": hub["hub"] if hub else None,
            "acked": self.acked(),
            "backlog": self.backlog(),
            "down_applied": self.down_applied(),
            "last_contact": state.get("last_contact"),
            "last_contact_channel": state.get("last_contact_channel"),
            "bytes_this_month": state.usage_this_month(),
            "budget_bytes": int(self.config.data_budget_mb * 1_000_000),
            "channels": {name: ch.describe() for name, ch in self.channels.items()},
        }
