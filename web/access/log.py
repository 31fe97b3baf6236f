"""The access log: filters and the Excel export."""

from __future__ import annotations

import datetime

from flask import Response, render_template, request

from appliance.access import report
from appliance.db.models.access import METHODS
from web.access import bp
from web.auth import READERS, roles


@bp.get("/access/log")
@roles(*READERS)
def access_log():
    from web.auth import services

    services().access.log.flush()  # show the attempt that just happened
    filters = report.clean_filters(request.args)
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    rows = [report.row_values(e) + [e.granted] for e in report.page(filters, page)]
    return render_template("access/log.html", rows=rows, filters=filters, page=page, methods=METHODS,
                           labels=report.METHOD_LABELS, page_size=report.PAGE_SIZE)


@bp.get("/access/log.xlsx")
@roles(*READERS)
def access_log_export():
    from web.auth import services

    services().access.log.flush()
    data = report.export_xlsx(report.clean_filters(request.args))
    name = f"access-log-{datetime.date.today().isoformat()}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
