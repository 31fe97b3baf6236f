"""A district hub as a city runs it: a mosquitto broker with one login per box and the ACL the
hub writes, N hub worker processes in one shared subscription, one PostgreSQL database.

Used by the tests (a few dozen boxes) and by bench/bench_hub.py (hundreds to a thousand)."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from appliance.hub.broker import write_broker_files
from appliance.hub.service import HubService
from appliance.hub.store import open_hub_db
from tests.sync.realparts import Mosquitto, linli_cmd, spawn

HUB_ID = "district-1"
WORKER_USER = "linli-hub"


def worker_config(port: int, db_url: str, worker: str, password: str, session_expiry_s: int = 60) -> str:
    return (f'[hub]\nid = "{HUB_ID}"\nmqtt_host = "127.0.0.1"\nmqtt_port = {port}\ndb_url = "{db_url}"\n'
            f'worker_id = "{worker}"\nmqtt_username = "{WORKER_USER}"\nmqtt_password = "{password}"\n'
            f'session_expiry_s = {session_expiry_s}\n')


class City:
    def __init__(self, folder: Path, db_url: str):
        self.folder = Path(folder)
        self.db_url = db_url
        self.home = self.folder / "hub"
        (self.home / "hub").mkdir(parents=True, exist_ok=True)
        self.worker_password = secrets.token_urlsafe(16)
        self.hub = HubService(open_hub_db(db_url, self.home), HUB_ID, self.home)
        self.broker: Mosquitto | None = None
        self.workers: list = []

    def start_broker(self) -> Mosquitto:
        """Write the broker's files from the hub's paired boxes, then start mosquitto on them."""
        conf = self.folder / "broker"
        conf.mkdir(exist_ok=True)
        write_broker_files(self.hub.broker_accounts(), conf, WORKER_USER, self.worker_password)
        self.broker = Mosquitto(conf, extra=[f"password_file {conf / 'passwd'}", f"acl_file {conf / 'acl'}",
                                             "allow_anonymous false", f"pid_file {conf / 'mosquitto.pid'}",
                                             "log_type subscribe", "max_connections -1"])
        self.broker.start()
        return self.broker

    def start_workers(self, n: int, timeout: float = 60.0, session_expiry_s: int = 60) -> None:
        key = (self.home / "hub" / "hub_ed25519.pem").read_bytes()
        for i in range(n):
            home = self.folder / f"worker-{i}"
            (home / "hub").mkdir(parents=True, exist_ok=True)
            (home / "hub" / "hub_ed25519.pem").write_bytes(key)  # every worker signs as the district
            (home / "config.toml").write_text(worker_config(self.broker.port, self.db_url, f"w{i}",
                                                            self.worker_password, session_expiry_s))
            self.workers.append(spawn(linli_cmd("hub", "run"), home, self.folder / f"worker-{i}.log"))
        # Ready when the broker has each worker's shared subscription: messages sent to a
        # shared group nobody has joined yet are dropped.
        log = self.broker.folder / "mosquitto.log"
        deadline = time.monotonic() + timeout
        while log.read_text(errors="replace").count("$share/linli-hub/linli/v1/+/up") < n:
            for i, w in enumerate(self.workers):
                if w.poll() is not None:
                    raise RuntimeError(f"worker {i} exited: " + self.worker_log(i)[-2000:])
            if time.monotonic() > deadline:
                raise RuntimeError("hub workers did not subscribe")
            time.sleep(0.1)

    def worker_log(self, i: int) -> str:
        return (self.folder / f"worker-{i}.log").read_text(errors="replace")

    def stop_workers(self) -> None:
        for w in self.workers:
            if w.poll() is None:
                w.terminate()
        for w in self.workers:
            try:
                w.wait(30)
            except Exception:
                w.kill()
        self.workers = []

    def close(self) -> None:
        self.stop_workers()
        if self.broker:
            self.broker.stop()
        self.hub.db.close()
