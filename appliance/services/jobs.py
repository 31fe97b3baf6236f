"""Progress of long work, readable by pages (htmx polling) and the CLI.

A residents import writes in one transaction, and progress written inside it stays invisible
to every other connection until it commits: pages polled "0 / ?" until the end. So progress is
also kept in memory here (``linli run`` serves pages and runs jobs in one process) and
:meth:`JobService.get` reads it from there while the job runs.
"""

from __future__ import annotations

import logging
import threading
import uuid as uuidlib

from appliance.db.base import now
from appliance.db.models import Job
from appliance.errors import NotFound

logger = logging.getLogger(__name__)


class JobService:
    def __init__(self):
        self._live: dict[int, tuple[int, int]] = {}  # job id -> (done, total) while it runs
        self._lock = threading.Lock()

    def create(self, kind: str, total: int = 0, created_by: str = "") -> Job:
        return Job.create(uuid=str(uuidlib.uuid4()), kind=kind, total=total, created_by=created_by)

    def get(self, job_uuid: str) -> Job:
        job = Job.get_or_none(Job.uuid == job_uuid)
        if job is None:
            raise NotFound("No such job.")
        with self._lock:
            live = self._live.get(job.id)
        if live is not None and job.status in ("queued", "running"):
            job.done, job.total = live
            job.status = "running"
        return job

    def progress(self, job_id: int, done: int, total: int | None = None, status: str = "running",
                 message: str = "") -> None:
        with self._lock:
            known = self._live.get(job_id, (0, 0))[1]
            self._live[job_id] = (done, known if total is None else total)
        fields = {Job.done: done, Job.status: status, Job.updated_at: now()}
        if total is not None:
            fields[Job.total] = total
        if message:
            fields[Job.message] = message
        Job.update(fields).where(Job.id == job_id).execute()

    def finish(self, job_id: int, result: dict | None = None, failed: bool = False, message: str = "") -> None:
        Job.update({Job.status: "failed" if failed else "done", Job.result: result,
                    Job.message: message, Job.updated_at: now()}).where(Job.id == job_id).execute()
        with self._lock:
            self._live.pop(job_id, None)
