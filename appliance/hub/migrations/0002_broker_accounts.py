"""Per-box broker accounts: the mosquitto password hash of each paired box (PBKDF2-SHA512,
the password file's own format). The password itself is handed out once at pairing and
never stored; ``linli hub broker-config`` writes the broker's files from these hashes."""

from peewee import TextField

atomic = True


def up(migrator, db):
    migrator.migrate(migrator.add_column("hub_box", "mqtt_hash", TextField(default="")))
