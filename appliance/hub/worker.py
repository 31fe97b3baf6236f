"""A hub worker: one MQTT client in the shared subscription group.

Several workers (processes or machines) with the same ``share_group`` split the boxes'
batches between them; each stores, then publishes the signed ack retained on the box's
``ack`` topic, so a box that was away gets the newest ack as soon as it reconnects.
The session outlives a disconnect for ``session_expiry_s``: a worker that dies before
acknowledging a message gets it again when it is back within that time; otherwise the box
resends it (to a live worker). Storing is idempotent either way.

On PostgreSQL each worker also makes the entry partitions of this month and the next
``partitions_ahead`` months, at start and once a day (appliance/hub/partitions.py).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import threading
import time

from appliance.hub import partitions

from appliance.sync.mqtt import TOPIC_ROOT, connect_async, make_client, topic

logger = logging.getLogger(__name__)


class HubWorker:
    def __init__(self, hub, cfg, client_factory=make_client):
        self.hub = hub
        self.cfg = cfg
        wid = cfg.worker_id or f"{socket.gethostname()}-{os.getpid()}"
        self.channel = f"mqtt:{cfg.worker_id}" if cfg.worker_id else "mqtt"
        self.client = client_factory(f"linli-hub-{wid}", cfg)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._published_down: dict[str, tuple] = {}
        self.history: list[tuple[str, str, str]] = []
        self._cleared: set[tuple[str, str]] = set()  # (box, update version) chunks cleared
        self._thread = threading.Thread(target=self._downlink_loop, name="hub-downlink", daemon=True)
        # Batches go to a store thread that takes every one waiting and stores them in one
        # transaction; the broker gets its PUBACK only after that (a worker that dies first
        # gets the batch again from its session, or the box resends it).
        self._up: queue.Queue = queue.Queue()
        self._store_thread = threading.Thread(target=self._store_loop, name="hub-store", daemon=True)
        # Statuses (unsigned, display only) are kept newest-per-box and written by their own
        # thread in small transactions: handled in the network thread, 1,000 boxes connecting
        # at once held every batch behind them for seconds (the city run's p95 tail).
        self._statuses: dict[str, dict | None] = {}
        self._status_lock = threading.Lock()
        self._status_thread = threading.Thread(target=self._status_loop, name="hub-status", daemon=True)
        if hasattr(self.client, "manual_ack_set"):
            self.client.manual_ack_set(True)
        self._months_made_at: float | None = None

    MONTHS_EVERY_S = 86400.0

    def make_months(self) -> None:
        """This month's and the next months' entry partitions, where missing. A failure is
        logged and tried again on the next round: meanwhile rows go to the default partition."""
        self._months_made_at = time.monotonic()
        try:
            partitions.ensure_months(self.hub.db, self.cfg.partitions_ahead)
        except Exception:
            logger.exception("hub worker could not make the entry partitions")

    def start(self) -> None:
        self.make_months()
        # mosquitto and EMQX keep handing a shared subscription's messages to a member whose
        # session outlives its connection: a short expiry bounds what a dead worker hoards
        # (boxes resend it), while a worker restarted at once still gets its queue back.
        connect_async(self.client, self.cfg, session_expiry=self.cfg.session_expiry_s)
        self.client.loop_start()
        self._thread.start()
        self._store_thread.start()
        self._status_thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.client.disconnect()
        self.client.loop_stop()
        self._thread.join(timeout=5)
        self._store_thread.join(timeout=5)
        self._status_thread.join(timeout=5)

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            logger.warning("broker refused the hub worker: %s", reason_code)
            return
        group = self.cfg.share_group
        client.subscribe([(f"$share/{group}/{TOPIC_ROOT}/+/up", 1), (f"$share/{group}/{TOPIC_ROOT}/+/status", 1),
                          (f"$share/{group}/{TOPIC_ROOT}/+/pair", 1)])
        self._published_down.clear()
        self.connected.set()

    def _on_message(self, client, userdata, msg):
        parts = msg.topic.split("/")
        if len(parts) != 4:
            self._ack(msg.mid, msg.qos)
            return
        box_id, leaf = parts[2], parts[3]
        if leaf == "up":
            self._up.put((box_id, msg.payload, msg.mid, msg.qos))
            return
        try:
            if leaf == "pair":
                request = json.loads(msg.payload)
                if request.get("box") != box_id:
                    return
                reply = self.hub.pair_by_code(request)
                if reply is not None:
                    client.publish(topic(box_id, "pair/reply"), reply, qos=1)
                    self.history.append(("pair", box_id, "ok"))
            elif leaf == "status":
                payload = None if msg.payload in (b"", b"offline") else json.loads(msg.payload)
                with self._status_lock:
                    self._statuses[box_id] = payload
                self._maybe_clear_update(box_id, payload)
        except (ValueError, TypeError) as exc:
            logger.warning("bad %s message from %s: %s", leaf, box_id, exc)
        except Exception:
            logger.exception("hub worker error on %s", msg.topic)
        finally:
            self._ack(msg.mid, msg.qos)

    def _maybe_clear_update(self, box_id: str, payload) -> None:
        """A box that reports an update staged (or refused) needs its retained chunks no more:
        clear them from the broker, once per box and version."""
        update = payload.get("update") if isinstance(payload, dict) else None
        if not isinstance(update, dict) or update.get("state") not in ("staged", "refused"):
            return
        version, chunks = update.get("version"), update.get("chunks")
        if not isinstance(version, str) or not isinstance(chunks, int) or (box_id, version) in self._cleared:
            return
        from appliance.hub.updates import clear_chunks

        if clear_chunks(self.client, box_id, version, chunks):
            self._cleared.add((box_id, version))
            self.history.append(("update-cleared", box_id, version))
            logger.info("update %s chunks cleared for %s", version, box_id)

    def _ack(self, mid: int, qos: int) -> None:
        if qos and hasattr(self.client, "ack"):
            self.client.ack(mid, qos)

    def _store_loop(self) -> None:
        while not self._stop.is_set():
            try:
                group = [self._up.get(timeout=0.5)]
            except queue.Empty:
                continue
            while len(group) < 500:
                try:
                    group.append(self._up.get_nowait())
                except queue.Empty:
                    break
            try:
                self._store(group)
            except Exception:
                # Not stored: the boxes get no ack and send these batches again.
                logger.exception("hub worker could not store %s batches", len(group))
            finally:
                for _box, _data, mid, qos in group:
                    self._ack(mid, qos)

    def _store(self, group: list) -> None:
        receipts = self.hub.receive_many([(data, self.channel, box) for box, data, _mid, _qos in group])
        newest = {}
        for (box_id, _data, _mid, _qos), receipt in zip(group, receipts):
            self.history.append(("up", box_id, receipt.status))
            if receipt.status != "refused":
                newest[box_id] = receipt
        for box_id, receipt in newest.items():
            self.client.publish(topic(box_id, "ack"), self.hub.ack_from(receipt), qos=1, retain=True)
            self._publish_down(box_id, receipt)

    def _status_loop(self) -> None:
        while not self._stop.wait(0.2):
            with self._status_lock:
                taken, self._statuses = self._statuses, {}
            if not taken:
                continue
            try:
                self.hub.box_statuses(taken)
                heads = self.hub.downlink_heads()
                for box_id in taken:
                    marker = heads.get(box_id)
                    if marker is not None and self._published_down.get(box_id) != marker:
                        self._publish_down(box_id, marker=marker)
            except Exception:
                # Display only: the box sends its status again within its interval.
                logger.exception("hub worker could not store %s statuses", len(taken))

    def _publish_down(self, box_id: str, receipt=None, marker=None) -> None:
        if marker is not None and marker[1] == 0:
            # Nothing queued for the box (the heads query said so): clear without reading.
            if self._published_down.get(box_id) != marker:
                self._published_down[box_id] = marker
                self.client.publish(topic(box_id, "down"), b"", qos=1, retain=True)
                self.history.append(("down", box_id, str(marker)))
            return
        if receipt is not None and receipt.status != "refused":
            # What the batch's transaction saw: no query when nothing changed for the box.
            marker = (receipt.down_acked, receipt.queued if receipt.queued > receipt.down_acked else 0)
            if self._published_down.get(box_id) == marker:
                return
        down_acked, items = self.hub.pending_downlink(box_id)
        marker = (down_acked, items[-1]["s"] if items else 0)
        if self._published_down.get(box_id) == marker:
            return
        self._published_down[box_id] = marker
        data = self.hub.downlink_bytes(box_id) or b""  # empty clears the retained bundle
        self.client.publish(topic(box_id, "down"), data, qos=1, retain=True)
        self.history.append(("down", box_id, str(marker)))

    def _downlink_loop(self) -> None:
        # Notices queued in the district UI (another process) go out within a few seconds.
        while not self._stop.wait(2.0):
            if time.monotonic() - (self._months_made_at or 0.0) >= self.MONTHS_EVERY_S:
                self.make_months()
            if not self.connected.is_set():
                continue
            try:
                # One query for all boxes; a box is read in full only when its marker moved.
                for box_id, marker in self.hub.downlink_heads().items():
                    if self._published_down.get(box_id) != marker:
                        self._publish_down(box_id, marker=marker)
            except Exception:
                logger.exception("hub downlink loop error")
