"""Tenants' written proxies (书面委托): an owner signs a proxy letting a tenant vote for them;
staff record it (the document's reference, its scan kept as evidence) and the tenant may then
cast the owner's ballot on their own phone (/me). The ballot names the proxy it was cast under.
A proxy can be revoked, with the reason, until a ballot was cast under it; after that the
ballot stands and only a reversal in the ledger corrects it.

Only tenants living in the unit are proxy holders here: family members vote through the owner,
and anyone else is handled on paper (the ``proxy`` channel, typed in and checked by two staff).
"""

from __future__ import annotations

import logging

from peewee import IntegrityError

from appliance.db.base import find
from appliance.db.models import Household, Resident, Vote, VoteEntry, VoteProxy, VoteRoll
from appliance.errors import Conflict, NotFound, ValidationError
from appliance.validation import clean_int, clean_text

logger = logging.getLogger(__name__)


def proxy_doc(proxy: VoteProxy) -> str:
    """What the ledger records for a ballot cast under this proxy."""
    return f"书面委托 #{proxy.id}：{proxy.document}"[:200]


class Proxies:
    def __init__(self, db, audit, roll, ledger, keep_scan, clock):
        self.db, self.audit, self.roll, self.ledger, self.clock = db, audit, roll, ledger, clock
        self.keep_scan = keep_scan  # (bytes | None, required) -> evidence file name

    def _current(self, resident: Resident) -> bool:
        return resident.move_out is None or resident.move_out > self.clock().date()

    def tenants(self, vote_id) -> list[tuple[VoteRoll, Resident]]:
        """Who could hold a proxy: current tenants of a unit on the roll, with that unit's row."""
        ordered = self.roll.rows(vote_id)
        order = {r.id: i for i, r in enumerate(ordered)}
        rows = {r.unit_id: r for r in ordered if r.unit_id is not None}
        out = []
        ids = list(rows)
        for start in range(0, len(ids), 500):
            for t in (Resident.select(Resident, Household).join(Household)
                      .where(Household.unit.in_(ids[start:start + 500]), Resident.role == "tenant")
                      .order_by(Resident.id)):
                if self._current(t):
                    out.append((rows[t.household.unit_id], t))
        return sorted(out, key=lambda p: order[p[0].id])

    def record(self, vote_id, data: dict, scan: bytes | None, actor: str) -> VoteProxy:
        vote = find(Vote, vote_id)
        if vote is None:
            raise NotFound("No such vote.")
        if vote.status not in ("roll", "open"):
            raise Conflict("A proxy can be recorded while the roll is published or the vote is open.")
        resident_id = clean_int(data.get("resident"), "resident", min=1)
        tenant = find(Resident, resident_id) if resident_id else None
        if tenant is None:
            raise ValidationError("Choose the tenant who holds the proxy.", field="resident")
        row = VoteRoll.get_or_none(VoteRoll.vote == vote.id, VoteRoll.unit == tenant.household.unit_id)
        if tenant.role != "tenant" or not self._current(tenant) or row is None:
            raise ValidationError("Only a tenant living in a unit on this roll can hold a proxy for it.",
                                  field="resident")
        document = clean_text(data.get("document"), "document", required=True, max_len=150)
        evidence = self.keep_scan(scan, False)
        try:
            with self.db.atomic():
                if VoteProxy.select().where(VoteProxy.vote == vote.id, VoteProxy.roll == row.id,
                                            VoteProxy.revoked_at.is_null()).exists():
                    raise Conflict("This unit already has a proxy; revoke it first.")
                proxy = VoteProxy.create(vote=vote.id, roll=row.id, resident=tenant.id, document=document,
                                         evidence=evidence, recorded_by=actor, recorded_at=self.clock())
                self.audit.record(actor, "proxy_recorded", "vote", vote.id,
                                  {"unit": f"{row.building} {row.number}", "proxy": proxy.id})
        except IntegrityError:  # two people recording one at the same moment: the unique index decides
            raise Conflict("This unit already has a proxy; revoke it first.") from None
        return proxy

    def live_for(self, vote_id, resident: Resident) -> VoteProxy | None:
        """The proxy this tenant holds in this vote now, if any."""
        if resident.role != "tenant" or not self._current(resident):
            return None
        return (VoteProxy.select().where(VoteProxy.vote == vote_id, VoteProxy.resident == resident.id,
                                         VoteProxy.revoked_at.is_null()).order_by(VoteProxy.id).first())

    def still_live(self, proxy_id) -> bool:
        proxy = find(VoteProxy, proxy_id)
        return proxy is not None and proxy.revoked_at is None

    def used(self, proxy: VoteProxy) -> bool:
        return VoteEntry.select().where(VoteEntry.vote == proxy.vote_id, VoteEntry.kind == "ballot",
                                        VoteEntry.proxy_doc == proxy_doc(proxy)).exists()

    def revoke(self, vote_id, proxy_id, reason, actor: str) -> VoteProxy:
        proxy = find(VoteProxy, proxy_id)
        if proxy is None or proxy.vote_id != int(vote_id) or proxy.revoked_at is not None:
            raise NotFound("No such proxy.")
        note = clean_text(reason, "reason", required=True, max_len=200)
        with self.ledger.lock, self.ledger.transaction():  # no ballot can slip in while revoking
            if self.used(proxy):
                raise Conflict("A ballot was already cast with this proxy; it stands (a mistake is corrected by a "
                               "reversal in the ledger).")
            proxy.revoked_at, proxy.revoked_by, proxy.revoke_reason = self.clock(), actor, note
            proxy.save()
        self.audit.record(actor, "proxy_revoked", "vote", proxy.vote_id, {"proxy": proxy.id, "reason": note})
        return proxy

    def list(self, vote_id) -> list[VoteProxy]:
        return list(VoteProxy.select().where(VoteProxy.vote == vote_id).order_by(VoteProxy.id.desc()))
