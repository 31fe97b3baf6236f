"""Update bundles: one signed file that carries a new Linli version.

A bundle (``linli-<version>.lub``) is an uncompressed tar of three members, in order:

- ``manifest.json``: format, version, kind (``app``: a Linli version installed into its own
  folder; ``os``: a RAUC bundle for the other root slot), the boards it is made for, the
  payload's name, size and SHA-256, and the install command run inside the new folder;
- ``manifest.sig``: the Ed25519 signature of ``manifest.json``'s exact bytes;
- the payload (``payload.tar.gz`` for ``app``, ``rootfs.raucb`` for ``os``).

The box trusts the public keys in ``system.update_keys`` only. The manifest is checked
before the payload is read, and the payload's hash before anything is unpacked.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from appliance.errors import LinliError
from appliance.i18n import N_

FORMAT = "linli-bundle"
SUFFIX = ".lub"
KINDS = ("app", "os")
MAX_MANIFEST = 64 * 1024


class BundleRefused(LinliError):
    msgid = N_("The update bundle was refused.")


@dataclass(frozen=True)
class Manifest:
    version: str
    kind: str
    compatible: tuple[str, ...]
    payload: str
    sha256: str
    size: int
    install: tuple[str, ...]
    created: str
    signed_by: str = ""


def version_key(version: str) -> tuple:
    """'0.10.2' > '0.9.9'; parts that are not numbers compare as text after numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in version.replace("-", ".").split("."))


def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_trusted_keys(folder: Path) -> list[Ed25519PublicKey]:
    keys = []
    folder = Path(folder)
    if not folder.is_dir():
        return keys
    for path in sorted(folder.glob("*.pub")):
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except ValueError:
            continue
        if isinstance(key, Ed25519PublicKey):
            keys.append(key)
    return keys


def _file_sha256(path: Path) -> str:
    # In blocks: an OS bundle is hundreds of MB, more than a Zero 2 W has free.
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_bundle(out: Path, payload: Path, signing_key: Ed25519PrivateKey, version: str, kind: str = "app",
                compatible: tuple[str, ...] = ("rpi3", "rpi4", "rpi-zero2w"), install: tuple[str, ...] = ()) -> Path:
    """Write a signed bundle (run on the build machine; tests use it too)."""
    if kind not in KINDS:
        raise ValueError(kind)
    payload = Path(payload)
    digest = _file_sha256(payload)
    manifest = {"format": FORMAT, "version": version, "kind": kind, "compatible": list(compatible),
                "payload": payload.name, "sha256": digest, "size": payload.stat().st_size,
                "install": list(install), "created": datetime.datetime.now().replace(microsecond=0).isoformat()}
    raw = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode()
    signature = signing_key.sign(raw)
    out = Path(out)
    with tarfile.open(out, "w") as tar:
        for name, data in (("manifest.json", raw), ("manifest.sig", signature)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        tar.add(payload, arcname=payload.name, recursive=False)
    return out


def _read_member(tar: tarfile.TarFile, name: str, limit: int) -> bytes:
    try:
        member = tar.getmember(name)
    except KeyError as exc:
        raise BundleRefused(N_("This file is not a Linli update bundle (%(name)s is missing)."), name=name) from exc
    if not member.isfile() or member.size > limit:
        raise BundleRefused(N_("This file is not a Linli update bundle (%(name)s is missing)."), name=name)
    return tar.extractfile(member).read()


def verify(path: Path, trusted: list[Ed25519PublicKey], board: str) -> Manifest:
    """The bundle's manifest once its signature, board and payload hash are checked."""
    try:
        with tarfile.open(path, "r:") as tar:
            raw = _read_member(tar, "manifest.json", MAX_MANIFEST)
            signature = _read_member(tar, "manifest.sig", 1024)
            signer = _check_signature(raw, signature, trusted)
            manifest = _parse(raw, signer)
            if board not in manifest.compatible:
                raise BundleRefused(N_("This bundle is for %(boards)s, not for this board (%(board)s)."),
                                    boards=", ".join(manifest.compatible), board=board)
            member = tar.getmember(manifest.payload)
            digest = hashlib.sha256()
            fh = tar.extractfile(member)
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except (tarfile.TarError, OSError, EOFError, KeyError) as exc:
        raise BundleRefused(N_("The update bundle is damaged or incomplete.")) from exc
    if digest.hexdigest() != manifest.sha256 or member.size != manifest.size:
        raise BundleRefused(N_("The update bundle is damaged or incomplete."))
    return manifest


def _check_signature(raw: bytes, signature: bytes, trusted: list[Ed25519PublicKey]) -> str:
    if not trusted:
        raise BundleRefused(N_("This box trusts no update key yet (system.update_keys), so it accepts no bundle."))
    for key in trusted:
        try:
            key.verify(signature, raw)
            return key_fingerprint(key)
        except InvalidSignature:
            continue
    raise BundleRefused(N_("The bundle's signature is not valid: it was changed or signed by a key this box "
                           "does not trust."))


def _parse(raw: bytes, signer: str) -> Manifest:
    try:
        data = json.loads(raw)
        if data["format"] != FORMAT or data["kind"] not in KINDS:
            raise ValueError
        payload = str(data["payload"])
        if "/" in payload or payload.startswith("."):
            raise ValueError
        return Manifest(version=str(data["version"]), kind=data["kind"], compatible=tuple(data["compatible"]),
                        payload=payload, sha256=str(data["sha256"]), size=int(data["size"]),
                        install=tuple(str(a) for a in data.get("install") or ()), created=str(data.get("created", "")),
                        signed_by=signer)
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleRefused(N_("The update bundle is damaged or incomplete.")) from exc


def extract_payload(path: Path, manifest: Manifest, target: Path) -> Path:
    """Copy the (already verified) payload out of the bundle into ``target`` folder."""
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "r:") as tar:
        member = tar.getmember(manifest.payload)
        out = target / manifest.payload
        digest = hashlib.sha256()
        with tar.extractfile(member) as src, open(out, "wb") as dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                digest.update(block)
                dst.write(block)
    if digest.hexdigest() != manifest.sha256:
        # The file changed between the check and the copy (a stick pulled and put back).
        raise BundleRefused(N_("The update bundle is damaged or incomplete."))
    return out
