"""Asking a found camera for its video address: ONVIF GetCapabilities (where the media service
is), GetProfiles (the first profile is the main stream) and GetStreamUri (RTSP over unicast),
each a SOAP 1.2 request over HTTP signed with a WS-Security UsernameToken (password digest),
which is how Profile S cameras want the installer's user name and password; HTTP Digest is
answered too, for firmwares that ask for it instead.

The camera's answer is an RTSP address without the login; the login is put into it so the
box's camera reader can open it. A refusal says so plainly; anything else (no answer, a
camera that speaks no media service) is reported so the wizard can fall back to typing.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from appliance.errors import LinliError

NS = {
    "soap": "http://www.w3.org/2003/05/soap-envelope",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
    "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
    "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
}
PASSWORD_DIGEST = ("http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
                   "#PasswordDigest")
BASE64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
MAX_ANSWER = 256 * 1024


class CameraRefused(LinliError):
    """The camera answered that the user name or password is wrong."""


class CameraNoAnswer(LinliError):
    """No usable answer (unreachable, timeout, not an ONVIF media service)."""


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """Base64(SHA-1(nonce + created + password)), the UsernameToken profile's digest."""
    return base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()


def _security(user: str, password: str) -> str:
    if not user:
        return ""
    nonce = os.urandom(16)
    created = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f'<wsse:Security xmlns:wsse="{NS["wsse"]}" xmlns:wsu="{NS["wsu"]}"><wsse:UsernameToken>'
            f"<wsse:Username>{escape(user)}</wsse:Username>"
            f'<wsse:Password Type="{PASSWORD_DIGEST}">{password_digest(nonce, created, password)}</wsse:Password>'
            f'<wsse:Nonce EncodingType="{BASE64}">{base64.b64encode(nonce).decode()}</wsse:Nonce>'
            f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>")


def parse_answer(data: bytes) -> ET.Element:
    """The SOAP Body of an answer; CameraRefused for a NotAuthorized fault, CameraNoAnswer for
    anything that is not a SOAP envelope."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise CameraNoAnswer()
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        raise CameraNoAnswer() from None
    body = root.find("soap:Body", NS)
    if root.tag != f"{{{NS['soap']}}}Envelope" or body is None:
        raise CameraNoAnswer()
    fault = body.find("soap:Fault", NS)
    if fault is not None:
        codes = " ".join(e.text or "" for e in fault.iter(f"{{{NS['soap']}}}Value"))
        if "NotAuthorized" in codes or "FailedAuthentication" in codes:
            raise CameraRefused()
        raise CameraNoAnswer()
    return body


def _call(url: str, body: str, user: str, password: str, deadline: float) -> ET.Element:
    envelope = (f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{NS["soap"]}" '
                f'xmlns:tds="{NS["tds"]}" xmlns:trt="{NS["trt"]}" xmlns:tt="{NS["tt"]}">'
                f"<soap:Header>{_security(user, password)}</soap:Header><soap:Body>{body}</soap:Body>"
                f"</soap:Envelope>").encode("utf-8")
    request = urllib.request.Request(url, data=envelope, method="POST",
                                     headers={"Content-Type": "application/soap+xml; charset=utf-8"})
    left = deadline - time.monotonic()
    if left <= 0:
        raise CameraNoAnswer()
    handlers = []
    if user:  # some firmwares want HTTP Digest instead of (or as well as) the WS-Security token
        parts = urllib.parse.urlsplit(url)
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, f"{parts.scheme}://{parts.netloc}/", user, password)
        handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=left) as answer:
            data = answer.read(MAX_ANSWER)
    except urllib.error.HTTPError as exc:  # ONVIF faults come with 400/401/500
        if exc.code == 401 and not user:
            raise CameraRefused() from None
        data = exc.read(MAX_ANSWER)
        if exc.code == 401 and not data.strip():
            raise CameraRefused() from None  # HTTP digest only: no SOAP fault to read
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise CameraNoAnswer() from exc
    return parse_answer(data)


def _http(url: str) -> str:
    if not url.lower().startswith(("http://", "https://")):
        raise CameraNoAnswer()
    return url


def stream_uri(xaddr: str, user: str = "", password: str = "", timeout_s: float = 5.0) -> str:
    """The camera's main RTSP stream address with the login in it."""
    deadline = time.monotonic() + timeout_s
    xaddr = _http(xaddr)
    caps = _call(xaddr, "<tds:GetCapabilities><tds:Category>Media</tds:Category></tds:GetCapabilities>",
                 user, password, deadline)
    media = (caps.findtext(".//tt:Media/tt:XAddr", "", NS) or "").strip() or xaddr
    media = _http(media)
    profiles = _call(media, "<trt:GetProfiles/>", user, password, deadline).findall(".//trt:Profiles", NS)
    token = profiles[0].get("token", "") if profiles else ""
    if not token:
        raise CameraNoAnswer()
    answer = _call(media, "<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport>"
                          "<tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>"
                          f"<trt:ProfileToken>{escape(token)}</trt:ProfileToken></trt:GetStreamUri>",
                   user, password, deadline)
    uri = (answer.findtext(".//trt:MediaUri/tt:Uri", "", NS) or "").strip()
    if not uri.lower().startswith("rtsp://") or len(uri) > 250:
        raise CameraNoAnswer()
    return with_login(uri, user, password)


def with_login(uri: str, user: str, password: str) -> str:
    if not user:
        return uri
    parts = urllib.parse.urlsplit(uri)
    login = urllib.parse.quote(user, safe="") + (":" + urllib.parse.quote(password, safe="") if password else "")
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, f"{login}@{host}", parts.path, parts.query, parts.fragment))
