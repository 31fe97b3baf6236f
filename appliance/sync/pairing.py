"""Pairing by USB stick: the hub leaves its public key there, the box pins it and leaves its own."""

from __future__ import annotations

import json
from pathlib import Path

from appliance.errors import LinliError
from appliance.sync.keys import fingerprint
from appliance.sync.usbfiles import AtomicWriter


def pair_from_stick(sync, root: Path, writer: AtomicWriter | None = None, name: str = "") -> dict:
    writer = writer or AtomicWriter()
    folder = Path(root) / "linli" / "pairing"
    hub_file = folder / "hub.json"
    if not hub_file.exists():
        raise LinliError("No hub key on the stick: run `linli hub pair-usb DIR` on the hub first.")
    hub = json.loads(hub_file.read_text())
    sync.pin_hub(hub["hub"], hub["public_key"])
    request = {"box": sync.box_id, "public_key": sync.public_key, "name": name}
    writer.write(folder / f"{sync.box_id}.box.json", json.dumps(request).encode())
    return {"hub": hub["hub"], "hub_fingerprint": fingerprint(hub["public_key"]),
            "box_fingerprint": fingerprint(sync.public_key)}
