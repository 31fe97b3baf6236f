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
def running_box(port: int | None = None, demo: bool = True, folder: Path | None = None):
    """Yield ``(process, base_url)`` once /healthz answers; SIGTERM at the end.

    ``demo``: the demo community (cameras replaying); otherwise a box as first boot leaves it
    (``linli init``: an admin account, nothing configured). ``folder``: where the temporary
    home goes (a real disk, for benches that count bytes written)."""
    port = port or 18000 + os.getpid() % 1000
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        env = {**os.environ, "LINLI_HOME": str(Path(tmp) / "box")}
        if not demo:
            subprocess.run([sys.executable, "-m", "appliance", "init"], env=env, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        proc = subprocess.Popen([sys.executable, "-m", "appliance", "run", *(["--init-demo"] if demo else []),
                                 "--host", "127.0.0.1", "--port", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
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
