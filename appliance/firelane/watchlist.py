"""Plates on the district's watch list (sent down by the hub through sync)."""

from __future__ import annotations

import logging

from appliance.db.models import FireIncident, PlateWatch
from appliance.sync import outbox

logger = logging.getLogger(__name__)


def report_watch_hit(inc: FireIncident) -> bool:
    """Report an incident whose plate is watched, ahead of everything else in the outbox."""
    watched = PlateWatch.get_or_none(PlateWatch.plate == inc.plate) if inc.plate else None
    if watched is None:
        return False
    outbox.append("firelane.watch_hit", {"incident": str(inc.uuid), "plate": inc.plate, "reason": watched.reason,
                                         "zone": inc.zone.name, "at": inc.opened_at.isoformat()}, priority=1)
    logger.warning("fire-lane incident %s: plate on the district watch list", inc.id)
    return True
