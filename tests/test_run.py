"""`linli run` as a real process: first use creates the demo, waitress serves, SIGTERM stops it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from tests.conftest import free_port


def wait_for(url: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read(), dict(response.headers)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_run_serves_the_site_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {**os.environ, "LINLI_HOME": str(tmp_path / "box"), "LANG": "zh_CN.UTF-8"}
    proc = subprocess.Popen([sys.executable, "-m", "appliance", "run", "--init-demo", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        status, body, headers = wait_for(f"http://127.0.0.1:{port}/healthz")
        report = json.loads(body)
        assert status == 200 and report["ok"] and report["subsystems"]["gpio"]["ok"]
        assert headers.get("Server") == "linli"  # waitress, not the Flask debug server
        _, login, _ = wait_for(f"http://127.0.0.1:{port}/login")
        assert "演示账号" in login.decode()
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "http://127.0.0.1:%d/" % port in output
    assert "INFO appliance.runtime: runtime ready" in output  # [logging] level = INFO by default
