"""Hub service: verify, store once, ack; queue and sign downlink.

A batch is refused as a whole when its signature, length, box or sequence numbers are
wrong, or when it disagrees with what is already stored (same (box, seq), another uuid);
refusal is recorded in the batch log and nothing of the batch is stored.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import os
import threading
from pathlib import Path

from appliance.errors import LinliError
from appliance.hub.broker import check_box_id, new_password, password_hash
from appliance.hub import ingest
from appliance.hub.ingest import Checked, Receipt, RefusedBatch
from appliance.hub.models import HubBatch, HubBox, HubBoxDay, HubDownlink, HubEntry, HubPairCode
from appliance.sync import batch as batchfmt
from appliance.sync import downlink as downfmt
from appliance.sync.envelope import ACK, SCHEMA_VERSION, UPLINK, check, pack, parse
from appliance.sync.keys import load_or_create_private_key, public_from_text, public_text

logger = logging.getLogger(__name__)


class HubService:
    def __init__(self, db, hub_id: str, home: Path):
        self.db = db
        self.hub_id = hub_id
        self.dir = Path(home) / "hub"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.key = load_or_create_private_key(self.dir / "hub_ed25519.pem")
        self._keys: dict[str, object] = {}
        self._lock = threading.Lock()

    @property
    def public_key(self) -> str:
        return public_text(self.key)

    # -- boxes and pairing ----------------------------------------------------------------------
    def register_box(self, box_id: str, public_key: str, name: str = "") -> str | None:
        """Pair a box; a new box gets its own broker login, whose password is returned
        (and left for the installer in ``hub/box-logins/``); only its hash is kept."""
        check_box_id(box_id)
        public_from_text(public_key)
        password = None
        with self.db.atomic():
            existing = HubBox.get_or_none(HubBox.box_id == box_id)
            if existing and existing.public_key != public_key:
                raise LinliError("Box %(box)s is already paired with another key.", box=box_id)
            if existing is None:
                password = new_password()
                HubBox.create(box_id=box_id, public_key=public_key, name=name, mqtt_hash=password_hash(password))
        if password:
            self._leave_login(box_id, password)
        logger.info("box %s paired", box_id)
        return password

    def new_box_login(self, box_id: str) -> str:
        """A new broker password for a paired box (lost, leaked, or paired before logins)."""
        password = new_password()
        if not HubBox.update(mqtt_hash=password_hash(password)).where(HubBox.box_id == box_id).execute():
            raise LinliError("Box %(box)s is not paired with this hub.", box=box_id)
        self._leave_login(box_id, password)
        return password

    def login_file(self, box_id: str) -> Path:
        return self.dir / "box-logins" / f"{box_id}.toml"

    def _leave_login(self, box_id: str, password: str) -> None:
        path = self.login_file(box_id)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(f'# The broker login of box {box_id}: copy into the box\'s config.toml.\n'
                    f'[sync]\nmqtt_username = "{box_id}"\nmqtt_password = "{password}"\n')
        os.replace(tmp, path)

    def broker_accounts(self) -> list[tuple[str, str]]:
        return list(HubBox.select(HubBox.box_id, HubBox.mqtt_hash).order_by(HubBox.box_id).tuples())

    def new_pair_code(self) -> str:
        """A one-time code for pairing a box over MQTT; valid for a day."""
        from appliance.sync.paircode import code_key

        code = "%04d-%04d" % (secrets.randbelow(10**4), secrets.randbelow(10**4))
        HubPairCode.create(code_hash=code_key(code).hex())
        return code

    def pair_by_code(self, request: dict) -> bytes | None:
        """Register the box if its request is MACed with an unused code; returns the reply."""
        from appliance.sync.paircode import check_box_request, hub_reply

        since = datetime.datetime.now() - datetime.timedelta(days=1)
        with self._tx():
            for row in HubPairCode.select().where(HubPairCode.used_by.is_null(), HubPairCode.created_at >= since):
                key = bytes.fromhex(row.code_hash)
                if check_box_request(key, request):
                    self.register_box(str(request["box"]), str(request["public_key"]), str(request.get("name", "")))
                    row.used_by = str(request["box"])
                    row.save()
                    return hub_reply(key, self.hub_id, self.public_key, str(request["box"]))
        logger.warning("pairing request from %s with no valid code", request.get("box"))
        return None

    def _box_key(self, box_id: str):
        key = self._keys.get(box_id)
        if key is None:
            box = HubBox.get_or_none(HubBox.box_id == box_id)
            if box is None:
                return None
            key = self._keys[box_id] = public_from_text(box.public_key)
        return key

    # -- uplink --------------------------------------------------------------------------------------------
    def receive(self, data: bytes, channel: str, topic_box: str | None = None) -> Receipt:
        return self.receive_many([(data, channel, topic_box)])[0]

    def receive_many(self, messages: list[tuple[bytes, str, str | None]]) -> list[Receipt]:
        """Check each (data, channel, topic box), then store every good batch in one
        transaction (:mod:`appliance.hub.ingest`); a receipt per message, in order."""
        receipts: dict[int, Receipt] = {}
        checked, refused = [], []
        for i, (data, channel, topic_box) in enumerate(messages):
            digest = hashlib.sha256(data).hexdigest()
            box_id = "?"
            try:
                env = parse(data)
                box_id = str(env.header.get("box", "?"))
                if topic_box is not None and topic_box != box_id:
                    raise RefusedBatch(reason="sent on another box's topic")
                key = self._box_key(box_id)
                if key is None:
                    raise RefusedBatch(reason="unknown box")
                check(env, key, UPLINK)
                entries = batchfmt.read(env)
                try:
                    down_ack = int(env.header.get("down_ack") or 0)
                except (TypeError, ValueError):
                    raise RefusedBatch(reason="bad down_ack") from None
                checked.append(Checked(i, box_id, env.header, entries, digest, channel, down_ack))
            except LinliError as exc:
                reason = exc.message() if not isinstance(exc, RefusedBatch) else exc.params["reason"]
                receipts[i] = Receipt(box_id, "refused", reason=reason)
                refused.append({"box": box_id[:100], "digest": digest, "channel": channel, "status": "refused",
                                "reason": reason})
        if checked:
            receipts.update(ingest.store(self.db, checked))
        if refused:
            with self.db.atomic():
                HubBatch.insert_many(refused).execute()
        for i, r in receipts.items():
            if r.status == "refused":
                logger.warning("refused batch from %s via %s: %s", r.box, messages[i][1], r.reason)
        return [receipts[i] for i in range(len(messages))]

    def _tx(self):
        return ingest.transaction(self.db)

    def ack_from(self, receipt: Receipt) -> bytes:
        """The signed ack for what a store just saw (no query)."""
        header = {"v": SCHEMA_VERSION, "hub": self.hub_id, "box": receipt.box, "acked": receipt.acked,
                  "ranges": receipt.ranges, "down_acked": receipt.down_acked}
        return pack(ACK, header, b"", self.key)

    def ack_bytes(self, box_id: str, ranges: list | None = None) -> bytes:
        box = HubBox.get(HubBox.box_id == box_id)
        if ranges is None:
            _acked, ranges = ingest.advance({box_id: box})[box_id]
        header = {"v": SCHEMA_VERSION, "hub": self.hub_id, "box": box_id, "acked": box.acked, "ranges": ranges,
                  "down_acked": box.down_acked}
        return pack(ACK, header, b"", self.key)

    # -- status from boxes -------------------------------------------------------------------------------
    def box_status(self, box_id: str, payload: dict | None) -> None:
        """The box's retained MQTT status: unsigned, so anyone who may publish on the broker
        can write it. It is only shown (online, backlog, health); nothing the hub delivers
        depends on it. The box's downlink ack counts only inside a signed batch."""
        if not (payload is None or isinstance(payload, dict)):
            return
        # Only the status columns: a whole-row save from a read taken earlier could write back
        # an older ``acked`` than the one a batch just stored (they run in different threads).
        if payload is None:
            changes = {HubBox.online: "offline"}
        else:
            changes = {HubBox.online: "online", HubBox.last_seen: datetime.datetime.now(), HubBox.last_channel: "mqtt"}
            try:
                changes[HubBox.backlog] = max(0, min(int(payload.get("backlog", 0)), 2**31 - 1))
            except (TypeError, ValueError):
                pass
            health = payload.get("health")
            if isinstance(health, dict):
                changes[HubBox.health] = health
        HubBox.update(changes).where(HubBox.box_id == box_id).execute()

    def box_statuses(self, statuses: dict[str, dict | None], chunk: int = 50) -> None:
        """Many boxes' newest statuses, a few dozen per transaction so no batch waits long on
        a box row they hold."""
        items = sorted(statuses.items())  # the order batches lock box rows in: no deadlock
        for i in range(0, len(items), chunk):
            with self.db.atomic():
                for box_id, payload in items[i:i + chunk]:
                    self.box_status(box_id, payload)

    # -- downlink -------------------------------------------------------------------------------------------
    def queue_downlink(self, box_ids: list[str], kind: str, data: dict, actor: str = "") -> int:
        if kind not in downfmt.KINDS:
            raise LinliError("Unknown downlink kind %(kind)s.", kind=kind)
        with self.db.atomic():
            for box_id in box_ids:
                last = HubDownlink.select(HubDownlink.seq).where(HubDownlink.box == box_id) \
                    .order_by(HubDownlink.seq.desc()).limit(1).scalar() or 0
                HubDownlink.create(box=box_id, seq=last + 1, kind=kind, data=data, created_by=actor)
        return len(box_ids)

    def pending_downlink(self, box_id: str) -> tuple[int, list[dict]]:
        box = HubBox.get(HubBox.box_id == box_id)
        rows = HubDownlink.select().where(HubDownlink.box == box_id, HubDownlink.seq > box.down_acked) \
            .order_by(HubDownlink.seq).limit(500)
        return box.down_acked, [{"s": r.seq, "k": r.kind, "d": r.data} for r in rows]

    def downlink_heads(self) -> dict[str, tuple[int, int]]:
        """For every box in one query: (down_acked, newest queued seq or 0 when all applied),
        the marker a worker compares with what it last published."""
        from peewee import JOIN, fn

        newest = fn.COALESCE(fn.MAX(HubDownlink.seq), 0)
        q = (HubBox.select(HubBox.box_id, HubBox.down_acked, newest)
             .join(HubDownlink, JOIN.LEFT_OUTER, on=(HubDownlink.box == HubBox.box_id))
             .group_by(HubBox.box_id, HubBox.down_acked).tuples())
        return {box: (acked, top if top > acked else 0) for box, acked, top in q}

    def downlink_bytes(self, box_id: str) -> bytes | None:
        _acked, items = self.pending_downlink(box_id)
        if not items:
            return None
        return downfmt.build(items, self.hub_id, box_id, self.key)

    # -- views ------------------------------------------------------------------------------------------------
    def boxes(self, limit: int = 0, offset: int = 0) -> list[HubBox]:
        q = HubBox.select().order_by(HubBox.box_id)
        return list(q.limit(limit).offset(offset)) if limit else list(q)

    def entry_count(self, box_id: str | None = None) -> int:
        q = HubEntry.select()
        if box_id:
            q = q.where(HubEntry.box == box_id)
        return q.count()

    def events(self, kind: str | None = None, box_id: str | None = None, limit: int = 200, offset: int = 0):
        q = HubEntry.select().order_by(HubEntry.at.desc(), HubEntry.box, HubEntry.seq.desc())
        if kind:
            q = q.where(HubEntry.kind == kind)
        if box_id:
            q = q.where(HubEntry.box == box_id)
        return list(q.limit(limit).offset(offset)) if limit else list(q)

    def iter_events(self, kind: str | None = None, box_id: str | None = None, since=None, until=None,
                    chunk: int = 5000):
        """Every matching entry, oldest first, read in keyset pages of ``chunk`` rows: an export
        of a month or a year holds one page in memory (a plain cursor would fetch it all)."""
        from peewee import Tuple

        last = None
        while True:
            q = HubEntry.select().order_by(HubEntry.at, HubEntry.box, HubEntry.seq).limit(chunk)
            if kind:
                q = q.where(HubEntry.kind == kind)
            if box_id:
                q = q.where(HubEntry.box == box_id)
            if since is not None:
                q = q.where(HubEntry.at >= since)
            if until is not None:
                q = q.where(HubEntry.at < until)
            if last is not None:
                q = q.where(Tuple(HubEntry.at, HubEntry.box, HubEntry.seq) > Tuple(*last))
            rows = list(q)
            yield from rows
            if len(rows) < chunk:
                return
            last = (rows[-1].at, rows[-1].box, rows[-1].seq)

    def kinds(self) -> list[str]:
        # Kinds that still have raw rows to show. A skip scan over the (kind, at) index: one probe per kind, however many entries.
        cursor = self.db.execute_sql(
            "WITH RECURSIVE k(kind) AS (SELECT MIN(kind) FROM hub_entry UNION ALL "
            "SELECT (SELECT MIN(kind) FROM hub_entry WHERE kind > k.kind) FROM k WHERE k.kind IS NOT NULL) "
            "SELECT kind FROM k WHERE kind IS NOT NULL")
        return [k for (k,) in cursor.fetchall()]

    def overview(self, limit: int = 0, offset: int = 0) -> list[dict]:
        """Every box with its stored entries and downlink items not yet applied, in two
        queries whatever the number of boxes or entries (the boxes' running totals, downlink heads)."""
        heads = self.downlink_heads()
        # Downlink seqs of a box are contiguous (queue_downlink adds last + 1), so the
        # newest queued minus the box's ack is what it has not applied yet.
        return [{"box": box, "entries": box.entries,
                 "down_pending": max(0, heads.get(box.box_id, (0, 0))[1] - box.down_acked)}
                for box in self.boxes(limit, offset)]

    def recent_batches(self, limit: int = 50) -> list[HubBatch]:
        return list(HubBatch.select().order_by(HubBatch.id.desc()).limit(limit))

    def downlinks(self, limit: int = 100) -> list[HubDownlink]:
        return list(HubDownlink.select().order_by(HubDownlink.created_at.desc(), HubDownlink.seq.desc()).limit(limit))
