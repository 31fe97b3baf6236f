"""A demo box (`linli run --init-demo`) in a temporary home, for benches that need it running."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def running_box(port: int | None = None):
    """Yield ``(process, base_url)`` once /healthz answers; SIGTERM at the end."""
    port = port or 18000 + os.getpid() % 1000
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "LINLI_HOME": str(Path(tmp) / "box")}
        proc = subprocess.Popen([sys.executable, "-m", "appliance", "run", "--init-demo", "--host", "127.0.0.1",
                                 "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.3)
            yield proc, base
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
