"""Answers to the "fixed?" question by SMS: "1" / "是" (fixed) or "2" / "否" (not fixed), with
1-5 stars if the reporter likes ("1 5", "是 4星", "2*1"). A message is matched to the open
question of the report whose reporter gave that phone number; "fixed" closes the order,
"not fixed" reopens it (within the reopen window).

Senders the box never asked are not answered (a reply would cost money and could start a
ping-pong with an automatic sender); they are logged. A reporter whose message is unclear
gets one polite explanation. Every message is kept in SmsInbound with its outcome; the
number only masked.
"""

from __future__ import annotations

import datetime
import logging
import re
import time
import unicodedata

from peewee import JOIN, fn

from appliance.db.models import ReportFollowup, SmsInbound, WorkOrder
from appliance.errors import LinliError
from appliance.i18n import N_, _locale, gettext, set_locale
from appliance.participation.reports import resident_actor
from hardware.modem.errors import PduError
from hardware.modem.pdu import normalize_number

logger = logging.getLogger(__name__)

YES = ("1", "是", "好", "修好", "已修好", "对", "y", "yes", "ok")
NO = ("2", "否", "不", "没", "未", "还没", "n", "no")
REPLY_GAP_S = 3600  # at most one reply per number and hour: no SMS ping-pong with a machine

THANKS_FIXED = N_("Thank you! Noted: report %(number)s is fixed.")
THANKS_REOPENED = N_("Thank you for telling us. Report %(number)s is open again; we will see to it soon.")
THANKS_NOT_FIXED = N_("Thank you for telling us. Noted: report %(number)s is not fixed yet.")
UNCLEAR = N_("Sorry, we did not understand. Is report %(number)s really fixed? Reply 1 (fixed) or 2 (not "
             "fixed), with 1-5 stars if you like, e.g. \"1 5\".")
OUTCOMES = ("answered", "unclear", "no_question", "unknown_sender")
OUTCOME_WORDS = {
    "answered": N_("Answer recorded"),
    "unclear": N_("Not understood; explained how to reply"),
    "no_question": N_("A reporter, but no question was waiting"),
    "unknown_sender": N_("Unknown number; not answered"),
}
NO_QUESTION = N_("Thank you. No report is waiting for your answer just now.")


def parse(text: str) -> tuple[bool | None, int | None]:
    """(really fixed?, stars or None); (None, None) when the message says neither."""
    t = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    t = t.lstrip(" .,;:!?'\"“”‘’，。；：！？、")
    answer, rest = None, ""
    # Longest words first, so "不是" is "no" and "是的" is "yes".
    for word in sorted(YES + NO, key=len, reverse=True):
        if t.startswith(word):
            if word.isascii() and word.isalpha() and t[len(word):len(word) + 1].isalpha():
                continue  # "nothing", "yesterday": not an answer word
            answer, rest = word in YES, t[len(word):]
            break
    if answer is None:
        return None, None
    if "★" in rest or "☆" in rest:
        count = rest.count("★")
        return answer, count if 1 <= count <= 5 else None
    m = re.search(r"\d+", rest)
    stars = int(m.group()) if m and len(m.group()) == 1 and 1 <= int(m.group()) <= 5 else None
    return answer, stars


def mask(number: str) -> str:
    digits = re.sub(r"\D", "", number or "")
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]  # +86 13800138000 shows as the resident knows their number
    return (digits[:3] + "****" + digits[-4:]) if len(digits) >= 8 else "****"


def _same_number(a: str, b: str) -> bool:
    try:
        return normalize_number(a) == normalize_number(b)
    except PduError:
        return False


