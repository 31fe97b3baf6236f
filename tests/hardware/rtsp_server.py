"""A minimal RTSP camera on 127.0.0.1: RTP/JPEG (RFC 2435) interleaved over the TCP connection.

Community CCTV cameras and NVRs speak RTSP; this server speaks just enough of it
(OPTIONS, DESCRIBE, SETUP with TCP interleaving, PLAY, TEARDOWN) for FFmpeg inside
OpenCV to play it, so the appliance's stream camera is tested against the real protocol.
"""

from __future__ import annotations

import random
import socket
import socketserver
import struct
import threading
import time

import cv2
import numpy as np

from .mjpeg_server import _free_port, draw_frame

MAX_PAYLOAD = 1400


def jpeg_parts(img: np.ndarray) -> tuple[bytes, bytes, int, int]:
    """Encode and split a baseline 4:2:0 JPEG into (quant tables, scan data, width, height)."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    data = buf.tobytes()
    tables: dict[int, bytes] = {}
    pos = 2
    while pos < len(data):
        marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2: pos + 4])[0]
        segment = data[pos + 4: pos + 2 + length]
        if marker == 0xDB:  # DQT, possibly several tables
            i = 0
            while i < len(segment):
                tables[segment[i] & 0x0F] = segment[i + 1: i + 65]
                i += 65
        elif marker == 0xDA:  # SOS: entropy-coded data follows until EOI
            scan = data[pos + 2 + length:]
            if scan.endswith(b"\xff\xd9"):
                scan = scan[:-2]
            h, w = img.shape[:2]
            return tables[0] + tables[1], scan, w, h
        pos += 2 + length
    raise AssertionError("no scan in JPEG")


def rtp_jpeg_packets(img: np.ndarray, seq: int, timestamp: int, ssrc: int) -> list[bytes]:
    qtables, scan, w, h = jpeg_parts(img)
    packets = []
    offset = 0
    while offset < len(scan):
        chunk = scan[offset: offset + MAX_PAYLOAD]
        last = offset + len(chunk) >= len(scan)
        header = struct.pack(">BBHII", 0x80, (0x80 if last else 0) | 26, seq & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc)
        # RFC 2435: type-specific 0, 24-bit offset, type 1 (4:2:0), Q 255 = tables in-band, size / 8
        jpeg = struct.pack(">I", offset)[1:]
        jpeg_header = b"\x00" + jpeg + bytes((1, 255, w // 8, h // 8))
        if offset == 0:
            jpeg_header += struct.pack(">BBH", 0, 0, len(qtables)) + qtables
        packets.append(header + jpeg_header + chunk)
        offset += len(chunk)
        seq += 1
    return packets


class RtspServer:
    def __init__(self, fps: float = 25.0, size=(160, 120)):
        self.fps = fps
        self.size = size
        self.mode = "live"  # live, frozen, stall
        self.port = _free_port()
        self.frames_sent = 0
        self.sessions = 0
        self._server: socketserver.ThreadingTCPServer | None = None
        self._running = threading.Event()

    @property
    def url(self) -> str:
        return f"rtsp://viewer:secret@127.0.0.1:{self.port}/live"

    def start(self) -> None:
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                owner._session(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._running.set()
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self._running.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- one client ----------------------------------------------------------------
    def _session(self, sock: socket.socket) -> None:
        sock.settimeout(0.2)
        buf = b""
        try:
            while self._running.is_set():
                try:
                    chunk = sock.recv(4096)
                except socket.timeout:
                    continue
                if not chunk:
                    return
                buf += chunk
                while b"\r\n\r\n" in buf:
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    if self._answer(sock, head.decode("latin-1")):
                        self.sessions += 1
                        self._stream(sock)
                        return
        except OSError:
            return
        finally:
            sock.close()

    def _answer(self, sock, request: str) -> bool:
        lines = request.split("\r\n")
        method, uri = lines[0].split(" ")[:2]
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
        cseq = headers.get("cseq", "0")
        reply = ["RTSP/1.0 200 OK", f"CSeq: {cseq}"]
        body = ""
        if method == "OPTIONS":
            reply.append("Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN")
        elif method == "DESCRIBE":
            body = ("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=test camera\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
                    "m=video 0 RTP/AVP 26\r\na=control:track0\r\n")
            reply += ["Content-Type: application/sdp", f"Content-Base: {uri.rstrip('/')}/"]
        elif method == "SETUP":
            if "interleaved" not in headers.get("transport", ""):
                sock.sendall(f"RTSP/1.0 461 Unsupported Transport\r\nCSeq: {cseq}\r\n\r\n".encode())
                return False
            reply += ["Transport: RTP/AVP/TCP;unicast;interleaved=0-1", "Session: 12345678;timeout=60"]
        elif method == "PLAY":
            reply += ["Session: 12345678", "Range: npt=0.000-"]
        if body:
            reply.append(f"Content-Length: {len(body)}")
        sock.sendall(("\r\n".join(reply) + "\r\n\r\n" + body).encode())
        return method == "PLAY"

    def _stream(self, sock) -> None:
        seq, ssrc = random.randrange(65536), random.randrange(1 << 32)
        started = time.monotonic()
        frozen = None
        while self._running.is_set():
            if self.mode == "stall":
                time.sleep(0.02)
                continue
            if self.mode == "frozen":
                frozen = frozen if frozen is not None else draw_frame(self.frames_sent, self.size)
                img = frozen
            else:
                frozen = None
                img = draw_frame(self.frames_sent, self.size)
            ts = int((time.monotonic() - started) * 90000)
            packets = rtp_jpeg_packets(img, seq, ts, ssrc)
            seq += len(packets)
            for packet in packets:
                sock.sendall(b"$\x00" + struct.pack(">H", len(packet)) + packet)
            self.frames_sent += 1
            time.sleep(1.0 / self.fps)
