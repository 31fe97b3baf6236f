"""The ballot ledger's hash chain, on plain dicts, so the same code checks the box's database
and an exported file (``linli votes verify LEDGER``).

Each entry's hash is SHA-256 over the previous hash and the entry's canonical JSON (sorted
keys, no spaces, UTF-8). The first entry of a vote chains to SHA-256 of ``linli-vote:<uuid>``.
The box prints the head each day on the notice page: anyone who photographed one can check
that nothing before it was changed later.
"""

from __future__ import annotations

import hashlib
import json

FIELDS = ("seq", "at", "kind", "owner", "generation", "units", "choices", "channel", "entered_by",
          "confirmed_by", "proxy_doc", "evidence", "reverses", "note")


def genesis(vote_uuid: str) -> str:
    return hashlib.sha256(f"linli-vote:{vote_uuid}".encode()).hexdigest()


def canonical(entry: dict) -> bytes:
    return json.dumps({k: entry.get(k) for k in FIELDS}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def entry_hash(prev_hash: str, entry: dict) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


def verify(vote_uuid: str, entries: list[dict]) -> list[str]:
    """Problems found, in English with the seq they concern; empty when the chain holds."""
    problems = []
    prev = genesis(vote_uuid)
    for expected_seq, entry in enumerate(entries, start=1):
        seq = entry.get("seq")
        if seq != expected_seq:
            problems.append(f"entry {expected_seq}: sequence number is {seq!r}")
        if entry.get("prev_hash") != prev:
            problems.append(f"entry {seq}: does not follow the entry before it")
        digest = entry_hash(prev, entry)
        if entry.get("hash") != digest:
            problems.append(f"entry {seq}: its content does not match its hash")
        prev = entry.get("hash") or digest
    return problems


def effective(entries: list[dict]) -> dict[str, dict]:
    """owner -> the entry of their ballot that counts: the first ballot of each owner, unless
    a reversal names it (then the owner's next ballot counts). Refused entries never count."""
    reversed_seqs = {e["reverses"] for e in entries if e.get("kind") == "reversal"}
    counted: dict[str, dict] = {}
    for e in entries:
        if e.get("kind") != "ballot" or e["seq"] in reversed_seqs:
            continue
        counted.setdefault(e["owner"], e)
    return counted
