"""Owners' votes from draft to final result: the matters, the roll's correction window, the
period, the preliminary notice (公示) with its objection window (询异), the final result.

Results are always computed from the ledger and the roll, so the tally on a page, in the
notice and in an export is the same one anyone can re-run from the exported files.
"""

from __future__ import annotations

import datetime
import logging

from appliance.db.base import find
from appliance.db.models import Vote, VoteMatter
from appliance.errors import Conflict, NotFound, ValidationError
from appliance.i18n import N_
from appliance.sync import outbox
from appliance.votes.text import clean_paragraphs
from appliance.validation import clean_int, clean_text
from appliance.votes import chain
from appliance.votes.election import count_all, spec_of
from appliance.votes.roll import fallback_count

logger = logging.getLogger(__name__)

STATUSES = {"draft": N_("Draft"), "roll": N_("Roll published for checking"), "open": N_("Voting"),
            "closed": N_("Voting closed"), "preliminary": N_("Preliminary result published"),
            "final": N_("Final result")}
DEFAULT_WARNING = "本次表决依据业主大会议事规则：未在表决期限内投票的业主，视为同意参与投票业主中多数的意见。"
MAX_MATTERS = 20
MAX_CANDIDATES = 30


def _when(value, field: str) -> datetime.datetime | None:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text[:32]).replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        raise ValidationError("Not a date and time: %(value)s", field=field, value=text[:20]) from None


def _election(m: dict, i: int, item: int) -> tuple[int, list[str]]:
    """(seats, candidates) of a committee election matter; (0, []) for a 赞成/反对/弃权 matter."""
    raw = m.get("candidates") or ""
    names = [clean_text(n, f"candidates_{i}", max_len=40) for n in str(raw)[:4000].splitlines()]
    names = [n for n in names if n]
    seats = clean_int(m.get("seats"), f"seats_{i}", min=1, max=MAX_CANDIDATES) if names or m.get("seats") else None
    if not names and not seats:
        return 0, []
    if not names:
        raise ValidationError("List the candidates of matter %(n)s, one per line.", field=f"candidates_{i}", n=i)
    if seats is None:
        raise ValidationError("How many seats does matter %(n)s fill?", field=f"seats_{i}", n=i)
    if item != 3:
        raise ValidationError("An election with candidates is art. 278 item 3 (the owners' committee).",
                              field=f"item_{i}")
    if len(names) > MAX_CANDIDATES:
        raise ValidationError("At most %(n)s candidates.", field=f"candidates_{i}", n=MAX_CANDIDATES)
    if len(set(names)) != len(names):
        raise ValidationError("A candidate is listed twice in matter %(n)s.", field=f"candidates_{i}", n=i)
    if seats > len(names):
        raise ValidationError("Matter %(n)s has more seats than candidates.", field=f"seats_{i}", n=i)
    return seats, names


