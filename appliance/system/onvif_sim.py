"""A simulated ONVIF camera for tests and the demo: a UDP responder that answers a
WS-Discovery Probe for NetworkVideoTransmitter with a genuine ProbeMatches envelope, one
datagram per camera it plays, as cameras on a LAN would; and a camera's device and media
service over HTTP (GetCapabilities, GetProfiles, GetStreamUri) that checks the WS-Security
password digest. Both keep a history so tests assert what went over the wire.

It binds an ordinary UDP socket (loopback by default): the finder's target is configurable,
because multicast is often unavailable in containers and CI.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import socket
import struct
import threading
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from appliance.system.onvif import MATCHES_ACTION, NS, PROBE_ACTION
from appliance.system.onvif_media import NS as MEDIA_NS
from appliance.system.onvif_media import password_digest

logger = logging.getLogger(__name__)


@dataclass
class SimCamera:
    uuid: str
    host: str
    name: str = ""
    hardware: str = ""
    types: str = "dn:NetworkVideoTransmitter"
    xaddr: str = ""  # default http://<host>/onvif/device_service; a SimulatedOnvifService's url to answer

    def match(self) -> str:
        scopes = ["onvif://www.onvif.org/type/video_encoder", "onvif://www.onvif.org/Profile/Streaming",
                  "onvif://www.onvif.org/location/country/china"]
        if self.name:
            scopes.append("onvif://www.onvif.org/name/" + self.name.replace(" ", "_"))
        if self.hardware:
            scopes.append("onvif://www.onvif.org/hardware/" + self.hardware.replace(" ", "_"))
        return (f"<wsd:ProbeMatch><wsa:EndpointReference><wsa:Address>urn:uuid:{escape(self.uuid)}</wsa:Address>"
                f"</wsa:EndpointReference><wsd:Types>{escape(self.types)}</wsd:Types>"
                f"<wsd:Scopes>{escape(' '.join(scopes))}</wsd:Scopes>"
                f"<wsd:XAddrs>{escape(self.xaddr or f'http://{self.host}/onvif/device_service')}</wsd:XAddrs>"
                f"<wsd:MetadataVersion>1</wsd:MetadataVersion></wsd:ProbeMatch>")


def probe_matches(camera: SimCamera, relates_to: str, message_id: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{NS["soap"]}" xmlns:wsa="{NS["wsa"]}" xmlns:wsd="{NS["wsd"]}" '
            f'xmlns:dn="{NS["dn"]}" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">'
            f"<SOAP-ENV:Header><wsa:MessageID>{escape(message_id)}</wsa:MessageID>"
            f"<wsa:RelatesTo>{escape(relates_to)}</wsa:RelatesTo>"
            f"<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>"
            f"<wsa:Action>{MATCHES_ACTION}</wsa:Action></SOAP-ENV:Header>"
            f"<SOAP-ENV:Body><wsd:ProbeMatches>{camera.match()}</wsd:ProbeMatches></SOAP-ENV:Body>"
            f"</SOAP-ENV:Envelope>").encode("utf-8")


class SimulatedOnvifNetwork:
    """Cameras answering on one UDP address. ``extra_replies`` are raw datagrams sent before the
    real answers (a broken neighbour); ``history`` lists every probe received."""

    def __init__(self, cameras: list[SimCamera] | None = None, host: str = "127.0.0.1", port: int = 0,
                 group: str | None = None):
        """``group``: also join this multicast group (as a camera joins 239.255.255.250) and
        listen on every interface; ``target`` then names the group."""
        self.cameras = list(cameras or [])
        self.extra_replies: list[bytes] = []
        self.history: list[dict] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("" if group else host, port))
        if group:
            membership = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton("0.0.0.0"))
            self._sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
        self._sock.settimeout(0.2)
        self.address = (group, self._sock.getsockname()[1]) if group else self._sock.getsockname()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="sim-onvif", daemon=True)
        self._count = 0

    @property
    def target(self) -> str:
        return f"{self.address[0]}:{self.address[1]}"

    def __enter__(self) -> SimulatedOnvifNetwork:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, sender = self._sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                self._answer(data, sender)
            except Exception:  # the simulator's loop: one bad packet must not stop it
                logger.exception("simulated ONVIF camera could not answer")

    def _answer(self, data: bytes, sender) -> None:
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            self.history.append({"valid": False, "sender": sender})
            return
        action = (root.findtext("soap:Header/wsa:Action", "", NS) or "").strip()
        message_id = (root.findtext("soap:Header/wsa:MessageID", "", NS) or "").strip()
        types = (root.findtext("soap:Body/wsd:Probe/wsd:Types", "", NS) or "").split()
        self.history.append({"valid": action == PROBE_ACTION, "message_id": message_id, "types": types,
                             "sender": sender})
        if action != PROBE_ACTION or not message_id:
            return
        for raw in self.extra_replies:
            self._sock.sendto(raw.replace(b"{relates_to}", message_id.encode()), sender)
        for camera in self.cameras:
            if types and not any(t.split(":")[-1] == camera.types.split(":")[-1] for t in types):
                continue
            self._count += 1
            self._sock.sendto(probe_matches(camera, message_id, f"urn:uuid:00000000-0000-4000-8000-{self._count:012d}"),
                              sender)


def _soap(body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="{MEDIA_NS["soap"]}" '
            f'xmlns:tds="{MEDIA_NS["tds"]}" xmlns:trt="{MEDIA_NS["trt"]}" xmlns:tt="{MEDIA_NS["tt"]}" '
            f'xmlns:ter="http://www.onvif.org/ver10/error"><env:Body>{body}</env:Body></env:Envelope>').encode()


def _fault(subcode: str) -> bytes:
    return _soap(f"<env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>{subcode}"
                 "</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang=\"en\">refused</env:Text>"
                 "</env:Reason></env:Fault>")


class SimulatedOnvifService:
    """One camera's ONVIF device and media service on loopback HTTP, with a login. ``history``
    lists (action, user name, authorised) for every request."""

    def __init__(self, user: str = "admin", password: str = "Hik12345",
                 stream_path: str = "/Streaming/Channels/101?transportmode=unicast&profile=Profile_1",
                 http_digest: bool = False):
        """``http_digest``: the login is checked by HTTP Digest (RFC 7616, MD5, qop=auth) instead
        of the WS-Security token, as some firmwares do."""
        self.user, self.password, self.stream_path = user, password, stream_path
        self.http_digest = http_digest
        self.nonce = secrets.token_hex(16)
        self.history: list[tuple[str, str, bool]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = min(int(self.headers.get("Content-Length") or 0), 65536)
                data = self.rfile.read(length)
                if service.http_digest and not service.digest_ok(self.headers.get("Authorization", ""), self.path):
                    service.history.append(("http digest", "", False))
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", f'Digest realm="IP Camera", qop="auth", '
                                                         f'nonce="{service.nonce}", algorithm=MD5')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, body = service.answer(data, self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="sim-onvif-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/onvif/device_service"

    def __enter__(self) -> SimulatedOnvifService:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def digest_ok(self, header: str, path: str) -> bool:
        if not header.startswith("Digest "):
            return False
        fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(header[7:]))
        ha1 = hashlib.md5(f"{self.user}:IP Camera:{self.password}".encode()).hexdigest()  # noqa: S324 (RFC 7616)
        ha2 = hashlib.md5(f"POST:{path}".encode()).hexdigest()  # noqa: S324
        expected = hashlib.md5(":".join([ha1, self.nonce, fields.get("nc", ""), fields.get("cnonce", ""), "auth", ha2])
                               .encode()).hexdigest()  # noqa: S324
        return (fields.get("username") == self.user and fields.get("nonce") == self.nonce
                and hmac.compare_digest(fields.get("response", ""), expected))

    def _authorised(self, root) -> tuple[str, bool]:
        if self.http_digest:
            return self.user, True  # HTTP Digest already checked the login
        token = root.find("soap:Header/wsse:Security/wsse:UsernameToken", MEDIA_NS)
        if token is None:
            return "", False
        user = token.findtext("wsse:Username", "", MEDIA_NS)
        given = token.findtext("wsse:Password", "", MEDIA_NS)
        try:
            nonce = base64.b64decode(token.findtext("wsse:Nonce", "", MEDIA_NS), validate=True)
        except ValueError:
            return user, False
        created = token.findtext("wsu:Created", "", MEDIA_NS)
        expected = password_digest(nonce, created, self.password)
        return user, user == self.user and hmac.compare_digest(given, expected)

    def answer(self, data: bytes, path: str) -> tuple[int, bytes]:
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            return 400, _fault("ter:WellFormed")
        body = root.find("soap:Body", MEDIA_NS)
        action = body[0].tag.rpartition("}")[2] if body is not None and len(body) else ""
        user, ok = self._authorised(root)
        self.history.append((action, user, ok))
        if not ok:
            return 400, _fault("ter:NotAuthorized")
        if action == "GetCapabilities":
            media = f"http://127.0.0.1:{self.port}/onvif/Media"
            return 200, _soap(f"<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Media><tt:XAddr>{media}"
                              "</tt:XAddr></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>")
        if action == "GetProfiles" and path == "/onvif/Media":
            return 200, _soap('<trt:GetProfilesResponse><trt:Profiles token="Profile_1" fixed="true"><tt:Name>'
                              'mainStream</tt:Name></trt:Profiles><trt:Profiles token="Profile_2" fixed="true">'
                              "<tt:Name>subStream</tt:Name></trt:Profiles></trt:GetProfilesResponse>")
        if action == "GetStreamUri" and path == "/onvif/Media":
            token = root.findtext(".//trt:ProfileToken", "", MEDIA_NS)
            channel = "101" if token == "Profile_1" else "102"
            uri = escape(f"rtsp://127.0.0.1:554{self.stream_path.replace('101', channel)}")
            return 200, _soap(f"<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>{uri}</tt:Uri>"
                              "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect></trt:MediaUri>"
                              "</trt:GetStreamUriResponse>")
        return 400, _fault("ter:ActionNotSupported")
