"""The community register: buildings, units, households, residents and their vehicles."""

from peewee import (AutoField, BooleanField, CharField, DateField, DateTimeField, DecimalField,
                    ForeignKeyField, IntegerField, TextField)

from appliance.db.base import SyncedModel, now, register

RESIDENT_ROLES = ("owner", "tenant", "family")


@register
class Building(SyncedModel):
    id = AutoField()
    name = CharField(unique=True)  # e.g. "3号楼"
    address = CharField(default="")
    floors = IntegerField(null=True)


@register
class Unit(SyncedModel):
    id = AutoField()
    building = ForeignKeyField(Building, backref="units", on_delete="RESTRICT")
    number = CharField()  # e.g. "2单元301"
    floor = IntegerField(null=True)
    area_m2 = DecimalField(max_digits=8, decimal_places=2, null=True)
    surveyed_area_m2 = DecimalField(max_digits=8, decimal_places=2, null=True)  # 测绘面积, when not registered
    contract_area_m2 = DecimalField(max_digits=8, decimal_places=2, null=True)  # 合同面积, the last fallback

    class Meta:
        indexes = ((("building", "number"), True),)


@register
class Household(SyncedModel):
    id = AutoField()
    unit = ForeignKeyField(Unit, backref="households", on_delete="RESTRICT")
    name = CharField(default="")
    notes = TextField(default="")


@register
class Resident(SyncedModel):
    id = AutoField()
    name = CharField()
    phone = CharField(default="")
    household = ForeignKeyField(Household, backref="residents", on_delete="RESTRICT")
    role = CharField(default="owner")
    move_in = DateField(null=True)
    move_out = DateField(null=True)
    birth_year = IntegerField(null=True)
    living_alone_elderly = BooleanField(default=False)
    minor = BooleanField(default=False)
    disability = BooleanField(default=False)
    notes = TextField(default="")
    created_at = DateTimeField(default=now)
    updated_at = DateTimeField(default=now)


@register
class Vehicle(SyncedModel):
    id = AutoField()
    plate = CharField(unique=True)
    resident = ForeignKeyField(Resident, backref="vehicles", on_delete="CASCADE")
    kind = CharField(default="")  # plate kind from validation
    notes = TextField(default="")
