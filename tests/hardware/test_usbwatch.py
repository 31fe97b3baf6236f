"""USB stick detection from the mount table."""

import threading

import pytest

from hardware.errors import HardwareError
from hardware.usbwatch import FakeMountTable, ProcMountTable, UsbEvent, UsbWatcher


def test_stick_appears_and_is_removed(tmp_path):
    media = tmp_path / "media"
    stick = media / "pi" / "LINLI SYNC"
    stick.mkdir(parents=True)
    table = FakeMountTable()
    watcher = UsbWatcher(media, table)
    assert watcher.poll() == []
    table.mount(stick)
    table.mount("/boot/firmware")  # not under the media root: ignored
    assert watcher.poll() == [UsbEvent("appeared", str(stick), "LINLI SYNC")]
    assert watcher.poll() == []  # no repeat while it stays
    assert watcher.sticks() == [str(stick)]
    table.unmount(stick)
    # The empty directory stays behind after a pull; the stick is still reported gone.
    assert stick.is_dir()
    assert watcher.poll() == [UsbEvent("removed", str(stick), "LINLI SYNC")]
    assert [e.kind for e in watcher.history] == ["appeared", "removed"]


def test_media_root_itself_is_not_a_stick(tmp_path):
    table = FakeMountTable()
    table.mount(tmp_path / "media")
    assert UsbWatcher(tmp_path / "media", table).poll() == []


def test_real_mount_table_format_with_escaped_label(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/mmcblk0p2 / ext4 rw,noatime 0 0\n"
        "/dev/sda1 /media/pi/MY\\040STICK vfat rw,nosuid,nodev,uid=1000 0 0\n"
        "/dev/sdb1 /media/usb0 exfat rw 0 0\n"
    )
    watcher = UsbWatcher("/media", ProcMountTable(str(mounts)))
    events = watcher.poll()
    assert [(e.kind, e.path, e.label) for e in events] == [
        ("appeared", "/media/pi/MY STICK", "MY STICK"),
        ("appeared", "/media/usb0", "usb0"),
    ]


def test_this_machines_mount_table_is_readable():
    # /proc/self/mounts exists on every Linux box; nothing is mounted under this root.
    assert UsbWatcher("/nonexistent-media-root").poll() == []


def test_unreadable_mount_table_is_a_hardware_error(tmp_path):
    with pytest.raises(HardwareError):
        UsbWatcher("/media", ProcMountTable(str(tmp_path / "missing"))).poll()


def test_watch_loop_delivers_events_and_stops(tmp_path):
    table = FakeMountTable()
    watcher = UsbWatcher(tmp_path, table)
    stop = threading.Event()
    seen = []

    def on_event(event):
        seen.append(event)
        stop.set()

    table.mount(tmp_path / "usb0")
    thread = threading.Thread(target=watcher.watch, args=(stop, on_event, 0.01))
    thread.start()
    thread.join(timeout=2)
    assert not thread.is_alive()
    assert [e.label for e in seen] == ["usb0"]
