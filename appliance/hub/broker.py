"""Broker accounts that keep boxes apart: one login per box, an ACL that lets a box publish
only on its own ``up``/``status``/``pair`` topics and read only its own ``ack``/``down``/
``pair/reply`` and ``update/#`` (the chunks of update bundles offered to it), and one account
for the hub's workers.

The hub writes mosquitto's own files (``password_file`` in the PBKDF2-SHA512 format of
``mosquitto_passwd``, and ``acl_file``); EMQX and other MQTT 5 clusters take the same rules
(docs/hub.md). Files are replaced atomically, then the broker is told to re-read them
(SIGHUP), so connected boxes stay connected.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import secrets
import signal
from pathlib import Path

from appliance.errors import LinliError
from appliance.sync.mqtt import TOPIC_ROOT

logger = logging.getLogger(__name__)

PAIRING_USER = "linli-pair"
# Box ids become broker user names and topic levels: no wildcards, separators or spaces.
BOX_ID = re.compile(r"^\w[\w.-]{0,63}$")  # \w: any script's letters and digits
ITERATIONS = 1000


def check_box_id(box_id: str) -> None:
    if not BOX_ID.match(box_id or "") or box_id.startswith("linli-"):
        raise LinliError("Box id %(box)s cannot be a broker account: use letters, digits, '.', '_' or '-' "
                         "(at most 64, not starting with linli-).", box=box_id)


def new_password() -> str:
    return secrets.token_urlsafe(24)


def password_hash(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """mosquitto 2's ``$7$`` line: PBKDF2-HMAC-SHA512, 12-byte salt, base64."""
    salt = salt if salt is not None else os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def box_acl(box_id: str) -> list[str]:
    t = f"{TOPIC_ROOT}/{box_id}"
    return [f"user {box_id}", f"topic write {t}/up", f"topic write {t}/status", f"topic write {t}/pair",
            f"topic read {t}/ack", f"topic read {t}/down", f"topic read {t}/pair/reply",
            f"topic read {t}/update/#"]


def hub_acl(user: str) -> list[str]:
    t = f"{TOPIC_ROOT}/+"
    return [f"user {user}", f"topic read {t}/up", f"topic read {t}/status", f"topic read {t}/pair",
            f"topic write {t}/ack", f"topic write {t}/down", f"topic write {t}/pair/reply",
            f"topic write {t}/update/#"]


def pairing_acl() -> list[str]:
    # A box that has no login yet may ask to pair (the request is MACed with a one-time
    # code) and read the reply on the topic named after its own client id, nothing else.
    return [f"user {PAIRING_USER}", f"topic write {TOPIC_ROOT}/+/pair",
            f"pattern read {TOPIC_ROOT}/%c/pair/reply"]


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o640)
    os.replace(tmp, path)


def write_broker_files(boxes, folder: Path, hub_user: str, hub_password: str,
                       pairing_password: str = "") -> dict:
    """Write ``passwd`` and ``acl`` for mosquitto into ``folder``; returns what was written.

    ``boxes`` are (box_id, mqtt_hash) pairs; a box without a hash (paired before broker
    accounts existed) gets no login until ``linli hub box-login`` gives it one."""
    if not hub_user or not hub_password:
        raise LinliError("Set [hub] mqtt_username and mqtt_password first: the workers need their own login.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    users = [f"{hub_user}:{password_hash(hub_password)}"]
    acl = ["# Written by linli hub broker-config; edits are overwritten.", *hub_acl(hub_user), ""]
    if pairing_password:
        users.append(f"{PAIRING_USER}:{password_hash(pairing_password)}")
        acl += [*pairing_acl(), ""]
    without = []
    for box_id, mqtt_hash in boxes:
        check_box_id(box_id)
        if not mqtt_hash:
            without.append(box_id)
            continue
        users.append(f"{box_id}:{mqtt_hash}")
        acl += [*box_acl(box_id), ""]
    _write(folder / "passwd", "\n".join(users) + "\n")
    _write(folder / "acl", "\n".join(acl))
    logger.info("broker files written for %s boxes (%s without a login)", len(users) - 1, len(without))
    return {"passwd": folder / "passwd", "acl": folder / "acl", "boxes": len(users) - 1 - bool(pairing_password),
            "without_login": without}


def reload_broker(pid_file: Path) -> int:
    """Ask mosquitto to re-read its password and ACL files (SIGHUP), keeping connections."""
    try:
        pid = int(Path(pid_file).read_text().split()[0])
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError, IndexError) as exc:
        raise LinliError("Could not reload the broker from %(file)s: %(error)s", file=str(pid_file),
                         error=str(exc)) from exc
    return pid
