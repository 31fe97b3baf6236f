"""Hostile values on every participation route, as the resident, staff and anonymous would send
them: answered with 400/403/404 or a page, never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.conftest import csrf_token
from tests.web.test_fuzz import HOSTILE

GETS = ["/me/reports/nearby?category={v}&building_id={v}", "/me/reports/{v}", "/me/reports/new?x={v}",
        "/photos/{v}", "/photos/{v}.jpg", "/open311/v2/requests.json?start_date={v}&end_date={v}&status={v}",
        "/open311/v2/requests.json?service_request_id={v}&service_code={v}", "/open311/v2/requests/{v}.json",
        "/open311/v2/tokens/{v}.xml", "/open311/v2/services/{v}.json", "/notices/speech/{v}.wav", "/ratings?x={v}",
        "/notices?x={v}", "/workorders/report-for?x={v}", "/me/rate?x={v}"]
POSTS = [("/me/reports", {"category": "{v}", "building_id": "{v}", "spot": "{v}", "description": "{v}"}),
         ("/me/reports/1/answer", {"fixed": "{v}", "stars": "{v}"}), ("/me/reports/1/reopen", {"reason": "{v}"}),
         ("/me/reports/1/plus-one", {}), ("/me/rate", {"cleaning": "{v}", "repairs": "{v}"}),
         ("/me/notices/1/read", {}), ("/notices", {"title": "{v}", "expires": "{v}", "audience": "{v}",
                                                   "buildings": "{v}"}),
         ("/workorders/report-for", {"category": "{v}", "phone": "{v}", "building_id": "{v}"}),
         ("/admin/open311-keys", {"name": "{v}", "revoke": "{v}"}),
         ("/open311/v2/requests.json", {"api_key": "{v}", "service_code": "{v}", "lat": "{v}", "long": "{v}"})]


@pytest.mark.parametrize("value", HOSTILE)
def test_no_500_on_hostile_values(app, client_as, wang_client, services, estate, value):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    services.participation.reports.submit(category="lamp", description="x", place={"building_id": estate["b3"].id},
                                          resident_id=estate["wang"].id)
    admin = client_as("admin")
    anonymous = app.test_client()
    failures = []
    for client in (wang_client, admin, anonymous):
        for path in GETS:
            url = path.format(v=quote(value, safe=""))
            status = client.get(url).status_code
            if status >= 500:
                failures.append((url, status))
    for client, page in ((wang_client, "/me/reports/new"), (admin, "/notices")):
        token = csrf_token(client, page)
        for path, fields in POSTS:
            data = {k: v.format(v=value) for k, v in fields.items()}
            status = client.post(path, data={"csrf_token": token, **data}).status_code
            if status >= 500:
                failures.append((path, data, status))
    assert failures == []
