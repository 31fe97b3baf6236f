"""The per-vote ballot ledger on the box: append under one writer lock, read back as the dicts
:mod:`appliance.votes.chain` checks, export as JSON lines.

Appends run in an IMMEDIATE transaction (SQLite's writer lock, across processes) plus a
thread lock, so reading the head and checking "has this owner voted" cannot race with
another ballot; the partial unique index in the migration backs the rule up.
"""

from __future__ import annotations

import datetime
import json
import threading

from peewee import fn

from appliance.db.models import Vote, VoteEntry
from appliance.votes import chain


def as_dict(e: VoteEntry) -> dict:
    return {"seq": e.seq, "at": e.at.isoformat(sep=" "), "kind": e.kind, "owner": e.owner_key,
            "generation": e.generation, "units": e.units, "choices": e.choices, "channel": e.channel,
            "entered_by": e.entered_by, "confirmed_by": e.confirmed_by, "proxy_doc": e.proxy_doc,
            "evidence": e.evidence, "reverses": e.reverses, "note": e.note, "prev_hash": e.prev_hash,
            "hash": e.hash}


class Ledger:
    def __init__(self, db, clock=None):
        self.db = db
        self.clock = clock or (lambda: datetime.datetime.now().replace(microsecond=0))
        self._lock = threading.Lock()

    def transaction(self):
        return self.db.atomic("IMMEDIATE")

    def append(self, vote: Vote, kind: str, owner: str, **fields) -> VoteEntry:
        """Call inside :meth:`transaction` (with :meth:`lock` held) after checking the rules."""
        last = (VoteEntry.select().where(VoteEntry.vote == vote.id).order_by(VoteEntry.seq.desc()).first())
        seq = 1 if last is None else last.seq + 1
        prev = chain.genesis(str(vote.uuid)) if last is None else last.hash
        at = self.clock().replace(microsecond=0)
        entry = {"seq": seq, "at": at.isoformat(sep=" "), "kind": kind, "owner": owner,
                 "generation": fields.get("generation", 0), "units": fields.get("units", ""),
                 "choices": fields.get("choices", {}), "channel": fields.get("channel", ""),
                 "entered_by": fields.get("entered_by", ""), "confirmed_by": fields.get("confirmed_by", ""),
                 "proxy_doc": fields.get("proxy_doc", ""), "evidence": fields.get("evidence", ""),
                 "reverses": fields.get("reverses"), "note": fields.get("note", "")}
        digest = chain.entry_hash(prev, entry)
        return VoteEntry.create(vote=vote.id, seq=seq, at=at, kind=kind, owner_key=owner,
                                generation=entry["generation"], units=entry["units"], choices=entry["choices"],
                                channel=entry["channel"], entered_by=entry["entered_by"],
                                confirmed_by=entry["confirmed_by"], proxy_doc=entry["proxy_doc"],
                                evidence=entry["evidence"], reverses=entry["reverses"], note=entry["note"],
                                prev_hash=prev, hash=digest)

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def entries(self, vote_id) -> list[dict]:
        return [as_dict(e) for e in VoteEntry.select().where(VoteEntry.vote == vote_id).order_by(VoteEntry.seq)]

    def owner_state(self, vote_id, owner: str) -> tuple[VoteEntry | None, int]:
        """(the owner's ballot that counts or None, the generation a new ballot would get)."""
        rows = list(VoteEntry.select().where(VoteEntry.vote == vote_id, VoteEntry.owner_key == owner)
                    .order_by(VoteEntry.seq))
        reversed_seqs = {e.reverses for e in rows if e.kind == "reversal"}
        generation = sum(1 for e in rows if e.kind == "reversal")
        live = next((e for e in rows if e.kind == "ballot" and e.seq not in reversed_seqs), None)
        return live, generation

    def head(self, vote_id) -> tuple[int, str] | None:
        last = VoteEntry.select().where(VoteEntry.vote == vote_id).order_by(VoteEntry.seq.desc()).first()
        return None if last is None else (last.seq, last.hash)

    def daily_heads(self, vote_id) -> list[dict]:
        """The chain head at the end of each day with entries: what the notice page prints."""
        heads: dict[datetime.date, VoteEntry] = {}
        for e in VoteEntry.select().where(VoteEntry.vote == vote_id).order_by(VoteEntry.seq):
            heads[e.at.date()] = e
        return [{"day": day.isoformat(), "seq": e.seq, "hash": e.hash} for day, e in sorted(heads.items())]

    def count(self, vote_id, kind: str | None = None) -> int:
        q = VoteEntry.select(fn.COUNT(VoteEntry.id)).where(VoteEntry.vote == vote_id)
        if kind:
            q = q.where(VoteEntry.kind == kind)
        return q.scalar() or 0

    def refused(self, vote_id) -> list[VoteEntry]:
        return list(VoteEntry.select().where(VoteEntry.vote == vote_id, VoteEntry.kind == "refused")
                    .order_by(VoteEntry.seq))

    def verify(self, vote: Vote) -> list[str]:
        return chain.verify(str(vote.uuid), self.entries(vote.id))

    def export_lines(self, vote: Vote) -> str:
        return "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in self.entries(vote.id))
