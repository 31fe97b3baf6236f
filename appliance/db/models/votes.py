"""Owners' votes (民法典 art. 278): the vote, its matters, the per-unit roll, the hash-chained
ballot ledger and paper ballots waiting for a second person's check."""

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from appliance.db.base import BaseModel, JSONField, SyncedModel, now, register
from appliance.db.models.registry import Resident, Unit


@register
class Vote(SyncedModel):
    id = AutoField()
    title = CharField()
    body = TextField(default="")
    scope = JSONField(default=list)  # building names; empty = the whole community
    rule = CharField(default="strict")  # strict | silent (non-voters count with the majority)
    warning = TextField(default="")  # the ballot's warning of the silent rule
    scrutineers = CharField(default="")
    status = CharField(default="draft")  # draft, roll, open, closed, preliminary, final
    opens_at = DateTimeField(null=True)
    closes_at = DateTimeField(null=True)
    correction_until = DateTimeField(null=True)
    objection_until = DateTimeField(null=True)
    created_by = CharField(default="")
    created_at = DateTimeField(default=now)
    result = JSONField(null=True)  # frozen at the preliminary notice


@register
class VoteMatter(BaseModel):
    id = AutoField()
    vote = ForeignKeyField(Vote, backref="matters", on_delete="CASCADE")
    position = IntegerField()
    title = CharField()
    item = IntegerField()  # art. 278 item 1..9
    kind = CharField(default="choice")  # choice | election (committee seats)
    seats = IntegerField(default=0)  # election: how many seats
    candidates = JSONField(default=list)  # election: candidate names, numbered from 1 in this order

    @property
    def is_election(self) -> bool:
        return self.kind == "election"


@register
class VoteRoll(BaseModel):
    id = AutoField()
    vote = ForeignKeyField(Vote, backref="roll", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL")
    building = CharField()
    number = CharField()
    area = IntegerField()  # 0.01 m²
    owner_key = CharField()  # the same key on several units is one owner
    owner_label = CharField(default="")  # for staff only; never public, never in the ledger
    delivered_at = DateTimeField(null=True)
    delivered_how = CharField(default="")  # signed | read_on_me
    delivered_by = CharField(default="")
    area_source = CharField(default="register")  # register | surveyed | contract


@register
class VoteEntry(BaseModel):
    """The ledger: append-only, one hash chain per vote; a correction is a reversal entry."""

    id = AutoField()
    vote = ForeignKeyField(Vote, backref="entries", on_delete="RESTRICT")
    seq = IntegerField()
    at = DateTimeField()
    kind = CharField()  # ballot | refused | reversal
    owner_key = CharField()
    generation = IntegerField(default=0)  # reversals of this owner before this ballot
    units = CharField(default="")
    choices = JSONField(default=dict)  # matter position (str) -> yes|no|abstain|invalid
    channel = CharField(default="")  # phone | kiosk | paper | proxy
    entered_by = CharField(default="")
    confirmed_by = CharField(default="")
    proxy_doc = CharField(default="")
    evidence = CharField(default="")  # sha256 of the scanned paper or proxy document
    reverses = IntegerField(null=True)
    note = CharField(default="")
    prev_hash = CharField()
    hash = CharField()


@register
class VotePaper(BaseModel):
    """A paper ballot typed in by one person, waiting for a second to check it (两人核对)."""

    id = AutoField()
    vote = ForeignKeyField(Vote, backref="papers", on_delete="CASCADE")
    roll = ForeignKeyField(VoteRoll, on_delete="CASCADE")
    choices = JSONField(default=dict)
    channel = CharField(default="paper")  # paper | proxy
    proxy_doc = CharField(default="")
    evidence = CharField(default="")  # file name under votes/evidence (its sha256)
    entered_by = CharField()
    entered_at = DateTimeField(default=now)
    status = CharField(default="pending")  # pending | confirmed | rejected
    decided_by = CharField(default="")
    decided_at = DateTimeField(null=True)
    reason = CharField(default="")


@register
class VoteProxy(BaseModel):
    """A written proxy (书面委托) from a unit's owner to a tenant, recorded by staff: the tenant
    may then cast the owner's ballot on /me. Revoked proxies stay, with who and why."""

    id = AutoField()
    vote = ForeignKeyField(Vote, backref="proxies", on_delete="CASCADE")
    roll = ForeignKeyField(VoteRoll, on_delete="CASCADE")
    resident = ForeignKeyField(Resident, on_delete="CASCADE")
    document = CharField()
    evidence = CharField(default="")
    recorded_by = CharField()
    recorded_at = DateTimeField(default=now)
    revoked_at = DateTimeField(null=True)
    revoked_by = CharField(default="")
    revoke_reason = CharField(default="")


@register
class VoteObjection(BaseModel):
    """An objection (询异) to the preliminary result notice, as the property office received it:
    the unit it concerns (a unit number, never a name), what was said, and the answer. The final
    result waits until every objection is answered."""

    id = AutoField()
    vote = ForeignKeyField(Vote, backref="objections", on_delete="RESTRICT")
    unit = CharField(default="")
    text = TextField()
    received_by = CharField()
    received_at = DateTimeField(default=now)
    outcome = CharField(default="")  # "" (waiting) | upheld | dismissed
    answer = TextField(default="")
    answered_by = CharField(default="")
    answered_at = DateTimeField(null=True)
