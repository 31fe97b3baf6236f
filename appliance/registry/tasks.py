"""Background work of the registry: a spreadsheet import runs as a huey task with progress."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance.db.models import Job
from appliance.errors import LinliError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegistryTasks:
    import_residents: Any  # huey task: (job_id, staged path, actor)


def register_tasks(huey, spreadsheet, jobs) -> RegistryTasks:
    @huey.task()
    def import_residents(job_id: int, path: str, actor: str) -> None:
        job = Job.get_or_none(Job.id == job_id)
        if job is None or job.status in ("done", "failed"):
            return  # already handled: huey may deliver a task twice after a crash
        jobs.progress(job_id, 0, status="running")
        try:
            report = spreadsheet.import_file(
                Path(path), actor, dry_run=False,
                progress=lambda done, total: jobs.progress(job_id, done, total))
        except LinliError as exc:
            jobs.finish(job_id, failed=True, message=exc.message())
            return
        except Exception:
            logger.exception("import job %s crashed", job_id)
            jobs.finish(job_id, failed=True, message="internal error")
            raise
        finally:
            Path(path).unlink(missing_ok=True)
        jobs.finish(job_id, result=report.as_dict(), failed=not report.ok)

    return RegistryTasks(import_residents=import_residents)
