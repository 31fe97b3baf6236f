"""Notices read aloud at the kiosk: espeak-ng's Mandarin voice renders a WAV once per text,
kept in the data folder (a notice is asked for many times, rendered once). A box without
espeak-ng answers None and the kiosk simply shows no speaker button's sound."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
from pathlib import Path

logger = logging.getLogger(__name__)
MAX_CHARS = 600  # about a minute of speech


class Speaker:
    def __init__(self, folder: Path, binary: str = "espeak-ng", voice: str = "cmn", speed: int = 150):
        self.folder = Path(folder)
        self.binary = binary
        self.voice = voice
        self.speed = speed

    def available(self) -> bool:
        return shutil.which(self.binary) is not None

    def wav(self, text: str) -> Path | None:
        text = (text or "").strip()[:MAX_CHARS]
        if not text or not self.available():
            return None
        name = hashlib.sha256(f"{self.voice}:{self.speed}:{text}".encode()).hexdigest()[:32]
        path = self.folder / f"{name}.wav"
        if path.is_file():
            return path
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{name}.{os.getpid()}.tmp"
        try:
            # The text goes on stdin, never through a shell or as an option.
            subprocess.run([self.binary, "-v", self.voice, "-s", str(self.speed), "-w", str(tmp), "--stdin"],
                           input=text.encode("utf-8"), timeout=30, check=True, capture_output=True)
            os.replace(tmp, path)
        except (OSError, subprocess.SubprocessError) as exc:
            logger.warning("speech rendering failed: %s", exc)
            tmp.unlink(missing_ok=True)
            return None
        return path
