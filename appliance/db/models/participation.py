"""Before a vote: 有话要说 suggestions and e协商 consultations."""

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from appliance.db.base import BaseModel, SyncedModel, now, register
from appliance.db.models.registry import Household
from appliance.db.models.votes import Vote


@register
class Suggestion(SyncedModel):
    id = AutoField()
    household = ForeignKeyField(Household, null=True, on_delete="SET NULL")
    building = CharField(default="")  # shown as "3号楼住户", never a name
    text = TextField()
    photo = CharField(default="")
    status = CharField(default="pending")  # pending | published | declined | merged
    reply = TextField(default="")
    reason = CharField(default="")
    merged_into = ForeignKeyField("self", null=True, on_delete="SET NULL")
    created_by = CharField(default="")
    created_at = DateTimeField(default=now)
    moderated_by = CharField(default="")
    moderated_at = DateTimeField(null=True)


@register
class SuggestionSupport(BaseModel):
    id = AutoField()
    suggestion = ForeignKeyField(Suggestion, backref="supports", on_delete="CASCADE")
    household = ForeignKeyField(Household, on_delete="CASCADE")
    created_at = DateTimeField(default=now)


@register
class Consultation(SyncedModel):
    id = AutoField()
    topic = CharField()
    background = TextField(default="")
    closes_at = DateTimeField(null=True)
    status = CharField(default="open")  # open | closed (with its summary)
    summary = TextField(default="")
    vote = ForeignKeyField(Vote, null=True, on_delete="SET NULL")
    created_by = CharField(default="")
    created_at = DateTimeField(default=now)


@register
class ConsultationProposal(BaseModel):
    id = AutoField()
    consultation = ForeignKeyField(Consultation, backref="proposals", on_delete="CASCADE")
    position = IntegerField()
    text = CharField()
    item = IntegerField(default=9)


@register
class ConsultationComment(BaseModel):
    id = AutoField()
    consultation = ForeignKeyField(Consultation, backref="comments", on_delete="CASCADE")
    household = ForeignKeyField(Household, null=True, on_delete="SET NULL")
    building = CharField(default="")
    text = TextField()
    created_at = DateTimeField(default=now)


@register
class ProposalSupport(BaseModel):
    id = AutoField()
    proposal = ForeignKeyField(ConsultationProposal, backref="supports", on_delete="CASCADE")
    household = ForeignKeyField(Household, on_delete="CASCADE")
    created_at = DateTimeField(default=now)
