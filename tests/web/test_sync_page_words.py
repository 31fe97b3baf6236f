"""Sync page: an unpaired box says how to pair; a USB sync shows in the chart and the byte
count; the activity table speaks plain Chinese (no mqtt/up/ok, no microseconds)."""

from __future__ import annotations

import re

from appliance.sync import state
from appliance.sync.outbox import append


def test_unpaired_box_says_how_to_pair(client_as):
    html = client_as("admin").get("/sync").get_data(as_text=True)
    assert 'data-testid="how-to-pair"' in html and "linli sync pair-code" in html


def test_a_usb_sync_counts_in_the_chart_and_the_bytes(client_as, services, db, tmp_path):
    with db.atomic():
        for i in range(5):
            append("access.event", {"n": i})
        state.log("mqtt", "up", 1, 2, 2, 2000)
    result = services.sync.channels["usb"].export_to(tmp_path)  # a real stick run into a folder
    assert result["entries"] == 5
    html = client_as("admin").get("/sync").get_data(as_text=True)
    usb_bars = re.findall(r'<rect class="bar-usb" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"', html)
    assert len(usb_bars) == 1 and float(usb_bars[0]) > 0
    shown = re.search(r'id="sync-bytes-usb">([\d.]+) (KB|MB)<', html)
    assert shown and float(shown.group(1)) > 0
    table = html.split("最近的同步记录")[-1] if "最近的同步记录" in html else html
    assert "U 盘" in table and "发往街道" in table
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", html)  # no microsecond times
