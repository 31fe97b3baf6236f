"""Progress of long work, readable by pages (htmx polling) and the CLI."""

from __future__ import annotations

import uuid as uuidlib

from appliance.db.base import now
from appliance.db.models import Job
from appliance.errors import NotFound


class JobService:
    def create(self, kind: str, total: int = 0, created_by: str = "") -> Job:
        return Job.create(uuid=str(uuidlib.uuid4()), kind=kind, total=total, created_by=created_by)

    def get(self, job_uuid: str) -> Job:
        job = Job.get_or_none(Job.uuid == job_uuid)
        if job is None:
            raise NotFound("No such job.")
        return job

    def progress(self, job_id: int, done: int, total: int | None = None, status: str = "running",
                 message: str = "") -> None:
        fields = {Job.done: done, Job.status: status, Job.updated_at: now()}
        if total is not None:
            fields[Job.total] = total
        if message:
            fields[Job.message] = message
        Job.update(fields).where(Job.id == job_id).execute()

    def finish(self, job_id: int, result: dict | None = None, failed: bool = False, message: str = "") -> None:
        Job.update({Job.status: "failed" if failed else "done", Job.result: result,
                    Job.message: message, Job.updated_at: now()}).where(Job.id == job_id).execute()
