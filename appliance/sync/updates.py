"""Update bundles over MQTT (hub -> box), the 4G twin of the USB stick's ``linli/updates/``.

The signed downlink carries only the offer (version, sha256, size, chunk count): small, and
it is what authorises the download. The bytes lie retained on per-box chunk topics
``linli/v1/<box>/update/<version>/<i>`` (the broker's ACL lets a box read only its own). The
box subscribes to the chunks it still lacks, one at a time in order, so a 4G link that drops
resumes at the missing chunk instead of starting over, and it starts (or goes on) only while
the whole rest of the bundle fits in this month's data budget with a fifth of the budget left
for the gate's and fire lane's own data; otherwise it waits for next month (or a stick).

Received bytes count in the month's usage. Whole, the file must match the offer's size and
sha256, then passes the same signature and board check as a stick's bundle before it gets its
name in ``updates/staged/``; from there the backups page offers it to the admin, or
``[system] auto_update`` starts it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from pathlib import Path

from appliance.errors import LinliError
from appliance.i18n import N_
from appliance.sync import state

logger = logging.getLogger(__name__)

CHUNK_BYTES = 256 * 1024
MAX_BUNDLE_BYTES = 512 * 1024 * 1024
VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
BUDGET_SHARE = 0.8  # an update may use at most this share of the monthly budget
STATE_KEY = "update_offer"


class BadOffer(LinliError):
    msgid = N_("The district's update offer is incomplete (%(reason)s).")


def check_offer(data: dict) -> dict:
    """The downlink item's data, validated; raises (the whole downlink is refused)."""
    version, sha, size, chunks = (data.get("version"), data.get("sha256"), data.get("size"), data.get("chunks"))
    if not isinstance(version, str) or not VERSION.match(version):
        raise BadOffer(reason="version")
    if not isinstance(sha, str) or not SHA256.match(sha):
        raise BadOffer(reason="sha256")
    if not isinstance(size, int) or not 0 < size <= MAX_BUNDLE_BYTES:
        raise BadOffer(reason="size")
    if chunks != -(-size // CHUNK_BYTES):
        raise BadOffer(reason="chunks")
    return {"version": version, "sha256": sha, "size": size, "chunks": chunks}


def record_offer(data: dict) -> None:
    """Called inside the downlink's transaction; a newer offer replaces an older one."""
    state.put(STATE_KEY, json.dumps(check_offer(data)))


def record_withdrawal(data: dict) -> bool:
    """The district withdrew ``version``: forget its offer (the chunks are dropped by
    :meth:`UpdateReceiver.drop_withdrawn` outside the transaction). True when it was ours."""
    version = data.get("version")
    if not isinstance(version, str) or not VERSION.match(version):
        raise BadOffer(reason="version")
    raw = state.get(STATE_KEY)
    offer = json.loads(raw) if raw else None
    if offer is None or offer["version"] != version:
        return False
    state.put(STATE_KEY, json.dumps(dict(offer, withdrawn=True)))
    return True


def chunk_topic(box_id: str, version: str, index: int) -> str:
    from appliance.sync.mqtt import topic

    return topic(box_id, f"update/{version}/{index}")


def split(data: bytes) -> list[bytes]:
    return [data[i:i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)]


class UpdateReceiver:
    """Keeps the offered bundle's chunks under ``home/updates/incoming/<version>/``.

    ``check``: the system feature's bundle check (signature + board); ``budget_bytes``:
    () -> the monthly budget in bytes, 0 for none."""

    def __init__(self, home: Path, check, budget_bytes):
        self.incoming = Path(home) / "updates" / "incoming"
        self.staged = Path(home) / "updates" / "staged"
        self.check = check
        self.budget_bytes = budget_bytes
        self.history: list[tuple[str, str]] = []

    # -- offer ---------------------------------------------------------------------------------
    def offer(self) -> dict | None:
        raw = state.get(STATE_KEY)
        return json.loads(raw) if raw else None

    def _folder(self, offer: dict) -> Path:
        return self.incoming / offer["version"]

    def staged_path(self, offer: dict) -> Path:
        return self.staged / f"linli-{offer['version']}.lub"

    def missing(self) -> list[int]:
        offer = self.offer()
        if offer is None or offer.get("refused") or offer.get("withdrawn") or self.staged_path(offer).exists():
            return []
        folder = self._folder(offer)
        return [i for i in range(offer["chunks"]) if not (folder / str(i)).exists()]

    def _expected(self, offer: dict, index: int) -> int:
        return min(CHUNK_BYTES, offer["size"] - index * CHUNK_BYTES)

    def may_fetch(self) -> bool:
        """Whether the rest of the bundle fits in what is left of this month's update share."""
        missing = self.missing()
        if not missing:
            return False
        budget = self.budget_bytes()
        if budget <= 0:
            return True
        offer = self.offer()
        rest = sum(self._expected(offer, i) for i in missing)
        fits = state.usage_this_month() + rest <= budget * BUDGET_SHARE
        if not fits and (not self.history or self.history[-1][0] != "waits-budget"):
            self.history.append(("waits-budget", offer["version"]))
            logger.info("update %s waits: %s bytes would exceed this month's data budget", offer["version"], rest)
        return fits

    def progress(self) -> dict | None:
        """What the sync page draws: pieces and bytes held of the offered bundle, and its state:
        ``downloading``, ``waiting-budget``, ``staged``, ``refused`` or ``withdrawn``."""
        offer = self.offer()
        if offer is None:
            return None
        folder = self._folder(offer)
        have = [i for i in range(offer["chunks"]) if (folder / str(i)).exists()]
        have_bytes = sum(self._expected(offer, i) for i in have)
        if offer.get("withdrawn"):
            phase = "withdrawn"
        elif offer.get("refused"):
            phase = "refused"
        elif self.staged_path(offer).exists() or offer.get("staged"):
            phase, have, have_bytes = "staged", list(range(offer["chunks"])), offer["size"]
        elif self._fits():
            phase = "downloading"
        else:
            phase = "waiting-budget"
        return {"version": offer["version"], "state": phase, "chunks": offer["chunks"], "have": len(have),
                "size": offer["size"], "have_bytes": have_bytes,
                "pct": round(have_bytes / offer["size"] * 100) if offer["size"] else 100}

    def report(self) -> dict | None:
        """The part of the box's status message the hub acts on: once ``staged`` (or
        ``refused``), the hub clears this box's retained chunks from the broker. (A withdrawal
        clears them on the hub's side first.)"""
        offer = self.offer()
        if offer is None:
            return None
        p = self.progress()
        return {"version": offer["version"], "state": p["state"], "chunks": offer["chunks"], "have": p["have"]}

    def _fits(self) -> bool:
        missing = self.missing()
        budget = self.budget_bytes()
        if not missing or budget <= 0:
            return True
        offer = self.offer()
        rest = sum(self._expected(offer, i) for i in missing)
        return state.usage_this_month() + rest <= budget * BUDGET_SHARE

    def drop_withdrawn(self) -> bool:
        """Delete the chunks of a withdrawn offer, and its bundle if it came over MQTT and is
        still only staged (the district says: do not install it). True when something went."""
        offer = self.offer()
        if offer is None or not offer.get("withdrawn"):
            return False
        dropped = False
        folder = self._folder(offer)
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
            dropped = True
        staged = self.staged_path(offer)
        if offer.get("staged") and staged.exists():
            staged.unlink(missing_ok=True)
            dropped = True
        if dropped:
            self.history.append(("withdrawn", offer["version"]))
            logger.info("update %s withdrawn by the district: partial download dropped", offer["version"])
        return dropped

    # -- chunks --------------------------------------------------------------------------------------
    def take(self, topic_name: str, payload: bytes) -> bool:
        """Store one chunk (counted in the month's usage); True when the bundle is now whole
        (then :meth:`assemble`, outside the caller's transaction: it reads the whole file)."""
        offer = self.offer()
        try:
            version, index = topic_name.split("/")[-2], int(topic_name.split("/")[-1])
        except (ValueError, IndexError):
            return False
        state.add_usage(len(payload))
        if offer is None or version != offer["version"] or not 0 <= index < offer["chunks"]:
            return False  # an old or withdrawn offer's leftovers
        if len(payload) != self._expected(offer, index):
            self.history.append(("bad-chunk", str(index)))
            return False
        folder = self._folder(offer)
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f"{index}.part"
        part.write_bytes(payload)
        os.replace(part, folder / str(index))
        return not self.missing()

    def assemble(self) -> Path | None:
        """Join the chunks, check size, sha256, signature and board; the staged path or None."""
        offer = self.offer()
        if offer is None or offer.get("refused") or self.missing():
            return None
        folder = self._folder(offer)
        target = self.staged_path(offer)
        self.staged.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        digest = hashlib.sha256()
        with part.open("wb") as out:
            for i in range(offer["chunks"]):
                data = (folder / str(i)).read_bytes()
                digest.update(data)
                out.write(data)
        reason = ""
        if part.stat().st_size != offer["size"] or digest.hexdigest() != offer["sha256"]:
            reason = "sha256"
        else:
            try:
                self.check(part)
            except LinliError as exc:
                reason = exc.message()
        if reason:
            # Not fetched again (the broker would hand out the same bytes, on the budget):
            # only a new offer from the district starts over.
            part.unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)
            state.put(STATE_KEY, json.dumps(dict(offer, refused=reason[:200])))
            self.history.append(("refused", reason))
            logger.warning("update %s from the district refused: %s", offer["version"], reason)
            return None
        os.replace(part, target)
        shutil.rmtree(folder, ignore_errors=True)
        state.put(STATE_KEY, json.dumps(dict(offer, staged=True)))
        self.history.append(("staged", offer["version"]))
        logger.info("update bundle %s received over MQTT and staged", offer["version"])
        return target
