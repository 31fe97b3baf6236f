"""Answers to the "fixed?" question by SMS through the simulated dongle on a pty: one loop
pass that reads 20 messages from the SIM (AT+CMGL), matches each to one of 500 open questions,
closes or reopens the order and texts a thanks; the peer is only reading the same 20 messages.
Also a report sent again from an offline draft (key already stored) against a new report."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench._results import record

QUESTIONS = 500
MESSAGES = 20


def fill(rt) -> list[str]:
    s = rt.services
    b = s.registry.save_building({"name": "1号楼"}, "bench")
    phones = []
    for i in range(QUESTIONS):
        phone = f"139{i:08d}"
        order = s.participation.reports.submit(category="lamp", description="路灯不亮", place={"building_id": b.id},
                                               phone=phone, on_behalf_by="bench", actor="bench")
        s.workorders.transition(order.id, "fixed", "bench")
        phones.append(phone)
    s.participation.followups.ask_due()  # texts them all (through the pty dongle)
    while s.participation.followups.ask_due():
        pass
    return phones


def main() -> None:
    from appliance.config import load_config
    from appliance.firelane.setup import FireLaneFeature
    from appliance.runtime import build_runtime

    with tempfile.TemporaryDirectory() as tmp:
        rt = build_runtime(load_config(Path(tmp) / "box"), immediate_tasks=True, hardware=True)
        try:
            phones = fill(rt)
            dongle = rt.feature(FireLaneFeature).simulated_modem
            answers = rt.services.participation.sms_answers
            notifier = rt.feature(FireLaneFeature).lane.notifier
            loop, peer = [], []
            for run in range(4):
                batch = phones[run * MESSAGES * 2: run * MESSAGES * 2 + MESSAGES]
                for i, phone in enumerate(batch):
                    dongle.receive_sms(phone, "1 5" if i % 3 else "2")
                started = time.perf_counter()
                assert answers.poll() == MESSAGES
                loop.append((time.perf_counter() - started) * 1000 / MESSAGES)
                for phone in phones[run * MESSAGES * 2 + MESSAGES: (run + 1) * MESSAGES * 2]:
                    dongle.receive_sms(phone, "1")
                started = time.perf_counter()
                assert len(notifier.received()) == MESSAGES  # read only; these questions stay open
                peer.append((time.perf_counter() - started) * 1000 / MESSAGES)
            record("sms_answer_per_message_ms", statistics.median(loop), "ms", peer="read from the SIM only",
                   peer_value=statistics.median(peer), goal="<= 1000 (loop runs each 60 s)")

            reports = rt.services.participation.reports
            new, again = [], []
            for i in range(30):
                key = f"bench-draft-key-{i:016d}"
                started = time.perf_counter()
                reports.submit(category="leak", description="漏水", place={}, draft_key=key)
                new.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                reports.submit(category="leak", description="漏水", place={}, draft_key=key)
                again.append((time.perf_counter() - started) * 1000)
            record("report_draft_resent_ms", statistics.median(again), "ms", peer="a new report",
                   peer_value=statistics.median(new), goal="<= new report")
        finally:
            rt.close()


if __name__ == "__main__":
    main()