class VoteService:
    def __init__(self, db, audit, roll, ledger, settings, clock):
        self.db = db
        self.audit = audit
        self.roll = roll
        self.ledger = ledger
        self.settings = settings
        self.clock = clock
        self.objections = None  # the 询异 kept during the objection window (set by setup)

    # --- reading -----------------------------------------------------------------------
    def get(self, vote_id) -> Vote:
        vote = find(Vote, vote_id)
        if vote is None:
            raise NotFound("No such vote.")
        return vote

    def list(self) -> list[Vote]:
        return list(Vote.select().order_by(Vote.id.desc()))

    def open_votes(self) -> list[Vote]:
        now = self.clock()
        return [v for v in Vote.select().where(Vote.status == "open").order_by(Vote.id)
                if (v.opens_at is None or v.opens_at <= now) and (v.closes_at is None or now < v.closes_at)]

    def for_residents(self) -> list[Vote]:
        """What /me lists: rolls being checked, votes open now, results being shown."""
        return list(Vote.select().where(Vote.status.in_(("roll", "open", "preliminary", "final")))
                    .order_by(Vote.id.desc()).limit(50))

    def matters(self, vote_id) -> list[VoteMatter]:
        return list(VoteMatter.select().where(VoteMatter.vote == vote_id).order_by(VoteMatter.position))

    # --- drafting ----------------------------------------------------------------------
    def save(self, data: dict, matters: list[dict], actor: str, vote_id=None) -> Vote:
        """Create or edit a draft. ``matters``: [{"title", "item"}] in order."""
        title = clean_text(data.get("title"), "title", required=True, max_len=120)
        body = clean_paragraphs(data.get("body"), "body", max_len=4000)
        scope = [clean_text(b, "scope", max_len=50) for b in data.get("scope") or [] if b]
        rule = data.get("rule") or "strict"
        if rule not in ("strict", "silent"):
            raise ValidationError("Choose a counting rule.", field="rule")
        warning = clean_paragraphs(data.get("warning"), "warning", max_len=400)
        if rule == "silent" and not warning:
            raise ValidationError("The rule that non-voters count with the majority needs its warning printed on "
                                  "the ballot.", field="warning")
        opens_at, closes_at = _when(data.get("opens_at"), "opens_at"), _when(data.get("closes_at"), "closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            raise ValidationError("The end must be after the start.", field="closes_at")
        cleaned = []
        for i, m in enumerate(matters[:MAX_MATTERS + 1], start=1):
            mt = clean_text(m.get("title"), f"matter_{i}", max_len=200)
            if not mt:
                continue
            item = clean_int(m.get("item"), f"item_{i}", min=1, max=9)
            if item is None:
                raise ValidationError("Choose the art. 278 item of matter %(n)s.", field=f"item_{i}", n=i)
            cleaned.append((mt, item, *_election(m, i, item)))
        if not cleaned:
            raise ValidationError("A vote needs at least one matter.", field="matter_1")
        if len(cleaned) > MAX_MATTERS:
            raise ValidationError("At most %(n)s matters.", field="matter_1", n=MAX_MATTERS)
        with self.db.atomic():
            vote = self.get(vote_id) if vote_id else Vote(created_by=actor, created_at=self.clock())
            if vote.status != "draft":
                raise Conflict("Only a draft can be changed.")
            vote.title, vote.body, vote.scope, vote.rule, vote.warning = title, body, scope, rule, warning
            vote.scrutineers = clean_text(data.get("scrutineers"), "scrutineers", max_len=200)
            vote.opens_at, vote.closes_at = opens_at, closes_at
            vote.save()
            VoteMatter.delete().where(VoteMatter.vote == vote.id).execute()
            for pos, (mt, item, seats, candidates) in enumerate(cleaned, start=1):
                VoteMatter.create(vote=vote.id, position=pos, title=mt, item=item, seats=seats, candidates=candidates,
                                  kind="election" if seats else "choice")
            self.audit.record(actor, "update" if vote_id else "create", "vote", vote.id, {"title": title})
        return vote

    # --- the stages ----------------------------------------------------------------------
    def _stage(self, vote: Vote, expected: str, new: str, actor: str, **detail) -> Vote:
        if vote.status != expected:
            raise Conflict("This step is not possible now (the vote is: %(status)s).", status=vote.status)
        vote.status = new
        vote.save()
        self.audit.record(actor, new, "vote", vote.id, detail or None)
        return vote

    def publish_roll(self, vote_id, actor: str, correction_days: int | None = None) -> Vote:
        vote = self.get(vote_id)
        days = self.settings.correction_days if correction_days is None else correction_days
        with self.db.atomic():
            n = self.roll.build(vote)
            vote.correction_until = self.clock() + datetime.timedelta(days=days)
            return self._stage(vote, "draft", "roll", actor, units=n, days=days)

    def open(self, vote_id, actor: str) -> Vote:
        vote = self.get(vote_id)
        if vote.correction_until and self.clock() < vote.correction_until:
            raise Conflict("The roll is open for corrections until %(when)s.",
                           when=vote.correction_until.strftime("%Y-%m-%d %H:%M"))
        return self._stage(vote, "roll", "open", actor)

    def close(self, vote_id, actor: str) -> Vote:
        return self._stage(self.get(vote_id), "open", "closed", actor)

    def publish_preliminary(self, vote_id, actor: str) -> Vote:
        vote = self.get(vote_id)
        with self.db.atomic():
            earlier = vote.result or {}
            vote.result = self.result_summary(vote)
            vote.result["published_at"] = self.clock().replace(microsecond=0).isoformat(sep=" ")
            correction = earlier.get("correction") if vote.status == "closed" else None
            if correction:  # this notice replaces one withdrawn after an upheld objection
                vote.result["notice"] = correction["previous"]["notice"] + 1
                vote.result["replaces"] = correction
            vote.objection_until = self.clock() + datetime.timedelta(days=self.settings.objection_days)
            return self._stage(vote, "closed", "preliminary", actor, notice=vote.result.get("notice", 1))

    def finalize(self, vote_id, actor: str) -> Vote:
        vote = self.get(vote_id)
        if vote.objection_until and self.clock() < vote.objection_until:
            raise Conflict("Objections may be raised until %(when)s.",
                           when=vote.objection_until.strftime("%Y-%m-%d %H:%M"))
        if self.objections is not None and self.objections.waiting(vote.id):
            raise Conflict("%(n)s objection(s) still wait for an answer.", n=self.objections.waiting(vote.id))
        with self.db.atomic():
            notice = (vote.result or {}).get("notice")
            vote.result = self.result_summary(vote)
            if notice:  # the count was corrected after an upheld objection: say how many notices there were
                vote.result["notice"] = notice
            if self.objections is not None:  # how many 询异 there were, and how many were upheld
                vote.result["objections"] = self.objections.counts(vote.id)
            self._stage(vote, "preliminary", "final", actor)
            # Results leave the box without personal data: tallies, unit counts, the chain head.
            outbox.append("vote_result", {"vote": str(vote.uuid), "title": vote.title, "result": vote.result},
                          priority=6)
        return vote

    # --- counting --------------------------------------------------------------------------
    def ballots_by_matter(self, vote_id) -> dict[str, dict[str, str]]:
        counted = chain.effective(self.ledger.entries(vote_id))
        by_matter: dict[str, dict[str, str]] = {}
        for owner, e in counted.items():
            for pos, choice in e["choices"].items():
                by_matter.setdefault(pos, {})[owner] = choice
        return by_matter

    def results(self, vote: Vote) -> dict:
        """The strict tally, the rule's tally where it applies, and why it does not otherwise."""
        matters = self.matters(vote.id)
        specs = [spec_of(m) for m in matters]
        rows = self.roll.rows(vote.id)
        roll = self.roll.entries(vote.id, rows)
        ballots = self.ballots_by_matter(vote.id)
        strict = count_all(roll, ballots, specs)
        rule, refusal = None, None
        if vote.rule == "silent":
            missing = len(self.roll.undelivered(vote.id))
            if missing:
                refusal = missing
            else:
                rule = count_all(roll, ballots, specs, silent=True)
        return {"matters": matters, "strict": strict, "rule": rule, "undelivered": refusal,
                "fallback": fallback_count(rows)}

    def result_summary(self, vote: Vote) -> dict:
        r = self.results(vote)
        head = self.ledger.head(vote.id)
        voted = set(chain.effective(self.ledger.entries(vote.id)))
        return {"matters": [{"title": m.title, "item": m.item, "strict": s.as_json(),
                             "rule": r["rule"][i].as_json() if r["rule"] else None}
                            for i, (m, s) in enumerate(zip(r["matters"], r["strict"]))],
                "area_fallback": r["fallback"],
                "rule_refused_undelivered": r["undelivered"], "head": list(head) if head else None,
                "participants": [{"unit": f"{x.building} {x.number}", "area": x.area, "source": x.area_source}
                                 for x in self.roll.rows(vote.id) if x.owner_key in voted]}

    def turnout(self, vote_id) -> list[dict]:
        """Per building: units, units whose owner has voted, and the unit numbers still to knock at."""
        voted = set(chain.effective(self.ledger.entries(vote_id)))
        out: dict[str, dict] = {}
        for r in self.roll.rows(vote_id):
            b = out.setdefault(r.building, {"building": r.building, "units": 0, "voted": 0, "area": 0,
                                            "voted_area": 0, "knock": []})
            b["units"] += 1
            b["area"] += r.area
            if r.owner_key in voted:
                b["voted"] += 1
                b["voted_area"] += r.area
            else:
                b["knock"].append(r.number)
        return list(out.values())
