"""Board health lines from real files shaped like the Pi's /sys and /proc entries."""

from __future__ import annotations

from appliance.system.board import BoardPaths, storage_ok, temperature_ok


def paths(tmp_path, temp=None, throttled=None, sectors=None, uptime=None) -> BoardPaths:
    made = BoardPaths(tmp_path / "temp", tmp_path / "throttled", tmp_path / "stat", tmp_path / "uptime")
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
