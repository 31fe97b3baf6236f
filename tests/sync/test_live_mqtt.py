"""Box and hub as two live processes over a real mosquitto, with faults on the way.
After each fault the hub must hold every event exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from appliance.config import load_config
from appliance.runtime import build_runtime
from tests.sync.conftest import assert_exactly_once, hub_config, wait_for, write_config
from tests.sync.realparts import REPO, linli_cmd, spawn

pytestmark = pytest.mark.slow


def box_agent(pair, total: int, log, *args: str) -> subprocess.Popen:
    return spawn([sys.executable, "-m", "tests.sync.box_agent", str(total), *args], pair.box_home, log)


def hub_proc(pair, log, home=None) -> subprocess.Popen:
    proc = spawn(linli_cmd("hub", "run"), home or pair.hub_home, log)
    wait_for(lambda: "receiving" in log.read_text() or proc.poll() is not None, 20, "hub start")
    assert proc.poll() is None, log.read_text()
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def retained(port: int, topic: str, timeout: float = 5.0) -> bytes | None:
    got = []
    c = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    c.on_message = lambda cl, u, m: got.append(m.payload)
    c.connect("127.0.0.1", port)
    c.subscribe(topic, qos=1)
    c.loop_start()
    deadline = time.monotonic() + timeout
    while not got and time.monotonic() < deadline:
        time.sleep(0.05)
    c.loop_stop()
    c.disconnect()
    return got[0] if got else None


def box_db_rows(pair, model_name: str) -> int:
    import appliance.db.models as models

    rt = build_runtime(load_config(pair.box_home), immediate_tasks=True, hardware=False)
    try:
        return getattr(models, model_name).select().count()
    finally:
        rt.close()


def test_events_reach_the_hub_once_and_a_notice_comes_back(pair_factory, mosquitto, tmp_path):
    pair = pair_factory(port=mosquitto.port)
    hub_log, box_log = tmp_path / "hub.log", tmp_path / "box.log"
    hub = hub_proc(pair, hub_log)
    notice = subprocess.run(linli_cmd("hub", "notice", "停水通知", "--body", "明天9点"), cwd=REPO,
                            env=dict(os.environ, LINLI_HOME=str(pair.hub_home)), capture_output=True, text=True)
    assert notice.returncode == 0, notice.stderr
    box = box_agent(pair, 3000, box_log, "--exit-when-drained")
    try:
        assert box.wait(90) == 0, box_log.read_text()[-3000:]
        assert_exactly_once(pair, 3000)
        assert box_db_rows(pair, "DistrictNotice") == 1
        # The box stopped cleanly: its retained status says so.
        assert retained(mosquitto.port, f"linli/v1/{pair.box_id}/status") == b"offline"
        # The hub has seen the box apply the notice (its down_ack came back in a batch or status).
        hub_svc = pair.open_hub()
        from appliance.hub.models import HubBox

        box_row = HubBox.get(HubBox.box_id == pair.box_id)
        assert box_row.down_acked == 1
        assert box_row.health and box_row.health.get("database") is True  # from the box's status message
        hub_svc.db.close()
    finally:
        stop(box)
        stop(hub)


def test_kill_9_of_the_box_while_producing_and_draining_loses_and_repeats_nothing(pair_factory, mosquitto,
                                                                                    tmp_path):
    total = 4000
    pair = pair_factory(port=mosquitto.port)
    hub = hub_proc(pair, tmp_path / "hub.log")
    box_log = tmp_path / "box.log"
    rng = random.Random(int(os.environ.get("LINLI_TEST_SEED", "6")))
    try:
        for round_ in range(4):
            box = box_agent(pair, total, box_log, "--pause", "0.02")
            # Killed while producing, not while still importing (a busy machine starts slowly).
            wait_for(lambda: box_log.read_text().count("start") == round_ + 1, 60, "the box to start")
            time.sleep(rng.uniform(0.3, 2.0))
            box.send_signal(signal.SIGKILL)
            box.wait()
            if round_ == 0:
                # A box that dies without a goodbye is reported offline by the broker (last will).
                wait_for(lambda: retained(mosquitto.port, f"linli/v1/{pair.box_id}/status", 1) == b"offline",
                         20, "last will")
        box = box_agent(pair, total, box_log, "--exit-when-drained")
        assert box.wait(120) == 0, box_log.read_text()[-3000:]
        assert box_log.read_text().count("start") == 5
        assert_exactly_once(pair, total)
    finally:
        stop(hub)


def test_broker_restart_mid_drain(pair_factory, mosquitto, tmp_path):
    total = 3000
    pair = pair_factory(port=mosquitto.port)
    hub = hub_proc(pair, tmp_path / "hub.log")
    box_log = tmp_path / "box.log"
    box = box_agent(pair, total, box_log, "--pause", "0.02", "--exit-when-drained")
    try:
        wait_for(lambda: len(pair.hub_events()) > 200, 60, "first events at the hub")
        mosquitto.restart(down_s=1.5)
        assert len(pair.hub_events()) < total, "the restart came too late to be mid-drain"
        assert box.wait(120) == 0, box_log.read_text()[-3000:]
        assert "connected=2" in box_log.read_text() or "connected=3" in box_log.read_text()
        assert_exactly_once(pair, total)
    finally:
        stop(box)
        stop(hub)


def test_link_cut_mid_drain_neither_blocks_the_box_nor_loses_events(pair_factory, mosquitto, proxy, tmp_path):
    total = 3000
    pair = pair_factory(port=proxy.port)  # the box goes through the proxy, the hub straight to the broker
    write_config(pair.hub_home, hub_config(mosquitto.port))
    hub = hub_proc(pair, tmp_path / "hub.log")
    box_log = tmp_path / "box.log"
    box = box_agent(pair, total, box_log, "--pause", "0.02", "--exit-when-drained")
    try:
        wait_for(lambda: len(pair.hub_events()) > 100, 60, "first events at the hub")
        proxy.cut()
        assert len(pair.hub_events()) < total, "the cut came too late to be mid-drain"
        # While the link is down the box keeps producing (its log keeps growing) ...
        size = len(box_log.read_text())
        at_cut = len(pair.hub_events())
        wait_for(lambda: "produced" in box_log.read_text() or len(box_log.read_text()) > size, 30,
                 "the box to keep working offline")
        time.sleep(2)
        assert len(pair.hub_events()) - at_cut < 1000  # nothing much can arrive while cut
        proxy.restore()
        assert box.wait(120) == 0, box_log.read_text()[-3000:]
        assert "disconnected=" in box_log.read_text()
        assert_exactly_once(pair, total)
    finally:
        stop(box)
        stop(hub)


def test_two_hub_workers_on_postgresql_share_the_load(pair_factory, mosquitto, postgres, tmp_path):
    total = 3000
    url = postgres.create_db("hub_shared")
    pair = pair_factory(port=mosquitto.port, db_url=url)
    second_home = tmp_path / "hub2"
    second_home.mkdir()
    write_config(second_home, hub_config(mosquitto.port, url, worker="second"))
    (second_home / "hub").mkdir()
    # Both workers sign with the district's key.
    (second_home / "hub" / "hub_ed25519.pem").write_bytes((pair.hub_home / "hub" / "hub_ed25519.pem").read_bytes())
    write_config(pair.hub_home, hub_config(mosquitto.port, url, worker="first"))
    hubs = [hub_proc(pair, tmp_path / "hub1.log"), hub_proc(pair, tmp_path / "hub2.log", home=second_home)]
    box_log = tmp_path / "box.log"
    box = box_agent(pair, total, box_log, "--per-tx", "20", "--exit-when-drained")
    try:
        assert box.wait(120) == 0, box_log.read_text()[-3000:]
        assert_exactly_once(pair, total)
        hub = pair.open_hub()
        from appliance.hub.models import HubBatch

        workers = {b.channel for b in HubBatch.select().where(HubBatch.status != "refused")}
        hub.db.close()
        assert workers == {"mqtt:first", "mqtt:second"}, workers
    finally:
        stop(box)
        for h in hubs:
            stop(h)


def test_sync_is_idle_until_configured_and_never_blocks_or_raises_offline(linli_home, tmp_path):
    from appliance.sync.outbox import append
    from tests.sync.realparts import free_port

    rt = build_runtime(load_config(linli_home), immediate_tasks=True, hardware=False)
    rt.start_sync()
    assert "mqtt" not in rt.services.sync.channels  # nothing configured: no connection attempts
    rt.close()
    dead_port = free_port()  # nothing listens here: the district link is down
    (linli_home / "config.toml").write_text(f'[sync]\nmqtt_host = "127.0.0.1"\nmqtt_port = {dead_port}\n')
    rt = build_runtime(load_config(linli_home), immediate_tasks=True, hardware=False)
    try:
        rt.services.sync.pin_hub("district-1", rt.services.sync.public_key)
        rt.start_sync()
        channel = rt.services.sync.channels["mqtt"]
        for i in range(200):  # a gate opening 200 times while offline
            with rt.db.atomic():
                append("access.event", {"n": i})
            rt.services.sync.wakeup.set()
        time.sleep(1.5)
        assert not channel.connected.is_set()
        assert rt.services.sync.backlog() == 200
        from appliance.i18n import gettext

        detail = rt.services.health.report()["subsystems"]["sync"]["detail"]
        assert detail.startswith(gettext("offline: data waits on the box and is sent later")) and "200" in detail
    finally:
        rt.close()
    (linli_home / "config.toml").write_text('[sync]\nmqtt_port = "not a number"\n')
    rt = build_runtime(load_config(linli_home), immediate_tasks=True, hardware=False)
    try:
        assert rt.config.safe_mode
        rt.start_sync()
        assert "mqtt" not in rt.services.sync.channels  # safe mode keeps sync off
    finally:
        rt.close()


def test_pairing_by_one_time_code_over_mqtt_then_delivery(mosquitto, tmp_path):
    from tests.sync.conftest import box_config

    box_home, hub_home = tmp_path / "box-code", tmp_path / "hubc"
    box_home.mkdir()
    hub_home.mkdir()
    write_config(box_home, box_config("box-code", mosquitto.port))
    write_config(hub_home, hub_config(mosquitto.port))
    env_hub = dict(os.environ, LINLI_HOME=str(hub_home), LINLI_LANG="en")
    env_box = dict(os.environ, LINLI_HOME=str(box_home), LINLI_LANG="en")
    out = subprocess.run(linli_cmd("hub", "pair-code"), cwd=REPO, env=env_hub, capture_output=True, text=True)
    code = out.stdout.split("code: ")[1].split()[0]
    hub = spawn(linli_cmd("hub", "run"), hub_home, tmp_path / "hub.log")
    try:
        wait_for(lambda: "receiving" in (tmp_path / "hub.log").read_text(), 20, "hub start")
        wrong = "0000-0000" if code != "0000-0000" else "1111-1111"
        bad = subprocess.run(linli_cmd("sync", "pair-code", wrong, "--timeout", "3"), cwd=REPO, env=env_box,
                             capture_output=True, text=True)
        assert bad.returncode == 2 and "Pairing failed" in bad.stderr
        good = subprocess.run(linli_cmd("sync", "pair-code", code), cwd=REPO, env=env_box, capture_output=True,
                              text=True)
        assert good.returncode == 0, good.stdout + good.stderr
        intruder = tmp_path / "intruder"
        intruder.mkdir()
        write_config(intruder, box_config("box-intruder", mosquitto.port))
        again = subprocess.run(linli_cmd("sync", "pair-code", code, "--timeout", "3"), cwd=REPO,
                               env=dict(env_box, LINLI_HOME=str(intruder)), capture_output=True, text=True)
        assert again.returncode == 2 and "Pairing failed" in again.stderr  # a used code pairs nobody else
        rt = build_runtime(load_config(box_home), immediate_tasks=True, hardware=False)
        from appliance.sync.outbox import append

        with rt.db.atomic():
            append("access.event", {"n": 0})
        rt.close()
        now = subprocess.run(linli_cmd("sync", "now", "--timeout", "30"), cwd=REPO, env=env_box,
                             capture_output=True, text=True)
        assert now.returncode == 0, now.stdout + now.stderr
    finally:
        stop(hub)


def test_unacknowledged_batches_are_resent_with_growing_waits_until_a_hub_answers(pair_factory, mosquitto):
    from appliance.hub.worker import HubWorker
    from appliance.sync.outbox import append

    pair = pair_factory(port=mosquitto.port, box_extra="")
    (pair.box_home / "config.toml").write_text(
        (pair.box_home / "config.toml").read_text().replace("resend_initial_s = 1.0", "resend_initial_s = 0.3")
        .replace("resend_max_s = 4.0", "resend_max_s = 1.2"))
    rt = build_runtime(load_config(pair.box_home), immediate_tasks=True, hardware=False)
    try:
        with rt.db.atomic():
            for i in range(50):
                append("access.event", {"n": i})
        rt.start_sync()
        channel = rt.services.sync.channels["mqtt"]
        wait_for(lambda: sum(1 for e in channel.events if e[1] == "resend") >= 4, 20, "resends")
        waits = [e[2] for e in channel.events if e[1] == "resend"][:4]
        assert waits == ["after 0.3s", "after 0.6s", "after 1.2s", "after 1.2s"]
        hub = pair.open_hub()
        worker = HubWorker(hub, load_config(pair.hub_home).hub)
        worker.start()
        try:
            wait_for(lambda: rt.services.sync.backlog() == 0, 20, "the hub's ack")
            assert [h[2] for h in worker.history if h[0] == "up"][0] == "stored"
            assert len(pair.hub_events(hub)) == 50
        finally:
            worker.stop()
            hub.db.close()
    finally:
        rt.close()


def test_when_the_monthly_budget_is_used_up_only_urgent_entries_go(pair_factory, mosquitto):
    from appliance.hub.worker import HubWorker
    from appliance.sync import state
    from appliance.sync.outbox import append

    pair = pair_factory(port=mosquitto.port, box_extra="data_budget_mb = 1.0")
    rt = build_runtime(load_config(pair.box_home), immediate_tasks=True, hardware=False)
    hub = pair.open_hub()
    worker = HubWorker(hub, load_config(pair.hub_home).hub)
    worker.start()
    try:
        with rt.db.atomic():
            state.add_usage(1_000_000)  # this month's megabyte is spent
            for i in range(30):
                append("access.event", {"n": i}, priority=7)
                if i % 10 == 9:
                    append("firelane.incident", {"plate": "京A12345", "n": i}, priority=5)
        rt.start_sync()
        from appliance.hub.models import HubEntry

        wait_for(lambda: HubEntry.select().where(HubEntry.kind == "firelane.incident").count() == 3, 20,
                 "the incidents at the hub")
        time.sleep(1.5)
        assert HubEntry.select().where(HubEntry.kind == "access.event").count() == 0
        assert rt.services.sync.backlog() == 33  # nothing contiguous is acked yet: access events wait
        assert rt.services.sync.pending(0, 100)[0].kind == "access.event"  # the hub's incidents are not resent
        rt.config.sync.data_budget_mb = 0  # a new month (or a bigger budget): the rest follows
        rt.services.sync.wakeup.set()
        wait_for(lambda: rt.services.sync.backlog() == 0, 20, "the rest")
        assert sorted(pair.hub_events(hub)) == list(range(30))
    finally:
        rt.close()
        worker.stop()
        hub.db.close()


def test_a_forged_status_does_not_stop_notices_and_the_box_acks_them_signed(pair_factory, mosquitto, tmp_path):
    """#11 item 12: anyone on the broker may publish the box's status topic; a huge down_ack
    there once made the hub send that box nothing more. The box now reports what it applied
    in a signed (empty) batch, with nothing in its outbox."""
    pair = pair_factory(port=mosquitto.port)
    hub = hub_proc(pair, tmp_path / "hub.log")
    forger = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    forger.connect("127.0.0.1", mosquitto.port)
    forger.loop_start()
    forger.publish(f"linli/v1/{pair.box_id}/status", b'{"state": "online", "backlog": 0, "down_ack": 999999}',
                   qos=1, retain=True).wait_for_publish(5)
    forger.loop_stop()
    forger.disconnect()
    notice = subprocess.run(linli_cmd("hub", "notice", "停水通知"), cwd=REPO,
                            env=dict(os.environ, LINLI_HOME=str(pair.hub_home)), capture_output=True, text=True)
    assert notice.returncode == 0, notice.stderr
    box = box_agent(pair, 0, tmp_path / "box.log")
    try:
        from appliance.hub.models import HubBox

        hub_svc = pair.open_hub()
        try:
            wait_for(lambda: HubBox.get(HubBox.box_id == pair.box_id).down_acked == 1, 60,
                     "the box's signed down_ack")
        finally:
            hub_svc.db.close()
    finally:
        stop(box)
        stop(hub)
    assert box_db_rows(pair, "DistrictNotice") == 1
