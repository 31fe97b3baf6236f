"""The hub's side of a USB stick: import every box's batches, write acks and downlink back."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from appliance.sync import usbfiles
from appliance.sync.usb import up_files
from appliance.sync.usbfiles import AtomicWriter

logger = logging.getLogger(__name__)


def import_stick(hub, root: Path, writer: AtomicWriter | None = None) -> dict:
    writer = writer or AtomicWriter()
    base = Path(root) / "linli"
    report = {"boxes": {}, "refused": []}
    if not base.is_dir():
        return report
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and p.name != "pairing"):
        usbfiles.clean_temps(folder)
        files = up_files(folder / "up")
        status = folder / "status.lnb"
        if status.exists():
            files.append((0, 0, status))
        stored = new = 0
        box_id = folder.name
        for _first, _last, path in files:
            receipt = hub.receive(path.read_bytes(), "usb", topic_box=box_id)
            if receipt.status == "refused":
                report["refused"].append((str(path.relative_to(root)), receipt.reason))
                continue
            stored += 1
            new += receipt.new
        if hub._box_key(box_id) is None:
            continue
        # Ack first, then downlink; each file is whole or absent, so a pulled stick is only
        # a trip that did less, never a box that believes something false.
        writer.write(folder / "ack.lna", hub.ack_bytes(box_id))
        down = hub.downlink_bytes(box_id)
        if down:
            writer.write(folder / "down.lnd", down)
        else:
            (folder / "down.lnd").unlink(missing_ok=True)
        report["boxes"][box_id] = {"files": stored, "new_entries": new}
    return report


def write_pairing(hub, root: Path, writer: AtomicWriter | None = None) -> list[str]:
    """Put the hub's public key on the stick and register the boxes whose requests are there."""
    writer = writer or AtomicWriter()
    folder = Path(root) / "linli" / "pairing"
    writer.write(folder / "hub.json", json.dumps({"hub": hub.hub_id, "public_key": hub.public_key}).encode())
    ca = hub.dir / "broker-ca" / "ca.crt"
    if ca.is_file():
        # The broker's CA made by `linli hub broker-ca`: the box pins it for TLS to the broker.
        writer.write(folder / "broker-ca.pem", ca.read_bytes())
    registered = []
    for req in sorted(folder.glob("*.box.json")):
        data = json.loads(req.read_text())
        password = hub.register_box(data["box"], data["public_key"], data.get("name", ""))
        if password:
            # The box's broker login travels with the installer who carries the stick.
            writer.write(folder / f"{data['box']}.mqtt.toml", hub.login_file(data["box"]).read_bytes())
        registered.append(data["box"])
    return registered
