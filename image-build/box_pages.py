"""The box's web pages as the installer and the administrator use them in `make image-test`:
the first-boot wizard with the setup code from the console, logging in, opening the gate,
and reading the access log back from its Excel export."""

from __future__ import annotations

import io
import re
import threading

import requests
from openpyxl import load_workbook

from emulated_board import Board

PASSWORD = "Linli-image-test-2026"


def csrf(session: requests.Session, url: str, timeout: float = 30) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', session.get(url, timeout=timeout).text)
    if not match:
        raise SystemExit(f"no form on {url}")
    return match.group(1)


def finish_wizard(board: Board) -> None:
    found = re.findall(r"设置码\s*[:：]\s*(\d{8})", board.console())
    if not found:
        raise SystemExit("the setup code was not printed on the console")
    s = requests.Session()
    token = csrf(s, board.url + "/setup")
    answer = s.post(board.url + "/setup/code", data={"code": found[-1], "csrf_token": token}, timeout=30)
    if answer.status_code != 200 or "/setup/" not in answer.text:
        raise SystemExit(f"the setup code was refused: HTTP {answer.status_code}")
    for step, fields in (("community", {"name": "幸福里小区", "address": "福州市鼓楼区"}),
                         ("admin", {"password": PASSWORD, "password2": PASSWORD})):
        answer = s.post(f"{board.url}/setup/{step}", data={**fields, "csrf_token": token}, timeout=30,
                        allow_redirects=False)
        if answer.status_code != 302:
            raise SystemExit(f"wizard step {step} refused: HTTP {answer.status_code}")
    answer = s.post(board.url + "/setup/finish", data={"csrf_token": token}, timeout=30, allow_redirects=False)
    if answer.status_code != 302 or "/login" not in answer.headers.get("Location", ""):
        raise SystemExit(f"the wizard did not finish: HTTP {answer.status_code}")


def admin(board: Board) -> tuple[requests.Session, str]:
    s = requests.Session()
    token = csrf(s, board.url + "/login")
    answer = s.post(board.url + "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token},
                    timeout=30, allow_redirects=False)
    if answer.status_code != 302:
        raise SystemExit(f"the administrator could not log in: HTTP {answer.status_code}")
    return s, csrf(s, board.url + "/gate")


def logged_opens(board: Board) -> list[str]:
    """The reasons of every remote open in the access log's Excel export."""
    s, _token = admin(board)
    answer = s.get(board.url + "/access/log.xlsx", params={"method": "remote"}, timeout=120)
    answer.raise_for_status()
    rows = list(load_workbook(io.BytesIO(answer.content), read_only=True).active.iter_rows(values_only=True))
    return [str(r[-1]) for r in rows[1:] if r and r[-1] and str(r[-1]).startswith("cut")]


def open_until_stopped(board: Board, cut: int, acked: list[str], stop: threading.Event) -> None:
    s, token = admin(board)
    n = 0
    while not stop.is_set():
        reason = f"cut{cut}-{n}"
        n += 1
        try:
            answer = s.post(board.url + "/gate/open", data={"reason": reason, "csrf_token": token}, timeout=30)
        except requests.RequestException:
            return  # the plug was pulled mid-request: that open was never acknowledged
        if answer.status_code == 200:
            acked.append(reason)
