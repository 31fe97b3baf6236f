"""Photos on grid tasks (网格任务): a worker photographs what she found or fixed. The files are
cleaned by the participation feature's photo rules (size checked before decoding, re-encoded
without EXIF/GPS, capped in bytes and pixels) into a folder of their own (not the public report
photo folder); this module keeps which task they belong to. Mixed into :class:`appliance.care.service.CareService`, which is given
``photo_store`` (a callable returning the store, or None where there is none)."""

from __future__ import annotations

import logging

from appliance.db.base import find as find_row
from appliance.db.models import GridPhoto
from appliance.errors import NotFound, ValidationError

logger = logging.getLogger(__name__)

MAX_TASK_PHOTOS = 6


class GridPhotos:
    photo_store = staticmethod(lambda: None)

    def _store(self):
        store = self.photo_store()
        if store is None:
            raise ValidationError("Photos cannot be kept on this box.", field="photo")
        return store

    def task_photos(self, task) -> list[GridPhoto]:
        return list(GridPhoto.select().where(GridPhoto.task == task).order_by(GridPhoto.id))

    def add_task_photos(self, task_id, uploads: list[bytes], actor: str) -> list[GridPhoto]:
        """All or nothing: every photo is cleaned before any row is written, and the files of
        a refused batch are removed again."""
        task = self.task(task_id)
        uploads = [u for u in uploads if u]
        if not uploads:
            raise ValidationError("Choose a photo.", field="photo")
        if task.done_at is not None:
            raise ValidationError("This task is finished.", field="photo")
        if len(self.task_photos(task)) + len(uploads) > MAX_TASK_PHOTOS:
            raise ValidationError("At most %(n)s photos.", field="photo", n=MAX_TASK_PHOTOS)
        store = self._store()
        names: list[str] = []
        try:
            for data in uploads:
                name, _photo = store.put(data)
                names.append(name)
            with self.db.atomic():
                rows = [GridPhoto.create(task=task, name=name, taken_by=actor, created_at=self.now())
                        for name in names]
                self.audit.record(actor, "photo", "care.grid_task", task.id, {"name": task.title, "n": len(rows)})
        except Exception:
            for name in names:
                store.remove(name)
            raise
        return rows

    def task_photo_path(self, name: str, thumb: bool = False):
        """The file of a grid task's photo (only names a task owns)."""
        row = GridPhoto.get_or_none(GridPhoto.name == str(name)[:40])
        path = self._store().path(row.name, thumb=thumb) if row is not None else None
        if path is None:
            raise NotFound("No such photo.")
        return path

    def task_photo(self, photo_id) -> GridPhoto:
        row = find_row(GridPhoto, photo_id)
        if row is None:
            raise NotFound("No such photo.")
        return row

    def delete_task_photo(self, photo_id, actor: str) -> None:
        row = self.task_photo(photo_id)
        if row.task.done_at is not None:
            raise ValidationError("This task is finished.", field="photo")
        with self.db.atomic():
            row.delete_instance()
            self.audit.record(actor, "delete_photo", "care.grid_task", row.task_id, {"name": row.task.title})
        self._store().remove(row.name)
