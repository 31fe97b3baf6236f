"""Update bundles the district offers to its boxes. The hub keeps a copy of each offered
bundle (checked against the same trusted keys a box uses) and puts it on every sync stick it
imports, under ``linli/updates/``; the box checks it again, stages it and waits for the
staff's tap (or installs it itself where ``system.auto_update`` is on)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tarfile
from pathlib import Path

from appliance.errors import LinliError
from appliance.i18n import N_
from appliance.system.bundle import MAX_MANIFEST, SUFFIX, BundleRefused, load_trusted_keys, verify
from appliance.sync.updates import CHUNK_BYTES
from appliance.system.stick_updates import STICK_FOLDER

logger = logging.getLogger(__name__)


def _boards(path: Path) -> list[str]:
    try:
        with tarfile.open(path, "r:") as tar:
            member = tar.getmember("manifest.json")
            if member.size > MAX_MANIFEST:
                raise BundleRefused(N_("The update bundle is damaged or incomplete."))
            boards = json.loads(tar.extractfile(member).read()).get("compatible") or []
    except (tarfile.TarError, OSError, KeyError, ValueError, AttributeError) as exc:
        raise BundleRefused(N_("The update bundle is damaged or incomplete.")) from exc
    if not isinstance(boards, list) or not boards or not all(isinstance(b, str) for b in boards):
        raise BundleRefused(N_("The update bundle is damaged or incomplete."))
    return boards


class HubUpdates:
    def __init__(self, home: Path, keys_dir: Path):
        self.folder = Path(home) / "hub" / "updates"
        self.keys_dir = Path(keys_dir)

    def offer(self, path: Path):
        """Check a bundle (signature by a trusted key, payload hash) and keep it for the sticks."""
        path = Path(path)
        if not path.is_file():
            raise BundleRefused(N_("No update bundle at %(path)s."), path=str(path))
        trusted = load_trusted_keys(self.keys_dir)
        if not trusted:
            raise LinliError(N_("No trusted update keys in %(folder)s: the hub only offers bundles the boxes will "
                                "accept."), folder=str(self.keys_dir))
        manifest = verify(path, trusted, _boards(path)[0])
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"linli-{manifest.version}{SUFFIX}"
        part = target.with_name(target.name + ".part")
        shutil.copyfile(path, part)
        os.replace(part, target)
        logger.info("update %s offered to the boxes", manifest.version)
        return manifest

    def withdraw(self, version: str) -> bool:
        target = self.folder / f"linli-{version}{SUFFIX}"
        if not target.exists():
            return False
        target.unlink()
        return True

    def offered(self) -> list[Path]:
        return sorted(self.folder.glob(f"*{SUFFIX}")) if self.folder.is_dir() else []

    def to_stick(self, root: Path) -> list[str]:
        """Copy the offered bundles to the stick (skipping those already there whole); the names
        written. A withdrawn bundle the hub put there earlier is taken off the stick."""
        folder = Path(root) / STICK_FOLDER
        offered = self.offered()
        written = []
        if offered:
            folder.mkdir(parents=True, exist_ok=True)
        for path in offered:
            target = folder / path.name
            if target.exists() and target.stat().st_size == path.stat().st_size:
                continue
            part = target.with_name(target.name + ".part")
            shutil.copyfile(path, part)
            os.replace(part, target)  # a stick pulled mid-copy leaves only a .part the box ignores
            written.append(path.name)
        # Only what the hub itself put there earlier is taken off (staff may carry their own).
        record = folder / ".offered-by-hub.json"
        try:
            earlier = set(json.loads(record.read_text()))
        except (OSError, ValueError, TypeError):
            earlier = set()
        names = {p.name for p in offered}
        for name in earlier - names:
            (folder / name).unlink(missing_ok=True)
        if offered or earlier:
            record.write_text(json.dumps(sorted(names)))
        return written


def send_over_mqtt(updates: HubUpdates, hub, hub_cfg, version: str, box_ids: list[str],
                   client_factory=None, progress=None) -> int:
    """Put an offered bundle on each box's retained chunk topics, then queue the signed
    ``update_offer`` downlink that tells the box to fetch it (chunks first: a box that reads
    the offer at once finds them). Returns the number of boxes. Each box gets its own copy on
    the broker (its ACL reads only its own topics): offer a city in waves (docs/hub.md)."""
    import hashlib

    from appliance.sync.mqtt import make_client
    from appliance.sync.updates import chunk_topic, split

    path = updates.folder / f"linli-{version}{SUFFIX}"
    if not path.is_file():
        raise LinliError(N_("Version %(v)s is not offered."), v=version)
    data = path.read_bytes()
    chunks = split(data)
    offer = {"version": version, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
             "chunks": len(chunks)}
    client = (client_factory or make_client)(f"linli-hub-update-{os.getpid()}", hub_cfg)
    try:
        client.connect(hub_cfg.mqtt_host, hub_cfg.mqtt_port, keepalive=30)
    except OSError as exc:
        raise LinliError(N_("The broker %(broker)s cannot be reached: %(error)s"),
                         broker=f"{hub_cfg.mqtt_host}:{hub_cfg.mqtt_port}", error=str(exc)) from exc
    client.loop_start()
    try:
        for n, box_id in enumerate(box_ids, 1):
            infos = [client.publish(chunk_topic(box_id, version, i), chunk, qos=1, retain=True)
                     for i, chunk in enumerate(chunks)]
            for info in infos:
                info.wait_for_publish(timeout=60)
                if not info.is_published():
                    raise LinliError(N_("The broker %(broker)s did not take the update for %(box)s."),
                                     broker=f"{hub_cfg.mqtt_host}:{hub_cfg.mqtt_port}", box=box_id)
            if progress:
                progress(n, len(box_ids))
    finally:
        client.disconnect()
        client.loop_stop()
    hub.queue_downlink(box_ids, "update_offer", offer, actor="cli")
    logger.info("update %s sent to %s boxes over MQTT", version, len(box_ids))
    return len(box_ids)


def clear_chunks(client, box_id: str, version: str, chunks: int) -> list:
    """Publish empty retained messages over a box's chunk topics: the broker then drops them
    (a 50 MB bundle held for each of 1,000 boxes is 50 GB of broker memory). Returns the
    publish handles (empty for a bad version or count). Never raises when disconnected."""
    from appliance.sync.updates import MAX_BUNDLE_BYTES, VERSION, chunk_topic

    if not VERSION.match(version) or not 0 < chunks <= -(-MAX_BUNDLE_BYTES // CHUNK_BYTES):
        return []
    return [client.publish(chunk_topic(box_id, version, i), b"", qos=1, retain=True) for i in range(chunks)]


def withdraw_over_mqtt(updates: HubUpdates, hub, hub_cfg, version: str, box_ids: list[str],
                       client_factory=None) -> int:
    """Take a withdrawn version's chunks off the broker for ``box_ids`` and queue the signed
    ``update_withdraw`` downlink, so boxes drop what they fetched of it. Call before
    :meth:`HubUpdates.withdraw` (the bundle's size gives the chunk count)."""
    from appliance.sync.mqtt import make_client

    path = updates.folder / f"linli-{version}{SUFFIX}"
    if not path.is_file():
        raise LinliError(N_("Version %(v)s is not offered."), v=version)
    chunks = -(-path.stat().st_size // CHUNK_BYTES)
    client = (client_factory or make_client)(f"linli-hub-update-{os.getpid()}", hub_cfg)
    try:
        client.connect(hub_cfg.mqtt_host, hub_cfg.mqtt_port, keepalive=30)
    except OSError as exc:
        raise LinliError(N_("The broker %(broker)s cannot be reached: %(error)s"),
                         broker=f"{hub_cfg.mqtt_host}:{hub_cfg.mqtt_port}", error=str(exc)) from exc
    client.loop_start()
    try:
        for box_id in box_ids:
            for info in clear_chunks(client, box_id, version, chunks):
                info.wait_for_publish(timeout=60)
    finally:
        client.disconnect()
        client.loop_stop()
    hub.queue_downlink(box_ids, "update_withdraw", {"version": version}, actor="cli")
    logger.info("update %s withdrawn from %s boxes over MQTT", version, len(box_ids))
    return len(box_ids)
