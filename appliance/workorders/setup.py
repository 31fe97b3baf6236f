"""Work-order feature: builds the :class:`WorkOrderService` and a health line with the
number of overdue orders. Other features reach the service with
``ctx.need(WorkOrdersFeature).service`` and register their categories in their own setup."""

from __future__ import annotations

from appliance.features import Context, Feature
from appliance.i18n import gettext as _
from appliance.workorders.service import WorkOrderService


class WorkOrdersFeature(Feature):
    name = "workorders"

    def __init__(self, service: WorkOrderService):
        super().__init__()
        self.service = service


def setup(ctx: Context) -> WorkOrdersFeature:
    service = WorkOrderService(ctx.db, ctx.audit, clock=ctx.clock)
    feature = WorkOrdersFeature(service)
    feature.check("work orders", lambda: _health(service))
    return feature


def _health(service: WorkOrderService) -> tuple[bool, str]:
    # Overdue orders are work for people, not a fault of the box: the line stays OK.
    late = service.overdue_count()
    return True, _("%(n)s overdue", n=late) if late else _("none overdue")
