"""sd_notify over a real unix datagram socket, as systemd provides it."""

import os
import socket

from hardware.watchdog import SystemdNotifier


def test_notifier_sends_ready_and_watchdog_to_the_notify_socket(tmp_path):
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(2)
        n = SystemdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "10000000", "WATCHDOG_PID": str(os.getpid())})
        assert n.enabled and n.ping_interval() == 5.0
        assert n.ready() and n.ping() and n.status("gate locked")
        got = [server.recv(256).decode() for _ in range(3)]
    assert got == ["READY=1", "WATCHDOG=1", "STATUS=gate locked"]


def test_abstract_namespace_socket(tmp_path):
    name = f"linli-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind("\0" + name)
        server.settimeout(2)
        assert SystemdNotifier({"NOTIFY_SOCKET": "@" + name}).ping()
        assert server.recv(64) == b"WATCHDOG=1"


def test_without_systemd_nothing_is_sent_and_a_foreign_watchdog_pid_is_ignored():
    assert SystemdNotifier({}).ping() is False
    n = SystemdNotifier({"NOTIFY_SOCKET": "/nonexistent", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"})
    assert n.ping_interval() is None
    assert n.ping() is False  # a missing socket is logged, never raised
