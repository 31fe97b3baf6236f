"""Staff page listing the text messages the box received: masked numbers, what the box did
with each, a link to the order, a filter that makes unknown senders stand out."""

from __future__ import annotations

import pytest

from appliance.firelane.setup import FireLaneFeature


@pytest.fixture
def dongle(runtime):
    return runtime.feature(FireLaneFeature).simulated_modem


@pytest.fixture
def received(services, estate, dongle):
    reports = services.participation.reports
    order = reports.submit(category="lamp", description="路灯不亮", place={"building_id": estate["b3"].id},
                           resident_id=estate["wang"].id, phone="13800138000")
    services.workorders.transition(order.id, "fixed", "volunteer", note="已换灯泡")
    services.participation.tick(1)
    dongle.receive_sms("13912345678", "<script>alert(1)</script>")
    dongle.receive_sms("+8613800138000", "1 5")
    services.participation.tick(1)
    return order


def test_volunteer_sees_masked_numbers_outcomes_and_the_order(client_as, received):
    page = client_as("volunteer").get("/workorders/sms").get_data(as_text=True)
    assert "138****8000" in page and "139****5678" in page
    assert "13800138000" not in page and "13912345678" not in page
    assert "已记录回答" in page and "陌生号码，未回复" in page
    assert received.number in page and f"/workorders/{received.id}" in page
    assert "&lt;script&gt;" in page and "<script>alert(1)" not in page  # a stranger's text is shown as text


def test_filter_by_outcome_counts_and_lists_only_those(client_as, received):
    vol = client_as("volunteer")
    page = vol.get("/workorders/sms?outcome=unknown_sender").get_data(as_text=True)
    assert "139****5678" in page and "138****8000" not in page
    assert "陌生号码，未回复 (1)" in page and "全部短信 (2)" in page
    assert vol.get("/workorders/sms?outcome=nonsense").status_code == 400
    assert vol.get("/workorders/sms?page=-3").status_code == 400


def test_queue_links_to_the_log_and_residents_and_district_cannot_open_it(client_as, wang_client, received):
    assert "/workorders/sms" in client_as("volunteer").get("/workorders/").get_data(as_text=True)
    assert client_as("district").get("/workorders/sms").status_code in (302, 403)
    assert wang_client.get("/workorders/sms").status_code in (302, 403)


def test_empty_log_says_so(client_as, estate):
    assert "还没有收到短信" in client_as("admin").get("/workorders/sms").get_data(as_text=True)
