"""A tiny MJPEG-over-HTTP camera on 127.0.0.1, the way cheap IP cameras serve /video.mjpg.

Tests stop and restart it on the same port, freeze its picture or stall the connection,
to see what the appliance's stream camera does when a real source misbehaves.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np


def draw_frame(n: int, size=(160, 120)) -> np.ndarray:
    w, h = size
    img = np.full((h, w, 3), 40, np.uint8)
    x = (n * 7) % (w - 30)
    cv2.rectangle(img, (x, 40), (x + 30, 80), (0, 200, 255), -1)
    cv2.putText(img, str(n), (5, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1)
    return img


class MjpegServer:
    def __init__(self, fps: float = 25.0):
        self.fps = fps
        self.mode = "live"  # live, frozen, stall
        self.port = _free_port()
        self.frames_sent = 0
        self.connections = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._running = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/video.mjpg"

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                owner.connections += 1
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                frozen = None
                try:
                    while owner._running.is_set():
                        if owner.mode == "stall":
                            time.sleep(0.02)
                            continue
                        if owner.mode == "frozen":
                            if frozen is None:
                                frozen = _jpeg(draw_frame(owner.frames_sent))
                            data = frozen
                        else:
                            frozen = None
                            data = _jpeg(draw_frame(owner.frames_sent))
                        self.wfile.write(
                            b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(data)
                            + data + b"\r\n"
                        )
                        owner.frames_sent += 1
                        time.sleep(1.0 / owner.fps)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._running.set()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Go away completely: open connections are cut and new ones refused."""
        self._running.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None


def _jpeg(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return buf.tobytes()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
