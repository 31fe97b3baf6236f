"""Pairing by USB stick: the hub leaves its public key there, the box pins it and leaves its own."""

from __future__ import annotations

import json
from pathlib import Path

from appliance.errors import LinliError
from appliance.sync import brokerca
from appliance.sync.keys import fingerprint
from appliance.sync.usbfiles import AtomicWriter


def pair_from_stick(sync, root: Path, writer: AtomicWriter | None = None, name: str = "") -> dict:
    writer = writer or AtomicWriter()
    folder = Path(root) / "linli" / "pairing"
    hub_file = folder / "hub.json"
    if not hub_file.exists():
        raise LinliError("No hub key on the stick: run `linli hub pair-usb DIR` on the hub first.")
    hub = json.loads(hub_file.read_text())
    ca_file = folder / brokerca.FILE_NAME
    # Checked before anything is pinned: a bad certificate leaves the box as it was.
    ca = brokerca.read_ca(ca_file) if ca_file.exists() else None
    sync.pin_hub(hub["hub"], hub["public_key"])
    if ca is not None:
        brokerca.pin(ca[0], sync.dir)
    request = {"box": sync.box_id, "public_key": sync.public_key, "name": name}
    writer.write(folder / f"{sync.box_id}.box.json", json.dumps(request).encode())
    return {"hub": hub["hub"], "hub_fingerprint": fingerprint(hub["public_key"]),
            "box_fingerprint": fingerprint(sync.public_key), "broker_ca": ca[1] if ca else ""}
