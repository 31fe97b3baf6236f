"""Every staff screen has a 帮助 link to its own help (what it is for, how to use it, what to
do when it fails), in Chinese."""

from __future__ import annotations

import re

from appliance.i18n import gettext, set_locale
from tests.conftest import login
from web.help import ENDPOINT_TOPICS, TOPICS


def test_every_help_text_is_translated():
    set_locale("zh_CN")
    for name, topic in TOPICS.items():
        texts = [topic.title, topic.what, *topic.how, *(t for pair in topic.trouble for t in pair)]
        for text in texts:
            assert gettext(text) != text, (name, text)


def test_help_topics_name_real_screens(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unknown = sorted(e for e in ENDPOINT_TOPICS if e not in endpoints)
    assert len(unknown) <= 3, unknown  # a few detail pages are named ahead of their routes
    assert set(ENDPOINT_TOPICS.values()) <= set(TOPICS)


def test_each_screen_links_to_its_own_help(app, users):
    client = app.test_client()
    login(client, "admin")
    for path, topic in (("/", "dashboard"), ("/residents", "residents"), ("/gate", "gate"),
                        ("/access/log", "access_log"), ("/firelane/", "firelane"), ("/workorders/", "workorders"),
                        ("/parking/", "parking"), ("/sync", "sync"), ("/users", "accounts")):
        html = client.get(path).get_data(as_text=True)
        assert re.search(rf'<a href="/help/{topic}" class="help-link" id="help-link">帮助</a>', html), (path, topic)
        page = client.get(f"/help/{topic}")
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert f"<h1>{gettext(TOPICS[topic].title)}</h1>" in body
        assert ("出了问题怎么办" in body) == bool(TOPICS[topic].trouble)


def test_help_needs_a_signed_in_staff_member_and_a_known_topic(app, users):
    client = app.test_client()
    assert client.get("/help/gate").status_code == 302  # to the sign-in page
    login(client, "volunteer")
    assert client.get("/help/nosuch").status_code == 404
    assert client.get("/help/").status_code == 200
