"""Finding the community's existing CCTV cameras on the LAN: the ONVIF Profile S way, a
WS-Discovery Probe for ``dn:NetworkVideoTransmitter`` sent to the multicast group
239.255.255.250:3702, and the ProbeMatches that cameras send back to us by unicast.

Written on the standard library (sockets and ``xml.etree``) because the one maintained
WS-Discovery package needs ``netifaces``, which has no aarch64 wheel. The destination is
configurable so a test (or a network where multicast does not cross a switch) can aim the
probe at one address.

Discovery only learns where a camera is (its XAddrs) and what it calls itself (scopes). The
RTSP stream address comes from the camera's media service (GetStreamUri), which real cameras
answer only with the user name and password; the wizard asks the installer for those.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from appliance.errors import LinliError, ValidationError
from appliance.i18n import N_

logger = logging.getLogger(__name__)

MULTICAST = ("239.255.255.250", 3702)
NS = {
    "soap": "http://www.w3.org/2003/05/soap-envelope",
    "wsa": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "wsd": "http://schemas.xmlsoap.org/ws/2005/04/discovery",
    "dn": "http://www.onvif.org/ver10/network/wsdl",
}
PROBE_ACTION = NS["wsd"].replace("discovery", "discovery/Probe")
MATCHES_ACTION = NS["wsd"].replace("discovery", "discovery/ProbeMatches")
DISCOVERY_TO = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
MAX_REPLY = 65507  # one UDP datagram
MAX_CAMERAS = 200

# The stream path of the two makers most Chinese communities have; anything else: the
# camera's manual (or its web page) says it. The picture check shows whether it is right.
STREAM_PATHS = {"hikvision": "/Streaming/Channels/101", "dahua": "/cam/realmonitor?channel=1&subtype=0"}


@dataclass(frozen=True)
class FoundCamera:
    endpoint: str  # the camera's stable id (urn:uuid:...)
    xaddrs: tuple[str, ...]  # its ONVIF service addresses (http://192.168.1.64/onvif/device_service)
    host: str  # the address to reach it at
    name: str = ""
    hardware: str = ""
    scopes: tuple[str, ...] = field(default=())

    @property
    def maker(self) -> str:
        text = f"{self.name} {self.hardware} {' '.join(self.scopes)}".lower()
        return next((m for m in STREAM_PATHS if m in text), "")

    def stream_address(self, user: str = "", password: str = "") -> str:
        return stream_address(self.host, self.maker, user, password)


def stream_address(host: str, maker: str = "", user: str = "", password: str = "") -> str:
    """``rtsp://user:password@host:554/path``: the path the maker usually uses, else ``/``.
    A ValidationError names the field when the host is not an address."""
    host = (host or "").strip()
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        if not host or len(host) > 253 or not all(c.isascii() and (c.isalnum() or c in ".-") for c in host):
            raise ValidationError(N_("This is not a camera's network address."), field="host") from None
    if len(user) > 64 or len(password) > 64:
        raise ValidationError(N_("The camera's user name and password can have at most %(n)s characters."),
                              field="camera_user", n=64)
    login = ""
    if user:
        login = urllib.parse.quote(user, safe="") + (":" + urllib.parse.quote(password, safe="") if password else "")
        login += "@"
    shown = f"[{host}]" if ":" in host else host
    return f"rtsp://{login}{shown}:554{STREAM_PATHS.get(maker, '/')}"


PROBE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soap:Envelope xmlns:soap="{soap}" xmlns:wsa="{wsa}" xmlns:wsd="{wsd}" xmlns:dn="{dn}">'
    '<soap:Header><wsa:MessageID>{{message_id}}</wsa:MessageID><wsa:To>{to}</wsa:To>'
    '<wsa:Action>{action}</wsa:Action></soap:Header>'
    '<soap:Body><wsd:Probe><wsd:Types>dn:NetworkVideoTransmitter</wsd:Types></wsd:Probe></soap:Body>'
    '</soap:Envelope>'
).format(to=DISCOVERY_TO, action=PROBE_ACTION, **NS)


def probe_message(message_id: str) -> bytes:
    """The Probe envelope (SOAP 1.2, WS-Addressing 2004/08, WS-Discovery 2005/04); the id is a
    urn:uuid we made, so it needs no escaping."""
    if not message_id.startswith("urn:uuid:") or not all(c in "0123456789abcdef-" for c in message_id[9:]):
        raise ValueError(message_id)
    return PROBE.format(message_id=message_id).encode("utf-8")


def _scope_value(scopes: list[str], kind: str) -> str:
    prefix = f"onvif://www.onvif.org/{kind}/"
    for scope in scopes:
        if scope.lower().startswith(prefix):
            return urllib.parse.unquote(scope[len(prefix):]).replace("_", " ").strip()[:80]
    return ""


def _host_of(xaddrs: list[str]) -> str:
    for address in xaddrs:
        try:
            host = urllib.parse.urlsplit(address).hostname
        except ValueError:
            continue
        if host:
            return host
    return ""


def parse_matches(data: bytes, message_id: str) -> list[FoundCamera]:
    """The cameras in one ProbeMatches reply to ``message_id``; [] for anything else (another
    probe's reply, a Hello, a broken packet): a bad neighbour must not break the search."""
    if len(data) > MAX_REPLY or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return []  # no DTDs: entity expansion is a way to make a small packet big
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return []
    if root.tag != f"{{{NS['soap']}}}Envelope":
        return []
    action = (root.findtext("soap:Header/wsa:Action", "", NS) or "").strip()
    relates = (root.findtext("soap:Header/wsa:RelatesTo", "", NS) or "").strip()
    if action != MATCHES_ACTION or relates != message_id:
        return []
    found = []
    for match in root.findall("soap:Body/wsd:ProbeMatches/wsd:ProbeMatch", NS):
        endpoint = (match.findtext("wsa:EndpointReference/wsa:Address", "", NS) or "").strip()[:200]
        types = (match.findtext("wsd:Types", "", NS) or "").split()
        xaddrs = [x for x in (match.findtext("wsd:XAddrs", "", NS) or "").split()
                  if x.lower().startswith(("http://", "https://"))][:8]
        scopes = (match.findtext("wsd:Scopes", "", NS) or "").split()[:50]
        host = _host_of(xaddrs)
        if not endpoint or not host or not any(t.endswith("NetworkVideoTransmitter") for t in types):
            continue
        found.append(FoundCamera(endpoint, tuple(xaddrs), host, _scope_value(scopes, "name"),
                                 _scope_value(scopes, "hardware"), tuple(scopes)))
    return found


def parse_target(text: str) -> tuple[str, int]:
    """``"239.255.255.250:3702"`` → (host, port); a ValueError for anything else."""
    host, _, port = (text or "").strip().rpartition(":")
    number = int(port)
    if not host or not 0 < number < 65536:
        raise ValueError(text)
    return host.strip("[]"), number


class CameraFinder:
    """One Probe, replies gathered until ``timeout_s`` has passed: a search never takes longer,
    however many cameras (or broken neighbours) answer."""

    def __init__(self, target: tuple[str, int] = MULTICAST, timeout_s: float = 3.0, repeats: int = 2):
        self.target = target
        self.timeout_s = timeout_s
        self.repeats = repeats  # UDP may drop a probe; WS-Discovery sends it more than once

    def find(self) -> list[FoundCamera]:
        message_id = f"urn:uuid:{uuid.uuid4()}"
        probe = probe_message(message_id)
        found: dict[str, FoundCamera] = {}
        deadline = time.monotonic() + self.timeout_s
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP) as sock:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)  # the LAN only
                sock.bind(("", 0))
                for i in range(self.repeats):
                    sock.sendto(probe, self.target)
                    if i + 1 < self.repeats:
                        time.sleep(0.05)
                while (left := deadline - time.monotonic()) > 0 and len(found) < MAX_CAMERAS:
                    sock.settimeout(left)
                    try:
                        data, sender = sock.recvfrom(MAX_REPLY + 1)
                    except TimeoutError:
                        break
                    cameras = parse_matches(data, message_id)
                    if not cameras:
                        logger.debug("ignored a discovery reply from %s", sender[0])
                    for camera in cameras:
                        found.setdefault(camera.endpoint, camera)
        except OSError as exc:
            raise LinliError(N_("The search for cameras could not be sent on the network: %(error)s"),
                             error=exc.strerror or str(exc)) from exc
        return sorted(found.values(), key=lambda c: (c.host, c.endpoint))