class SmsAnswers:
    def __init__(self, db, followups, notifier, language: str = "zh_CN", clock=datetime.datetime.now,
                 monotonic=time.monotonic):
        self.db = db
        self.followups = followups
        self.notifier = notifier
        self.language = language
        self.clock = clock
        self.monotonic = monotonic
        self._last_reply: dict[str, float] = {}

    def poll(self) -> int:
        """Read what the modem received and act on it; returns how many messages were read."""
        receive = getattr(self.notifier, "received", None)
        messages = receive() if receive is not None else []
        for sender, text in messages:
            try:
                self.handle(sender, text)
            except LinliError as exc:
                logger.warning("SMS from %s not used: %s", mask(sender), exc)
        return len(messages)

    def handle(self, sender: str, text: str) -> SmsInbound:
        order = self._waiting_order(sender)
        really_fixed, stars = parse(text)
        reply = None
        if order is None:
            outcome = "no_question" if self._known(sender) else "unknown_sender"
            if outcome == "no_question":
                reply = NO_QUESTION
        elif really_fixed is None:
            outcome, reply = "unclear", UNCLEAR
        else:
            actor = resident_actor(order.reporter_id) if order.reporter_id else "resident"
            after = self.followups._record(order, really_fixed, stars, gettext("(by SMS)"), actor,
                                           stars_optional=True)
            outcome = "answered"
            reply = THANKS_FIXED if really_fixed else (THANKS_REOPENED if after.status == "reopened"
                                                       else THANKS_NOT_FIXED)
        row = SmsInbound.create(received_at=self.clock().replace(microsecond=0), sender=mask(sender),
                                text=str(text or "")[:160], outcome=outcome, order=order.id if order else None)
        logger.info("SMS from %s: %s%s", mask(sender), outcome, f" ({order.number})" if order else "")
        if reply is not None and self._send(sender, reply, order, limited=outcome != "answered"):
            SmsInbound.update(replied=True).where(SmsInbound.id == row.id).execute()
            row.replied = True
        return row

    def log(self, outcome: str | None = None, page: int = 1, per_page: int = 50) -> dict:
        """The messages received, newest first, for the staff page: numbers stay masked as stored.
        ``counts`` gives how many of each outcome there are, so unknown senders stand out."""
        query = SmsInbound.select(SmsInbound, WorkOrder).join(WorkOrder, join_type=JOIN.LEFT_OUTER)
        if outcome in OUTCOMES:
            query = query.where(SmsInbound.outcome == outcome)
        total = query.count()
        rows = list(query.order_by(SmsInbound.received_at.desc(), SmsInbound.id.desc())
                    .paginate(max(1, page), per_page))
        counts = {o: 0 for o in OUTCOMES}
        for name, n in (SmsInbound.select(SmsInbound.outcome, fn.COUNT(SmsInbound.id))
                        .group_by(SmsInbound.outcome).tuples()):
            if name in counts:
                counts[name] = n
        return {"rows": rows, "total": total, "counts": counts, "page": max(1, page),
                "pages": max(1, (total + per_page - 1) // per_page)}

    def _waiting_order(self, sender: str) -> WorkOrder | None:
        """The report with an open "fixed?" question for this number, the latest asked first."""
        rows = (ReportFollowup.select(ReportFollowup, WorkOrder).join(WorkOrder)
                .where(ReportFollowup.answered_at.is_null(), WorkOrder.status == "fixed",
                       WorkOrder.reporter_phone.is_null(False), WorkOrder.reporter_phone != "")
                .order_by(ReportFollowup.asked_at.desc(), ReportFollowup.id.desc()))
        for row in rows:
            if _same_number(row.order.reporter_phone, sender):
                return row.order
        return None

    def _known(self, sender: str) -> bool:
        """Someone who once gave this number with a report (a neighbour, not a stranger)."""
        phones = WorkOrder.select(WorkOrder.reporter_phone).where(WorkOrder.reporter_phone.is_null(False),
                                                                  WorkOrder.reporter_phone != "").distinct()
        return any(_same_number(p.reporter_phone, sender) for p in phones)

    def _send(self, sender: str, message: str, order: WorkOrder | None, limited: bool) -> bool:
        key = re.sub(r"\D", "", sender)
        now = self.monotonic()
        if limited and key in self._last_reply and now - self._last_reply[key] < REPLY_GAP_S:
            logger.info("no second reply to %s within an hour", mask(sender))
            return False
        token = set_locale(self.language)
        try:
            text = gettext(message, number=order.number if order else "")
        finally:
            _locale.reset(token)
        try:
            self.notifier.send(sender, text)
        except Exception as exc:  # a modem fault: the answer is recorded, only the thanks is lost
            logger.warning("reply SMS to %s failed: %s", mask(sender), exc)
            return False
        if limited:
            self._last_reply[key] = now
        return True
