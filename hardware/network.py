"""The box's network settings: NetworkManager (``nmcli``) on the box, a simulated one elsewhere.

Both take the same three kinds of link: Ethernet (DHCP, nothing to set), Wi-Fi (name and
password) and the 4G dongle (APN). The simulated backend keeps a history of what it was told.
"""

from __future__ import annotations

import shutil
import subprocess


class NetworkError(Exception):
    """The network could not be set up (message is for the installer)."""


class NetworkManagerBackend:
    def __init__(self, binary: str = "nmcli"):
        self.binary = binary

    def _run(self, *args: str) -> None:
        if shutil.which(self.binary) is None:
            raise NetworkError("nmcli (NetworkManager) is not installed on this machine")
        done = subprocess.run([self.binary, *args], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise NetworkError((done.stderr or done.stdout).strip()[-300:])

    def apply(self, mode: str, ssid: str = "", password: str = "", apn: str = "") -> None:
        if mode == "ethernet":
            return  # DHCP on eth0 is NetworkManager's default
        if mode == "wifi":
            args = ["device", "wifi", "connect", ssid]
            if password:
                args += ["password", password]
            self._run(*args)
        elif mode == "4g":
            self._run("connection", "add", "type", "gsm", "ifname", "*", "con-name", "linli-4g", "apn", apn,
                      "connection.autoconnect", "yes")
        else:
            raise NetworkError(f"unknown network mode {mode!r}")


class SimulatedNetwork:
    def __init__(self, fail_with: str = ""):
        self.history: list[dict] = []
        self.fail_with = fail_with

    def apply(self, mode: str, ssid: str = "", password: str = "", apn: str = "") -> None:
        if self.fail_with:
            raise NetworkError(self.fail_with)
        self.history.append({"mode": mode, "ssid": ssid, "password_set": bool(password), "apn": apn})
