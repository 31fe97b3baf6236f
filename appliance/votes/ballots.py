"""Casting ballots on every channel into the one ledger: phone (/me), kiosk (PIN), paper
(printed per unit with a QR code, typed in by one person and checked by a second, the scan
kept as evidence), proxy (the written proxy recorded), and reversals.

One ballot per owner (per unit, or per person for a merged multi-unit owner): the first valid
ballot counts; a later one on any channel is written to the ledger as refused, so the flag
is as provable as the ballot.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from appliance.db.base import find
from appliance.db.models import Resident, Vote, VoteEntry, VotePaper, VoteProxy, VoteRoll
from appliance.errors import Conflict, NotFound, PermissionDenied, ValidationError
from appliance.validation import clean_text
from appliance.votes.election import check_marks
from appliance.votes.evidence import EvidenceStore
from appliance.votes.tally import ABSTAIN, INVALID, NO, YES

logger = logging.getLogger(__name__)

CODE_PREFIX = "LV1"


@dataclass(frozen=True)
class CastResult:
    accepted: bool
    entry: VoteEntry
    first_seq: int | None = None  # the ballot that counts, when this one was refused


class Ballots:
    def __init__(self, db, audit, keys, roll, ledger, votes, evidence_dir: Path, clock, access=None):
        self.access = access  # the gate's PIN check, for the kiosk
        self.proxies = None  # tenants' written proxies (set by setup: they keep their scans here too)
        self.db = db
        self.audit = audit
        self.keys = keys
        self.roll = roll
        self.ledger = ledger
        self.votes = votes
        self.evidence_dir = Path(evidence_dir)
        self.evidence = EvidenceStore(self.evidence_dir)
        self.clock = clock

    # --- the one way into the ledger ----------------------------------------------------
    def _cast(self, vote: Vote, owner: str, choices: dict, channel: str, entered_by: str, *,
              late_paper: bool = False, proxy_id: int | None = None, **extra) -> CastResult:
        """``late_paper``: a paper ballot taken in during the period may be checked after it closed.
        ``proxy_id``: a tenant's proxy, checked again under the writer lock (a revocation wins)."""
        units = "、".join(f"{r.building} {r.number}" for r in self.roll.units_of(vote.id, owner))
        with self.ledger.lock, self.ledger.transaction():
            vote = Vote.get_by_id(vote.id)
            still = late_paper and vote.status == "closed"
            if not still and vote.id not in {v.id for v in self.votes.open_votes()}:
                raise Conflict("This vote is not open for ballots.")
            if proxy_id is not None and not self.proxies.still_live(proxy_id):
                raise PermissionDenied("Your proxy for this vote was revoked.")
            live, generation = self.ledger.owner_state(vote.id, owner)
            if live is not None:
                entry = self.ledger.append(vote, "refused", owner, units=units, choices=choices, channel=channel,
                                           entered_by=entered_by, generation=generation,
                                           note=f"already voted: entry {live.seq}", **extra)
                result = CastResult(False, entry, live.seq)
            else:
                entry = self.ledger.append(vote, "ballot", owner, units=units, choices=choices, channel=channel,
                                           entered_by=entered_by, generation=generation, **extra)
                result = CastResult(True, entry)
        logger.info("vote %s: %s ballot on %s", vote.id, "accepted" if result.accepted else "refused", channel)
        return result

    def clean_choices(self, vote: Vote, data: dict, *, complete: bool, allow_invalid: bool = False) -> dict:
        allowed = {YES, NO, ABSTAIN} | ({INVALID} if allow_invalid else set())
        out = {}
        for m in self.votes.matters(vote.id):
            if m.is_election:
                out[str(m.position)] = self._marks(m, data, allow_invalid)
                continue
            value = data.get(f"m{m.position}") or ""
            if value in allowed:
                out[str(m.position)] = value
            elif not value and allow_invalid:
                # A matter left blank on a signed paper ballot: the owner took part in the vote,
                # so it counts as participation, never as approval (an invalid choice).
                out[str(m.position)] = INVALID
            elif value or complete:
                raise ValidationError("Choose 赞成, 反对 or 弃权 for matter %(n)s.", field=f"m{m.position}",
                                      n=m.position)
        if not out:
            raise ValidationError("The ballot has no choice on any matter.", field="m1")
        return out

    @staticmethod
    def _marks(m, data: dict, paper: bool):
        """An election's marks (checkboxes ``m<pos>_c<n>``). Too many marks: on paper the ballot is
        invalid for this matter and recorded so; on a phone or the kiosk the voter is there to fix
        it, so the ballot is refused with the reason. A paper marked unreadable is invalid too."""
        if paper and data.get(f"m{m.position}_invalid"):
            return INVALID
        marks = [n for n in range(1, len(m.candidates) + 1) if data.get(f"m{m.position}_c{n}")]
        checked = check_marks(marks, m.seats, len(m.candidates))
        if checked == INVALID and not paper:
            raise ValidationError("Matter %(n)s: approve at most %(seats)s candidates.", field=f"m{m.position}",
                                  n=m.position, seats=m.seats)
        return checked

    # --- phone and kiosk -----------------------------------------------------------------
    def resident_owner(self, vote: Vote, resident: Resident) -> str:
        rows = self.roll.rows_of_resident(vote.id, resident)
        if not rows:
            raise PermissionDenied("Only owners on this vote's roll can vote. A tenant votes with a written proxy "
                                   "that the volunteers record.")
        return rows[0].owner_key

    def voter_rows(self, vote_id, resident: Resident):
        """(the roll rows this resident votes for, the proxy they vote under or None)."""
        rows = self.roll.rows_of_resident(vote_id, resident)
        if rows or self.proxies is None:
            return rows, None
        proxy = self.proxies.live_for(vote_id, resident)
        if proxy is None:
            return [], None
        return self.roll.units_of(vote_id, proxy.roll.owner_key), proxy

    def cast_phone(self, vote_id, resident: Resident, data: dict) -> CastResult:
        """An owner's ballot, or a tenant's under a recorded written proxy (phone only)."""
        vote = self.votes.get(vote_id)
        rows, proxy = self.voter_rows(vote.id, resident)
        if not rows:
            self.resident_owner(vote, resident)  # raises with the reason
        choices = self.clean_choices(vote, data, complete=True)
        if proxy is None:
            return self._cast(vote, rows[0].owner_key, choices, "phone", f"resident:{resident.id}")
        from appliance.votes.proxies import proxy_doc

        return self._cast(vote, rows[0].owner_key, choices, "phone", f"resident:{resident.id}", proxy_id=proxy.id,
                          proxy_doc=proxy_doc(proxy), evidence=proxy.evidence.split(".")[0],
                          note="租户凭书面委托代业主投票")

    def cast_kiosk(self, vote_id, token: str, data: dict, kiosk: str) -> CastResult:
        resident = self.kiosk_resident(token)
        vote = self.votes.get(vote_id)
        owner = self.resident_owner(vote, resident)
        return self._cast(vote, owner, self.clean_choices(vote, data, complete=True), "kiosk",
                          f"resident:{resident.id}", note=f"kiosk {kiosk}"[:60])

    def kiosk_sign_in(self, pin, kiosk: str) -> tuple[Resident, str, list[Vote]]:
        """The PIN's owner, a short pass to the ballot page, and the open votes they may vote in."""
        resident = self.access.identify_by_pin(pin, kiosk)
        mine = [v for v in self.votes.open_votes() if self.roll.rows_of_resident(v.id, resident)]
        if not mine:
            raise PermissionDenied("There is no vote open for your unit now.")
        return resident, self.kiosk_token(resident.id), mine

    def open_ballot(self, vote_id, resident: Resident) -> dict:
        """What the resident's ballot page shows; opening it is the ballot's delivery (with its warning)."""
        vote = self.votes.get(vote_id)
        if vote.status == "draft":
            raise NotFound("No such vote.")
        rows, proxy = self.voter_rows(vote.id, resident)
        if rows and proxy is None and vote.status == "open":
            self.record_read(vote, resident)  # delivery reaches the owner, not the proxy holder
        mine = self.ledger.owner_state(vote.id, rows[0].owner_key)[0] if rows else None
        return {"vote": vote, "matters": self.votes.matters(vote.id), "units": rows, "mine": mine, "proxy": proxy,
                "can_vote": bool(rows) and mine is None and vote.id in {v.id for v in self.votes.open_votes()}}

    def kiosk_token(self, resident_id: int, minutes: int = 3) -> str:
        """A short-lived pass from the PIN page to the ballot page (the kiosk keeps no session)."""
        expiry = int(time.time()) + minutes * 60
        return f"{resident_id}.{expiry}.{self.keys.lookup('vote-kiosk', f'{resident_id}.{expiry}')[:32]}"

    def kiosk_resident(self, token) -> Resident:
        parts = (token or "").split(".") if isinstance(token, str) else []
        if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
            good = hmac.compare_digest(parts[2], self.keys.lookup("vote-kiosk", f"{parts[0]}.{parts[1]}")[:32])
            if good and int(parts[1]) >= time.time():
                resident = find(Resident, parts[0])
                if resident is not None:
                    return resident
        raise PermissionDenied("The time for this ballot ran out. Please enter your PIN again.")

    def record_read(self, vote: Vote, resident: Resident) -> None:
        """An owner who opened the ballot on /me had it delivered (with its warning)."""
        rows = [r for r in self.roll.rows_of_resident(vote.id, resident) if r.delivered_at is None]
        if rows:
            self.roll.mark_delivered(vote, [r.id for r in rows], "read_on_me", f"resident:{resident.id}")

    def my_ballot(self, vote_id, resident: Resident) -> VoteEntry | None:
        rows = self.voter_rows(vote_id, resident)[0]
        return self.ledger.owner_state(vote_id, rows[0].owner_key)[0] if rows else None

    # --- paper and proxy --------------------------------------------------------------------
    def paper_code(self, vote: Vote, row: VoteRoll) -> str:
        code = self.keys.lookup("vote-paper", f"{vote.uuid}:{row.id}")[:10]
        return f"{CODE_PREFIX}:{vote.id}:{row.id}:{code}"

    def read_code(self, vote: Vote, text: str) -> VoteRoll:
        parts = (text or "").strip()[:100].split(":")
        if len(parts) != 4 or parts[0] != CODE_PREFIX or parts[1] != str(vote.id) or not parts[2].isdigit():
            raise ValidationError("This is not a ballot code of this vote.", field="code")
        row = self.roll.row(vote.id, parts[2])
        if not hmac.compare_digest(self.paper_code(vote, row), ":".join(parts)):
            raise ValidationError("This is not a ballot code of this vote.", field="code")
        return row

    def _keep_scan(self, data: bytes | None, required: bool) -> str:
        return self.evidence.keep(data, required)

    def _scan_of_vote(self, vote_id, name: str) -> str:
        """A scan is shown under the vote whose paper ballot or proxy it belongs to, nowhere else."""
        vote = self.votes.get(vote_id)
        name = str(name or "")[:80]
        if not (VotePaper.select().where(VotePaper.vote == vote.id, VotePaper.evidence == name).exists()
                or VoteProxy.select().where(VoteProxy.vote == vote.id, VoteProxy.evidence == name).exists()):
            raise NotFound("No such scan.")
        return name

    def scan_names(self, vote_id) -> dict[str, str]:
        """The ledger records a scan by its sha256; the file name adds the picture type."""
        names = [p.evidence for p in VotePaper.select(VotePaper.evidence).where(VotePaper.vote == vote_id)]
        names += [p.evidence for p in VoteProxy.select(VoteProxy.evidence).where(VoteProxy.vote == vote_id)]
        return {n.split(".")[0]: n for n in names if n}

    def scan_for_view(self, vote_id, name: str) -> Path:
        """What staff see: a copy without EXIF/GPS (see appliance/votes/evidence.py)."""
        return self.evidence.viewing_copy(self._scan_of_vote(vote_id, name))

    def scan_original(self, vote_id, name: str, actor: str) -> Path:
        """The sealed original, byte for byte, for a dispute; every download is audited."""
        name = self._scan_of_vote(vote_id, name)
        path = self.evidence.original(name)
        self.audit.record(actor, "scan_original_downloaded", "vote", int(vote_id), {"scan": name})
        return path

    def enter_paper(self, vote_id, data: dict, scan: bytes | None, actor: str) -> VotePaper:
        """The first person's entry of a paper ballot (or a proxy's): waits for a second."""
        from appliance.access.camera import decode_qr

        vote = self.votes.get(vote_id)
        if vote.status != "open":
            raise Conflict("This vote is not open for ballots.")
        channel = "proxy" if data.get("channel") == "proxy" else "paper"
        code = (data.get("code") or "").strip() or (decode_qr(scan) if scan else None) or ""
        if not code:
            raise ValidationError("No ballot code was found: type the code under the QR code.", field="code")
        row = self.read_code(vote, code)
        proxy_doc = clean_text(data.get("proxy_doc"), "proxy_doc", required=channel == "proxy", max_len=200)
        choices = self.clean_choices(vote, data, complete=False, allow_invalid=True)
        evidence = self._keep_scan(scan, required=True)
        paper = VotePaper.create(vote=vote.id, roll=row.id, choices=choices, channel=channel, proxy_doc=proxy_doc,
                                 evidence=evidence, entered_by=actor, entered_at=self.clock())
        self.audit.record(actor, "paper_entered", "vote", vote.id, {"unit": f"{row.building} {row.number}"})
        return paper

    def pending(self, vote_id) -> list[VotePaper]:
        return list(VotePaper.select().where(VotePaper.vote == vote_id, VotePaper.status == "pending")
                    .order_by(VotePaper.id))

    def _paper(self, vote_id, paper_id) -> VotePaper:
        paper = find(VotePaper, paper_id)
        if paper is None or paper.vote_id != vote_id or paper.status != "pending":
            raise NotFound("No such paper ballot waiting for a check.")
        return paper

    def confirm_paper(self, vote_id, paper_id, actor: str) -> CastResult:
        vote = self.votes.get(vote_id)
        paper = self._paper(vote.id, paper_id)
        if paper.entered_by == actor:
            raise PermissionDenied("A second person must check what you typed in (两人核对).")
        result = self._cast(vote, paper.roll.owner_key, paper.choices, paper.channel, paper.entered_by,
                            confirmed_by=actor, proxy_doc=paper.proxy_doc, evidence=paper.evidence.split(".")[0],
                            late_paper=True)
        paper.status = "confirmed" if result.accepted else "duplicate"
        paper.decided_by, paper.decided_at = actor, self.clock()
        paper.save()
        return result

    def reject_paper(self, vote_id, paper_id, reason, actor: str) -> VotePaper:
        paper = self._paper(vote_id, paper_id)
        paper.reason = clean_text(reason, "reason", required=True, max_len=200)
        paper.status, paper.decided_by, paper.decided_at = "rejected", actor, self.clock()
        paper.save()
        self.audit.record(actor, "paper_rejected", "vote", vote_id, {"paper": paper.id, "reason": paper.reason})
        return paper

    # --- corrections ---------------------------------------------------------------------------
    def reverse(self, vote_id, seq, reason, actor: str) -> VoteEntry:
        """A recorded reversal of a ballot (a mistaken entry): the owner may then vote again."""
        vote = self.votes.get(vote_id)
        note = clean_text(reason, "reason", required=True, max_len=200)
        with self.ledger.lock, self.ledger.transaction():
            target = VoteEntry.get_or_none(VoteEntry.vote == vote.id, VoteEntry.seq == seq)
            if target is None or target.kind != "ballot":
                raise NotFound("No such ballot in the ledger.")
            live, generation = self.ledger.owner_state(vote.id, target.owner_key)
            if live is None or live.seq != target.seq:
                raise Conflict("This ballot does not count any more.")
            entry = self.ledger.append(vote, "reversal", target.owner_key, units=target.units, reverses=target.seq,
                                       entered_by=actor, generation=generation, note=note)
        self.audit.record(actor, "ballot_reversed", "vote", vote.id, {"seq": target.seq, "reason": note})
        return entry
