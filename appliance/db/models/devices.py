"""Devices (设备): street-lamp circuits and sensors in one registry, their hourly reading
aggregates (the only readings written to the SD card), and manual lamp overrides."""

from peewee import (AutoField, BooleanField, CharField, CompositeKey, DateTimeField, FloatField,
                    ForeignKeyField, IntegerField)

from appliance.db.base import BaseModel, JSONField, SyncedModel, now, register

KINDS = ("lamp", "water_leak", "smoke", "door", "tilt", "garbage", "climate", "sos", "meter")


@register
class Device(SyncedModel):
    id = AutoField()
    name = CharField(unique=True)  # the Zigbee2MQTT friendly name, or the lamp circuit's name
    kind = CharField()
    source = CharField(default="zigbee2mqtt")  # zigbee2mqtt, gpio (lamps), modbus
    place = CharField(default="")  # "3号楼东侧" — the words on the work order
    plan_x = FloatField(null=True)
    plan_y = FloatField(null=True)
    interval_s = IntegerField(default=3600)  # expected report interval; silent after 3x
    responsible = CharField(default="")  # the person a work order goes to
    watts = FloatField(default=0)  # lamps: the circuit's load, for kWh
    settings = JSONField(default=dict)  # per-device rule limits and pins
    active = BooleanField(default=True)
    battery = FloatField(null=True)
    linkquality = IntegerField(null=True)
    last_seen = DateTimeField(null=True)
    last_state = JSONField(default=dict)  # the last normalised reading
    online = BooleanField(null=True)  # Zigbee2MQTT's availability; None = not told
    created_at = DateTimeField(default=now)
    updated_at = DateTimeField(default=now)


@register
class DeviceHour(BaseModel):
    device = ForeignKeyField(Device, backref="hours", on_delete="CASCADE")
    metric = CharField()  # temperature, fill, on_s, ...
    hour = DateTimeField()  # local time, minute 0
    n = IntegerField(default=0)
    total = FloatField(default=0)
    low = FloatField(null=True)
    high = FloatField(null=True)
    last = FloatField(null=True)

    class Meta:
        table_name = "device_hour"
        primary_key = CompositeKey("device", "metric", "hour")
        without_rowid = True


@register
class LampOverride(BaseModel):
    id = AutoField()
    device = ForeignKeyField(Device, backref="overrides", on_delete="CASCADE")
    on = BooleanField()
    level = FloatField(default=1.0)
    until = DateTimeField()
    actor = CharField(default="")
    reason = CharField(default="")
    created_at = DateTimeField(default=now)
    cancelled = BooleanField(default=False)
