"""The access log: filters and the Excel export."""

from __future__ import annotations

import datetime

from flask import Response, render_template, request

from appliance.access import report
from appliance.db.models.access import METHODS
from web.access import bp
from web.auth import READERS, roles
from web.params import page_arg


@bp.get("/access/log")
@roles(*READERS)
def access_log():
    from web.auth import services

    filters = report.clean_filters(request.args)
    page = page_arg()
    waiting = services().access.log.waiting_rows()  # the attempt that just happened is one of them
    rows = [report.row_values(e) + [e.granted] for e in report.page(filters, page, waiting)]
    return render_template("access/log.html", rows=rows, filters=filters, page=page, methods=METHODS,
                           labels=report.METHOD_LABELS, page_size=report.PAGE_SIZE,
                           shortcuts=_shortcuts(services().access.now().date()))


def _shortcuts(today: datetime.date) -> list[tuple[str, datetime.date, datetime.date]]:
    """今天 and 本周 (Monday to today, the box's own clock): one tap instead of two date pickers."""
    from flask_babel import gettext as _

    monday = today - datetime.timedelta(days=today.weekday())
    return [(_("Today"), today, today), (_("This week"), monday, today)]


@bp.get("/access/log.xlsx")
@roles(*READERS)
def access_log_export():
    from web.auth import services

    data = report.export_xlsx(report.clean_filters(request.args), waiting=services().access.log.waiting_rows())
    name = f"access-log-{datetime.date.today().isoformat()}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
