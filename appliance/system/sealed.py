"""The sealed file: a readable JSON header, then a payload in AES-256-GCM chunks.

Backups use it so that what leaves the box on a USB stick (the database, the box's keys,
the encrypted face templates) is unreadable and unforgeable without the box's backup key.

Layout::

    b"LINLI-SEALED 1\\n"  u32 header length  header JSON
    chunks: u32 length  nonce(12)  ciphertext+tag

Every chunk's associated data is the header's SHA-256, the chunk's index and whether it
is the last one, so a chunk cannot be moved, swapped with another file's, dropped or the
file cut short without decryption failing; the header cannot be edited either.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from collections.abc import Callable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from appliance.errors import LinliError
from appliance.i18n import N_

MAGIC = b"LINLI-SEALED 1\n"
CHUNK = 1024 * 1024
MAX_HEADER = 1024 * 1024
Progress = Callable[[int, int], None]


class SealedError(LinliError):
    msgid = N_("The file is damaged or was not made by Linli.")


class WrongKey(LinliError):
    msgid = N_("The file is sealed with another box's key.")


def key_id(key: bytes) -> str:
    """A short public name of a key: which box sealed a file, without revealing the key."""
    return hashlib.sha256(b"linli-key-id:" + key).hexdigest()[:16]


def _aad(header_hash: bytes, index: int, last: bool) -> bytes:
    return header_hash + struct.pack(">Q?", index, last)


def seal(src: BinaryIO, dst: BinaryIO, key: bytes, header: dict, total: int,
         progress: Progress | None = None) -> None:
    header = dict(header, key_id=key_id(key))
    raw = json.dumps(header, ensure_ascii=False, sort_keys=True).encode()
    dst.write(MAGIC + struct.pack(">I", len(raw)) + raw)
    header_hash = hashlib.sha256(raw).digest()
    aead = AESGCM(key)
    done, index = 0, 0
    block = src.read(CHUNK)
    while True:
        following = src.read(CHUNK) if block else b""
        last = not following
        nonce = secrets.token_bytes(12)
        sealed = aead.encrypt(nonce, block, _aad(header_hash, index, last))
        dst.write(struct.pack(">I", len(sealed)) + nonce + sealed)
        done += len(block)
        if progress:
            progress(done, total)
        if last:
            return
        block, index = following, index + 1


def read_header(src: BinaryIO) -> tuple[dict, bytes]:
    """The header (readable without a key) and its raw bytes."""
    if src.read(len(MAGIC)) != MAGIC:
        raise SealedError()
    size = src.read(4)
    if len(size) != 4:
        raise SealedError()
    (length,) = struct.unpack(">I", size)
    if length > MAX_HEADER:
        raise SealedError()
    raw = src.read(length)
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise SealedError() from exc
    if not isinstance(header, dict):
        raise SealedError()
    return header, raw


def open_sealed(src: BinaryIO, key: bytes, raw_header: bytes) -> Iterator[bytes]:
    """Yield the plaintext chunk by chunk; raises :class:`SealedError` at the first bad one,
    including a file that ends before its last chunk. Callers must not use what was yielded
    before the end unless the whole file decrypted."""
    header = json.loads(raw_header)
    if header.get("key_id") != key_id(key):
        raise WrongKey()
    header_hash = hashlib.sha256(raw_header).digest()
    aead = AESGCM(key)
    index = 0
    while True:
        size = src.read(4)
        if len(size) != 4:
            raise SealedError()  # cut short: the last chunk never came
        (length,) = struct.unpack(">I", size)
        if length > CHUNK + 16:
            raise SealedError()
        nonce = src.read(12)
        body = src.read(length)
        if len(nonce) != 12 or len(body) != length:
            raise SealedError()
        for last in (False, True):
            try:
                plain = aead.decrypt(nonce, body, _aad(header_hash, index, last))
                break
            except InvalidTag:
                continue
        else:
            raise SealedError()
        yield plain
        if last:
            if src.read(1):
                raise SealedError()  # bytes after the last chunk
            return
        index += 1
