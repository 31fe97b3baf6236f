"""The waste-sorting guide: found by Chinese text or pinyin initials, the city's bin names,
at the kiosk's care corner and for staff; garbage queries are answered."""

from __future__ import annotations

import pytest

from appliance.care.waste import search


def test_search_by_text_and_pinyin_initials_with_the_citys_bin_names():
    assert search("kqs", "shanghai") == [{"item": "矿泉水瓶", "bin": "recyclable", "bin_name": "可回收物", "note": ""}]
    assert search("xgp", "shanghai")[0]["bin_name"] == "湿垃圾"
    assert search("西瓜皮", "national")[0]["bin_name"] == "厨余垃圾"
    assert {r["bin"] for r in search("电池")} == {"hazardous"}
    assert search("剩饭")[0] == {"item": "剩饭", "bin": "kitchen", "bin_name": "厨余垃圾", "note": ""}
    assert search("  ") == [] and search("外星人") == [] and search("'; drop table--") == []


@pytest.mark.parametrize("q", ["kqs", "%", "x" * 500, "<script>", "\u0000"])
def test_the_guide_page_answers_any_query(client_as, q):
    r = client_as("volunteer").get("/care/waste", query_string={"q": q})
    assert r.status_code in (200, 400)
    if q == "kqs":
        assert "矿泉水瓶" in r.get_data(as_text=True) and "可回收物" in r.get_data(as_text=True)


def test_the_kiosk_reaches_the_guide_and_htmx_gets_only_the_results(client_as):
    kiosk = client_as("kiosk")
    r = kiosk.get("/kiosk/care/waste?q=fdc", headers={"HX-Request": "true"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.lstrip().startswith('<ul id="waste-results"') and "废电池" in html
    assert kiosk.get("/care/waste").status_code == 403
