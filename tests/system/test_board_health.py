"""Board health lines from real files shaped like the Pi's /sys and /proc entries."""

from __future__ import annotations

import os
from pathlib import Path

from appliance.system import board
from appliance.system.board import BoardPaths, memory_ok, partition_stat, storage_ok, temperature_ok


def paths(tmp_path, temp=None, throttled=None, sectors=None, uptime=None) -> BoardPaths:
    made = BoardPaths(tmp_path / "temp", tmp_path / "throttled", tmp_path / "stat", tmp_path / "uptime",
                      tmp_path / "meminfo")
    for path, value in ((made.thermal, temp), (made.throttled, throttled), (made.uptime, uptime)):
        if value is not None:
            path.write_text(value + "\n")
    if sectors is not None:
        made.block_stat.write_text(f"  8123 0 412345 2000 {sectors // 10} 0 {sectors} 9000 0 5000 11000\n")
    return made


def test_temperature_and_under_voltage(tmp_path):
    assert temperature_ok(paths(tmp_path)) == (True, "这台机器上无法测量")
    ok, detail = temperature_ok(paths(tmp_path, temp="52100", throttled="0x0"))
    assert ok and detail == "52 °C"
    ok, detail = temperature_ok(paths(tmp_path, temp="83000", throttled="0x50005"))
    assert not ok and "83 °C" in detail and "电源" in detail and "过高" in detail
    ok, detail = temperature_ok(paths(tmp_path, temp="50000", throttled="0x50000"))
    assert ok and "电压不足" in detail


def test_card_writes_per_day(tmp_path):
    # 2 days up, 400,000 sectors of 512 bytes written: 102.4 MB per day.
    ok, detail = storage_ok(tmp_path, paths(tmp_path, sectors=400_000, uptime="172800.00 300000.00"))
    assert ok and "102.4" in detail


def test_memory_in_use_and_nearly_full(tmp_path):
    made = paths(tmp_path)
    assert memory_ok(made) == (True, "这台机器上无法测量")
    made.meminfo.write_text("MemTotal:         443908 kB\nMemFree:           20000 kB\n"
                            "MemAvailable:     250000 kB\nBuffers:            1000 kB\n")
    assert memory_ok(made) == (True, "已用 189 MB，共 433 MB")
    made.meminfo.write_text("MemTotal:         443908 kB\nMemAvailable:      30000 kB\n")
    ok, detail = memory_ok(made)
    assert not ok and "内存快用完了" in detail and "重启" in detail


def test_card_writes_are_read_from_the_data_folders_own_partition(tmp_path, monkeypatch):
    dev = tmp_path.stat().st_dev
    assert partition_stat(tmp_path) == Path(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}/stat")
    counters = tmp_path / "partition-stat"  # the same counters, 200,000 sectors written in one day
    counters.write_text("  8123 0 412345 2000 20000 0 200000 9000 0 5000 11000\n")
    monkeypatch.setattr(board, "partition_stat", lambda home: counters if home == tmp_path else None)
    (tmp_path / "uptime").write_text("86400.00 1.00\n")
    made = BoardPaths(tmp_path / "temp", tmp_path / "throttled", None, tmp_path / "uptime", tmp_path / "meminfo")
    ok, detail = storage_ok(tmp_path, made)
    assert ok and "102.4" in detail
