"""The sector journal under the access log: records, checkpoints, the ring, torn writes."""

from __future__ import annotations

import pytest

from appliance.access.journal import HEADER, SECTOR, JournalBusy, SectorJournal


def write_bytes() -> int:
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("write_bytes:"))


def test_records_after_the_newest_checkpoint_come_back_after_a_restart(tmp_path):
    path = tmp_path / "j.bin"
    with SectorJournal(path, slots=64) as j:
        seqs = [j.append(f"row {n}".encode()) for n in range(5)]
        j.checkpoint(seqs[2])
    with SectorJournal(path, slots=64) as j:
        assert [body for _seq, body in j.pending()] == [b"row 3", b"row 4"]
        later = j.append(b"row 5")
        assert later > seqs[-1]  # numbering goes on after a restart
    with SectorJournal(path, slots=64) as j:
        assert [body for _seq, body in j.pending()] == [b"row 3", b"row 4", b"row 5"]


def test_the_ring_wraps_and_keeps_long_records_whole(tmp_path):
    path = tmp_path / "j.bin"
    long_row = "楼" * 400  # 1200 bytes of UTF-8: three sectors
    with SectorJournal(path, slots=16) as j:
        for n in range(40):  # several laps of the ring, stored every second record
            seq = j.append(f"{n}:{long_row if n % 3 == 0 else ''}".encode())
            if n % 2:
                j.checkpoint(seq)
        j.append(f"40:{long_row}".encode())
        j.append(b"41:")
    with SectorJournal(path, slots=16) as j:
        assert [body.decode() for _seq, body in j.pending()] == [f"40:{long_row}", "41:"]


def test_pressure_tells_the_caller_to_store_before_the_ring_overwrites_rows(tmp_path):
    with SectorJournal(tmp_path / "j.bin", slots=16) as j:
        seqs = [j.append(b"x") for _ in range(8)]
        assert j.pressure() == 0.5
        j.checkpoint(seqs[5])
        assert j.pressure() == 2 / 16


def test_a_record_torn_by_a_power_cut_is_skipped_and_the_others_kept(tmp_path):
    path = tmp_path / "j.bin"
    with SectorJournal(path, slots=32) as j:
        for n in range(3):
            j.append(f"row {n}".encode())
    data = bytearray(path.read_bytes())
    data[SECTOR + HEADER.size + 2] ^= 0x55  # the second record's payload no longer matches its checksum
    path.write_bytes(bytes(data))
    with SectorJournal(path, slots=32) as j:
        assert [body for _seq, body in j.pending()] == [b"row 0", b"row 2"]


def test_one_process_owns_the_journal(tmp_path):
    with SectorJournal(tmp_path / "j.bin", slots=16):
        with pytest.raises(JournalBusy):
            SectorJournal(tmp_path / "j.bin", slots=16)
    SectorJournal(tmp_path / "j.bin", slots=16).close()  # free again once closed


def test_an_event_costs_one_sector_on_disk_not_a_page(tmp_path):
    with SectorJournal(tmp_path / "j.bin", slots=256) as j:
        if not j.direct:
            pytest.skip(f"{tmp_path} refuses O_DIRECT (tmpfs?): records go through the page cache there")
        before = write_bytes()
        for n in range(100):
            j.append(f'{{"row":{n},"method":"pin","granted":true}}'.encode())
        per_event = (write_bytes() - before) / 100
    assert per_event <= 2 * SECTOR, per_event


def test_health_says_when_the_data_folder_lacks_lazytime(tmp_path, monkeypatch):
    import appliance.access.journal as journal

    with SectorJournal(tmp_path / "j.bin", slots=16) as j:
        if not j.direct:
            assert "page cache" in j.health()
            return
        monkeypatch.setattr(journal, "mount_options", lambda path: {"rw", "relatime"})
        assert "without lazytime" in j.health()
        monkeypatch.setattr(journal, "mount_options", lambda path: {"rw", "noatime", "lazytime"})
        assert j.health() == "access journal: one sector per event"


MOUNTINFO = """\
22 1 179:2 / / ro,relatime shared:1 - ext4 /dev/mmcblk0p2 ro
30 22 179:3 / /var/lib/linli rw,noatime shared:9 - ext4 /dev/mmcblk0p3 rw,lazytime,commit=60
"""


def test_mount_options_are_those_of_the_file_system_holding_the_path():
    from appliance.access.journal import mount_options

    assert {"noatime", "lazytime", "commit=60"} <= mount_options("/var/lib/linli/access-journal.bin", MOUNTINFO)
    assert "lazytime" not in mount_options("/var/lib/linlix/journal.bin", MOUNTINFO)
    assert "relatime" in mount_options("/home/pi/journal.bin", MOUNTINFO)


def test_a_device_that_refuses_sector_writes_gets_the_record_through_the_page_cache(tmp_path, monkeypatch):
    import errno
    import os

    real_pwrite = os.pwrite
    refused = []

    def picky_pwrite(fd, data, offset):
        if not refused:
            refused.append(offset)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_pwrite(fd, data, offset)

    with SectorJournal(tmp_path / "j.bin", slots=16) as j:
        if not j.direct:
            pytest.skip(f"{tmp_path} refuses O_DIRECT already")
        monkeypatch.setattr(os, "pwrite", picky_pwrite)
        j.append(b"row kept")
        monkeypatch.undo()
        assert refused and not j.direct
        assert "page cache" in j.health()
    with SectorJournal(tmp_path / "j.bin", slots=16) as j:
        assert [body for _seq, body in j.pending()] == [b"row kept"]
