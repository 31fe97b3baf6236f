"""The community police role: fire-lane incidents read-only and, for a stated reason that is
audited, access-log queries for one person or one time window — refused everywhere else
(walked over the whole URL map)."""

from __future__ import annotations

import datetime

import pytest

from appliance.db.models import AccessEvent, AuditLog
from tests.care.test_pages import post
from tests.conftest import PASSWORD, csrf_token
from tests.web.test_access import concrete_urls


@pytest.fixture
def police(app, services, users):
    services.accounts.create("police1", "police", PASSWORD, display_name="民警")
    c = app.test_client()
    r = c.post("/login", data={"username": "police1", "password": PASSWORD, "csrf_token": csrf_token(c)})
    assert r.status_code == 302 and r.headers["Location"].endswith("/care/police/")
    return c


def test_police_is_refused_everywhere_but_its_own_page(app, police):
    app.config["WTF_CSRF_ENABLED"] = False
    allowed = 0
    for endpoint, method, url in concrete_urls(app):
        response = police.open(url, method=method)
        if endpoint.startswith("care.police."):
            allowed += 1
            assert response.status_code in (200, 400), (endpoint, response.status_code)
        elif endpoint.startswith("auth."):
            continue
        else:
            assert response.status_code == 403, (endpoint, method, url, response.status_code)
    assert allowed == 2
    html = police.get("/care/police/").get_data(as_text=True)
    assert "main-nav" not in html and "消防通道占用事件" in html


def test_an_access_query_needs_a_reason_and_is_audited(police, services, elder):
    now = datetime.datetime.now().replace(microsecond=0)
    AccessEvent.create(at=now, method="card", granted=True, reason="ok", resident=elder, source="gate")
    AccessEvent.create(at=now - datetime.timedelta(days=3), method="pin", granted=True, reason="ok", source="gate")
    page = "/care/police/"
    for data, field in (({"resident": "李桂兰"}, "reason"), ({"reason": "x", "resident": "李桂兰"}, "reason"),
                        ({"reason": "案件 2026-001"}, "resident"), ({"reason": "案件 2026-001", "resident": "无名氏"},
                                                                  "resident"),
                        ({"reason": "案件 2026-001", "start": "2026-01-01", "end": "2026-03-01"}, "end"),
                        ({"reason": "案件 2026-001", "start": "2026-01-01"}, "start")):
        r = post(police, "/care/police/access", data, page)
        assert r.status_code == 400 and f'data-field="{field}"' in r.get_data(as_text=True), data
    assert not AuditLog.select().where(AuditLog.action == "police_query").exists()
    r = post(police, "/care/police/access", {"reason": "案件 2026-001 走访核实", "resident": "李桂兰"}, page)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "1 条记录" in html and "李桂兰" in html
    day = (now - datetime.timedelta(days=3)).date().isoformat()
    r = post(police, "/care/police/access", {"reason": "案件 2026-002", "start": day, "end": day}, page)
    assert "1 条记录" in r.get_data(as_text=True)
    audit = [row.detail for row in AuditLog.select().where(AuditLog.action == "police_query").order_by(AuditLog.id)]
    assert [a["reason"] for a in audit] == ["案件 2026-001 走访核实", "案件 2026-002"]
    assert audit[0]["name"] == "李桂兰" and audit[1]["start"] == day
