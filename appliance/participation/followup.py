"""The "fixed?" follow-up: once a report is fixed its reporter is asked whether it really is,
with 1-5 stars; on /me always, and by SMS through the fire lane's modem notifier when the
reporter gave a phone number. "Not fixed" reopens the order (within the reopen window).

``ask_due`` is idempotent (one row per order and fix), so the loop that calls it may run as
often as it likes; a reopened and fixed-again order is asked again.
"""

from __future__ import annotations

import datetime
import logging

from appliance.db.models import ReportFollowup, WorkOrder
from appliance.errors import ValidationError
from appliance.i18n import N_, gettext
from appliance.participation.reports import resident_actor
from appliance.sync import outbox

logger = logging.getLogger(__name__)

FOLLOWUP_KIND = "workorder.followup"
SMS_TEXT = N_("%(community)s: your report %(number)s is marked fixed. Is it really fixed? Reply 1 (fixed) or "
              "2 (not fixed), with 1-5 stars if you like, e.g. \"1 5\". Or answer on the resident page (/me).")


class Followups:
    def __init__(self, db, workorders, reports, notifier, settings, community: str):
        self.db = db
        self.wo = workorders
        self.reports = reports
        self.notifier = notifier
        self.settings = settings
        self.community = community

    def ask_due(self) -> int:
        """Create the question for every fixed report not yet asked about its latest fix."""
        asked = 0
        # Only fixes recent enough to reopen: a box updated today does not text last year's reporters.
        since = self.wo.now() - datetime.timedelta(days=self.settings.reopen_days)
        orders = (WorkOrder.select().where(WorkOrder.status == "fixed", WorkOrder.fixed_at >= since,
                                           (WorkOrder.reporter.is_null(False)) | (WorkOrder.reporter_phone != ""),
                                           WorkOrder.source.in_(("resident", "volunteer_on_behalf")))
                  .order_by(WorkOrder.id).limit(200))
        for order in orders:
            row = ReportFollowup.get_or_none(ReportFollowup.order == order.id)
            if row is not None and row.fixed_at == order.fixed_at:
                continue
            with self.db.atomic():
                if row is None:
                    row = ReportFollowup.create(order=order, fixed_at=order.fixed_at, asked_at=self.wo.now())
                else:
                    ReportFollowup.update(fixed_at=order.fixed_at, asked_at=self.wo.now(), sms="", answered_at=None,
                                          really_fixed=None, stars=None).where(ReportFollowup.id == row.id).execute()
            asked += 1
            self._sms(order, row.id)
        return asked

    def _sms(self, order: WorkOrder, row_id: int) -> None:
        if not self.settings.followup_sms or not order.reporter_phone:
            ReportFollowup.update(sms="none").where(ReportFollowup.id == row_id).execute()
            return
        text = gettext(SMS_TEXT, community=self.community, number=order.number)
        try:
            self.notifier.send(order.reporter_phone, text)
        except Exception as exc:  # a modem fault must not stop the questions on /me
            logger.warning("follow-up SMS for %s failed: %s", order.number, exc)
            state = f"failed: {str(exc)[:100]}"
        else:
            state = "sent"
        ReportFollowup.update(sms=state).where(ReportFollowup.id == row_id).execute()

    def open_question(self, order: WorkOrder) -> ReportFollowup | None:
        row = ReportFollowup.get_or_none(ReportFollowup.order == order.id)
        if row is None or row.answered_at is not None or order.status != "fixed":
            return None
        return row

    def answer(self, resident_id: int, order_id, really_fixed: bool, stars, comment: str = "") -> WorkOrder:
        """The reporter's own answer on /me."""
        order = self.reports.my_order(resident_id, order_id)
        return self._record(order, really_fixed, stars, comment, resident_actor(resident_id))

    def answer_for(self, order_id, really_fixed: bool, stars, actor: str, comment: str = "") -> WorkOrder:
        """A volunteer records what a reporter without a smartphone said (phone call, visit)."""
        order = self.wo.get(order_id)
        words = f"({gettext('recorded by %(name)s', name=actor)}) {comment}".strip()
        return self._record(order, really_fixed, stars, words[:300], actor)

    def _record(self, order: WorkOrder, really_fixed: bool, stars, comment: str, actor: str,
                stars_optional: bool = False) -> WorkOrder:
        """Note the answer; "fixed" closes the order (the reporter confirmed it), "not fixed"
        reopens it within the reopen window. ``stars_optional``: an SMS "1" has no stars."""
        row = ReportFollowup.get_or_none(ReportFollowup.order == order.id)
        if order.status != "fixed":
            raise ValidationError("This report is not waiting for your answer.", field="stars")
        if stars is None and stars_optional:
            pass
        else:
            try:
                stars = int(str(stars)[:2])
            except (TypeError, ValueError):
                raise ValidationError("Choose 1 to 5 stars.", field="stars") from None
            if not 1 <= stars <= 5:
                raise ValidationError("Choose 1 to 5 stars.", field="stars")
        with self.db.atomic():
            if row is None:
                row = ReportFollowup.create(order=order, fixed_at=order.fixed_at, asked_at=self.wo.now(), sms="none")
            if row.answered_at is not None:
                raise ValidationError("You have already answered.", field="stars")
            ReportFollowup.update(answered_at=self.wo.now(), really_fixed=bool(really_fixed), stars=stars).where(
                ReportFollowup.id == row.id).execute()
            # The district's 回访满意度: stars and the answer, never who gave them.
            outbox.append(FOLLOWUP_KIND, {"order_uuid": str(order.uuid), "number": order.number, "stars": stars,
                                          "really_fixed": bool(really_fixed), "at": self.wo.now().isoformat()},
                          priority=5)
            if stars is None:
                words = gettext("Reporter: really fixed.") if really_fixed else gettext("Reporter: not fixed yet.")
            else:
                words = gettext("Reporter: really fixed, %(n)s stars.", n=stars) if really_fixed else gettext(
                    "Reporter: not fixed yet, %(n)s stars.", n=stars)
            if comment:
                words += " " + comment[:300]
            if really_fixed:
                return self.wo.transition(order.id, "closed", actor, note=words, public=True)
            if not self.reports.can_reopen(order):
                self.wo.add_note(order.id, words, True, actor)
                return self.wo.get(order.id)
            return self.wo.transition(order.id, "reopened", actor, note=words, public=True)

    def satisfaction(self, since: datetime.datetime | None = None, until: datetime.datetime | None = None) -> dict:
        query = ReportFollowup.select().where(ReportFollowup.stars.is_null(False))
        if since is not None:
            query = query.where(ReportFollowup.answered_at >= since)
        if until is not None:
            query = query.where(ReportFollowup.answered_at < until)
        stars = [r.stars for r in query]
        return {"answers": len(stars), "average": round(sum(stars) / len(stars), 2) if stars else None,
                "not_fixed": query.where(ReportFollowup.really_fixed == False).count()}  # noqa: E712
