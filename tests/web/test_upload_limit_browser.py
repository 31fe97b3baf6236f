"""Item 7: an upload over the cap got waitress's raw English "Request Entity Too Large" page;
the app's own translated 413 must answer, through the real waitress server as `linli run` sets it up."""

from __future__ import annotations

import http.client
import urllib.parse

import pytest
from playwright.sync_api import expect

from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def one_mb_cap(config):
    config.web.max_upload_mb = 1


def test_a_too_large_spreadsheet_gets_the_apps_chinese_answer(one_mb_cap, page, live_server, users, tmp_path):
    big = tmp_path / "huge.xlsx"
    big.write_bytes(b"0" * (3 * 1024 * 1024))
    log_in(page, live_server, "volunteer")
    page.goto(live_server + "/residents/import")
    page.set_input_files("input[type=file]", str(big))
    page.click("text=检查文件")
    expect(page.locator("[data-testid=error-message]")).to_contain_text("文件太大")
    assert "Request Entity Too Large" not in page.content()


def test_the_server_answers_413_in_chinese_without_reading_the_body(one_mb_cap, live_server):
    url = urllib.parse.urlsplit(live_server)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    # Only the headers go out: the answer must come without waiting for 50 MB.
    conn.putrequest("POST", "/residents/import")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(50 * 1024 * 1024))
    conn.putheader("Accept-Language", "zh-CN")
    conn.endheaders()
    response = conn.getresponse()
    body = response.read().decode()
    assert response.status == 413
    assert "文件太大" in body and "Request Entity Too Large" not in body
    conn.close()
