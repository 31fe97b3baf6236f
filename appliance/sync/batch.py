"""Uplink batches: outbox entries as compressed JSON lines inside a signed envelope.

One line per entry: ``{"s": seq, "u": uuid, "k": kind, "t": time, "p": payload}``.
A line leaves out ``"s"`` when it is the previous seq + 1 and ``"k"`` when it repeats the
previous kind, which is most of an access-event backlog; ``"t"`` is Unix time on the first
line and seconds since the previous line after it. zlib does the rest.
"""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass

from appliance.sync.envelope import SCHEMA_VERSION, UPLINK, BadEnvelope, Envelope, pack


@dataclass
class Entry:
    seq: int
    uuid: str
    kind: str
    t: int
    payload: dict


def _lines(entries: list[Entry]) -> list[bytes]:
    lines, prev_seq, prev_kind, prev_t = [], None, None, 0
    for e in entries:
        row = {}
        if prev_seq is None or e.seq != prev_seq + 1:
            row["s"] = e.seq
        row["u"] = e.uuid
        if e.kind != prev_kind:
            row["k"] = e.kind
        row["t"] = e.t - prev_t
        row["p"] = e.payload
        lines.append(json.dumps(row, separators=(",", ":"), ensure_ascii=False).encode())
        prev_seq, prev_kind, prev_t = e.seq, e.kind, e.t
    return lines


def build(entries: list[Entry], box_id: str, private_key, max_bytes: int, down_ack: int = 0,
          acked: int = 0, guess: float = 0.0) -> tuple[bytes, list[Entry]]:
    """Sign a long prefix of ``entries`` that fits ``max_bytes``; returns (bytes, entries in it).

    ``guess`` (bytes per entry of an earlier batch) sizes the first try so a backlog is
    usually compressed once per batch. An empty list gives an empty batch, which still
    carries ``down_ack`` to the hub.
    """
    count = len(entries)
    if guess:
        count = max(1, min(count, int((max_bytes - 400) / guess * 0.97)))
    while True:
        chosen = entries[:count]
        body = zlib.compress(b"\n".join(_lines(chosen)), 9) if chosen else b""
        header = {"v": SCHEMA_VERSION, "box": box_id, "n": len(chosen),
                  "first": chosen[0].seq if chosen else acked + 1,
                  "last": chosen[-1].seq if chosen else acked,
                  "created": int(time.time()), "down_ack": down_ack, "z": "zlib"}
        data = pack(UPLINK, header, body, private_key)
        if len(data) <= max_bytes or count <= 1:
            return data, chosen
        # Shrink in proportion to the overshoot, a little more to land under the cap.
        count = max(1, min(count - 1, int(count * max_bytes / len(data) * 0.95)))


def read(env: Envelope) -> list[Entry]:
    """Entries of a checked uplink envelope; any inconsistency refuses the whole batch."""
    h = env.header
    try:
        text = zlib.decompress(env.body) if env.body else b""
    except zlib.error as exc:
        raise BadEnvelope(reason="body does not decompress") from exc
    entries, prev_seq, prev_kind, prev_t = [], None, None, 0
    for line in text.split(b"\n") if text else []:
        try:
            row = json.loads(line)
            seq = int(row["s"]) if "s" in row else prev_seq + 1
            kind = row.get("k", prev_kind)
            t = prev_t + int(row["t"])
            entries.append(Entry(seq, str(row["u"]), str(kind), t, row["p"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise BadEnvelope(reason="bad entry line") from exc
        prev_seq, prev_kind, prev_t = seq, kind, t
    if len(entries) != h.get("n"):
        raise BadEnvelope(reason="entry count")
    if entries and (entries[0].seq != h.get("first") or entries[-1].seq != h.get("last")):
        raise BadEnvelope(reason="seq range")
    if any(b.seq <= a.seq for a, b in zip(entries, entries[1:])):
        raise BadEnvelope(reason="seq order")
    return entries
