"""``linli gate``: the CLI asks the running process over its control socket; it never
touches GPIO itself."""

from __future__ import annotations

from appliance.cli import main


def test_cli_opens_through_the_running_service_and_reports_status(runtime, capsys):
    runtime.start_background()
    assert main(["gate", "open", "--reason", "安装调试"]) == 0
    assert runtime.services.access.gate.relay_energised
    assert main(["gate", "status"]) == 0
    assert "门锁：已开" in capsys.readouterr().out
    runtime.services.access.log.flush()
    from appliance.db.models import AccessEvent

    row = AccessEvent.select().order_by(AccessEvent.id.desc()).get()
    assert row.method == "remote" and row.detail == "安装调试" and row.source.startswith("cli")


def test_cli_without_a_running_service_says_so(linli_home, capsys):
    assert main(["gate", "open", "--reason", "test"]) == 2
    assert "linli run" in capsys.readouterr().err


def test_cli_new_pin_and_visitor_pass_work_at_the_gate(runtime, capsys):
    reg = runtime.services.registry
    b = reg.save_building({"name": "1号楼"}, "t")
    u = reg.save_unit({"building_id": b.id, "number": "101"}, "t")
    r = reg.save_resident({"name": "张三", "unit_id": u.id}, "t")
    assert main(["gate", "pin", str(r.id)]) == 0
    pin = capsys.readouterr().out.strip()
    assert runtime.services.access.pin_attempt(pin, "kiosk").granted
    assert main(["gate", "pass", "--hours", "1", "--uses", "1"]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert runtime.services.access.scan(code, "kiosk").granted
