"""Background work on huey (SQLite storage), registered against an injected huey instance.

Tasks take ids and paths, never objects, and are safe to run twice: a finished job is not
run again. In tests the huey instance is in immediate mode, so a task runs inline.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

from huey import SqliteHuey, crontab
from huey.consumer import Consumer

from appliance.db.models import Job
from appliance.errors import LinliError

logger = logging.getLogger(__name__)


def make_huey(home: Path, immediate: bool) -> SqliteHuey:
    return SqliteHuey("linli", filename=str(home / "tasks.db"), immediate=immediate, utc=True)


class InProcessConsumer(Consumer):
    """Runs huey's workers as threads inside ``linli run``; the runtime owns the signals."""

    def _set_signal_handlers(self):
        pass


def start_consumer(huey: SqliteHuey, workers: int) -> InProcessConsumer | None:
    if huey.immediate:
        return None
    consumer = InProcessConsumer(huey, workers=workers, worker_type="thread", periodic=True)
    consumer.start()
    return consumer


def register_tasks(huey: SqliteHuey, services) -> SimpleNamespace:
    @huey.task()
    def import_residents(job_id: int, path: str, actor: str) -> None:
        job = Job.get_or_none(Job.id == job_id)
        if job is None or job.status in ("done", "failed"):
            return  # already handled: huey may deliver a task twice after a crash
        services.jobs.progress(job_id, 0, status="running")
        try:
            report = services.residents_io.import_file(
                Path(path), actor, dry_run=False,
                progress=lambda done, total: services.jobs.progress(job_id, done, total))
        except LinliError as exc:
            services.jobs.finish(job_id, failed=True, message=exc.message())
            return
        except Exception:
            logger.exception("import job %s crashed", job_id)
            services.jobs.finish(job_id, failed=True, message="internal error")
            raise
        finally:
            Path(path).unlink(missing_ok=True)
        services.jobs.finish(job_id, result=report.as_dict(), failed=not report.ok)

    @huey.periodic_task(crontab(hour="3", minute="30"))
    def face_retention_sweep() -> None:
        # Daily: templates of residents who moved out or withdrew are deleted.
        face = services.extra.get("face")
        if face is not None:
            face.retention_sweep()

    return SimpleNamespace(import_residents=import_residents, face_retention_sweep=face_retention_sweep)
