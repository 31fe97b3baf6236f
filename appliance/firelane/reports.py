"""SMS delivery reports onto fire-lane notices.

Every owner and volunteer SMS asks the network for a delivery report (the modem routes them
to us as +CDS). A report names one part's reference (0-255, wrapping) and the recipient,
so it is matched to the newest sent notice to that number whose references include it,
among notices of the last ``REPORT_WINDOW`` only: after 256 messages a reference comes back.
A notice is "delivered" once every part is, "undelivered" as soon as one part failed;
"pending" (the network still trying) is kept but changes nothing. While the incident is
open a change is an update event for the platform; after its end event nothing more is
sent (the platform treats "end" as final), the incident page still shows it.
"""
from __future__ import annotations

import datetime
import logging

from appliance.db.models import FireNotice
from appliance.firelane import events

logger = logging.getLogger(__name__)

REPORT_WINDOW = datetime.timedelta(days=3)


def same_number(a: str, b: str) -> bool:
    """'+8613800138000' and '13800138000' are the same phone."""
    da, db = "".join(c for c in a if c.isdigit()), "".join(c for c in b if c.isdigit())
    return bool(da and db) and (da.endswith(db[-11:]) and db.endswith(da[-11:]))


def apply_reports(db, clock, reports) -> int:
    """Record ``reports`` ((reference, number, state), as notifiers give them); returns how
    many notices they matched."""
    if not reports:
        return 0
    now = clock()
    candidates = list(FireNotice.select()
                      .where(FireNotice.ref != "", FireNotice.status.in_(("sent", "delivered", "undelivered")),
                             FireNotice.at >= now - REPORT_WINDOW)
                      .order_by(FireNotice.id.desc()))
    matched = 0
    with db.atomic():
        for ref, number, state in reports:
            notice = next((n for n in candidates
                           if str(ref) in n.ref.split(",") and same_number(n.number, number)), None)
            if notice is None:
                logger.info("delivery report %s matches no fire-lane notice", ref)
                continue
            parts = dict(p.split(":", 1) for p in notice.reports.split(",") if ":" in p)
            parts[str(ref)] = state
            notice.reports = ",".join(f"{k}:{v}" for k, v in parts.items())
            refs = notice.ref.split(",")
            before = notice.status
            if any(parts.get(r) == "failed" for r in refs):
                notice.status = "undelivered"
            elif all(parts.get(r) == "delivered" for r in refs):
                notice.status, notice.delivered_at = "delivered", now
            notice.save()
            matched += 1
            if notice.status != before and notice.incident.status == "open":
                events.publish(notice.incident, "update")
    return matched
