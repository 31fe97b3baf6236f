"""The [hub] section of config.toml (kept beside the feature; appliance.config includes it)."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.configfield import setting as _setting


@dataclass
class HubConfig:
    enabled: bool = _setting(False, "This machine is a district hub: serve the district pages from its database.")
    id: str = _setting("hub", "Name of this district hub, written into what it signs.")
    db_url: str = _setting("", "Hub database: empty means hub.db (SQLite) in the data dir; "
                              "postgresql://user:pass@host:port/db for district or city scale.")
    mqtt_host: str = _setting("127.0.0.1", "MQTT broker the hub workers subscribe to.")
    mqtt_port: int = _setting(1883, "MQTT broker port.", min=1, max=65535)
    mqtt_tls: bool = _setting(False, "Connect to the broker with TLS.")
    mqtt_ca_file: str = _setting("", "CA certificate file for TLS; empty uses the system's CAs.")
    mqtt_username: str = _setting("", "MQTT user name.")
    mqtt_password: str = _setting("", "MQTT password.")
    share_group: str = _setting("linli-hub", "Shared-subscription group; workers in one group split the boxes' load.")
    worker_id: str = _setting("", "This worker's MQTT client id suffix; empty means the host name and process id.")
    session_expiry_s: int = _setting(60, "Seconds the broker keeps a disconnected worker's session (and its share of "
                                        "the boxes' messages); brokers keep routing to it meanwhile.", min=0,
                                    max=86400)
    retention: str = _setting("", "Days raw entries are kept on the hub, per kind: access.event=400, *=3650 (* is "
                             "every other kind; 0 or empty keeps them for ever). Day counts are always kept.")
    partitions_ahead: int = _setting(3, "PostgreSQL: months of entry partitions the workers make ahead of this one "
                                        "(at start and daily); retention drops whole expired months.", min=1, max=24)
