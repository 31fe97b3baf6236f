"""Photos on grid tasks through the report photo store: EXIF (GPS) dropped, size-capped,
all or nothing, staff only, nothing after the task is finished."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from appliance.db.models import GridPhoto
from tests.care.test_grid_pages import grid  # noqa: F401  (fixture)
from tests.conftest import csrf_token
from tests.participation.conftest import gps_exif, phone_photo


def upload(client, task_id, *files):
    data = {"csrf_token": csrf_token(client, f"/care/grid/task/{task_id}"),
            "photo": [(io.BytesIO(blob), name) for name, blob in files]}
    return client.post(f"/care/grid/task/{task_id}/photos", data=data, content_type="multipart/form-data")


@pytest.fixture
def task(services, grid):  # noqa: F811
    return services.care.create_task(grid.id, {"kind": "rectification", "title": "清理楼道杂物",
                                               "checklist": "楼道清空"}, "admin")


def test_a_worker_adds_photos_without_their_gps_and_staff_see_them(client_as, services, task):
    worker = client_as("volunteer")
    r = upload(worker, task.id, ("a.jpg", phone_photo(3000, 2000, gps_exif())), ("b.png", _png()))
    assert r.status_code == 302
    rows = list(GridPhoto.select().order_by(GridPhoto.id))
    assert len(rows) == 2 and {r.taken_by for r in rows} == {"volunteer"}
    page = worker.get(f"/care/grid/task/{task.id}").get_data(as_text=True)
    assert f"/care/grid/photo/{rows[0].name}.t.jpg" in page
    stored = client_as("district").get(f"/care/grid/photo/{rows[0].name}.jpg")
    assert stored.status_code == 200 and stored.mimetype == "image/jpeg"
    img = Image.open(io.BytesIO(stored.data))
    assert max(img.size) <= services.config.participation.photo_max_side
    assert not img.getexif() and b"PhoneMaker" not in stored.data  # EXIF with the GPS position is gone
    assert len(stored.data) <= services.config.participation.photo_max_kb * 1024
    assert client_as("kiosk").get(f"/care/grid/photo/{rows[0].name}.jpg").status_code == 403
    assert worker.get("/care/grid/photo/0123456789abcdef0123456789abcdef.jpg").status_code == 404
    assert worker.get(f"/care/grid/photo/{rows[0].name}.exe").status_code == 404


def test_bad_uploads_are_refused_whole_and_nothing_is_kept(client_as, services, task):
    worker = client_as("volunteer")
    folder = services.participation.photos.folder / "grid"
    before = sorted(folder.glob("*.jpg")) if folder.exists() else []
    r = upload(worker, task.id, ("ok.jpg", phone_photo(800, 600)), ("bad.jpg", b"\xff\xd8\xff not really a jpeg"))
    assert r.status_code == 400 and 'data-field="photo"' in r.get_data(as_text=True)
    assert GridPhoto.select().count() == 0
    assert (sorted(folder.glob("*.jpg")) if folder.exists() else []) == before  # the good one was removed again
    r = upload(worker, task.id, ("huge.jpg", b"\xff\xd8\xff" + b"0" * int(services.config.participation.photo_max_mb
                                                                         * 1024 * 1024 + 10)))
    assert r.status_code == 400 and GridPhoto.select().count() == 0
    r = upload(worker, task.id)
    assert r.status_code == 400
    assert upload(worker, task.id, *[(f"{i}.jpg", phone_photo(200, 150)) for i in range(7)]).status_code == 400
    assert GridPhoto.select().count() == 0


def test_photos_are_removed_and_frozen_once_the_task_is_done(client_as, services, task):
    worker = client_as("volunteer")
    upload(worker, task.id, ("a.jpg", phone_photo(400, 300)), ("b.jpg", phone_photo(400, 300)))
    first, second = GridPhoto.select().order_by(GridPhoto.id)
    path = services.care.photo_store().path(first.name)
    r = worker.post(f"/care/grid/photo/{first.id}/delete",
                    data={"csrf_token": csrf_token(worker, f"/care/grid/task/{task.id}")})
    assert r.status_code == 302 and not path.exists() and GridPhoto.select().count() == 1
    services.care.tick_item(task.id, 0, True, "volunteer")
    services.care.finish_task(task.id, "已清理", "volunteer")
    r = upload(worker, task.id, ("c.jpg", phone_photo(400, 300)))
    assert r.status_code == 400 and GridPhoto.select().count() == 1
    r = worker.post(f"/care/grid/photo/{second.id}/delete",
                    data={"csrf_token": csrf_token(worker, f"/care/grid/task/{task.id}")})
    assert r.status_code == 400 and GridPhoto.select().count() == 1
    assert worker.post("/care/grid/photo/4242/delete",
                       data={"csrf_token": csrf_token(worker, f"/care/grid/task/{task.id}")}).status_code == 404


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (640, 480), (10, 200, 30, 128)).save(out, "PNG")
    return out.getvalue()


def test_grid_photos_are_not_served_on_the_public_photo_address(client_as, client, services, task):
    """Report photos are public at /photos/<name>; a grid photo (a resident's flat, a broken
    door) is kept in its own folder and served to staff only."""
    r = upload(client_as("volunteer"), task.id, ("a.jpg", phone_photo(800, 600)))
    assert r.status_code == 302
    (row,) = GridPhoto.select()
    assert services.participation.photos.path(row.name) is None
    assert client.get(f"/photos/{row.name}.jpg").status_code == 404
    assert client.get(f"/photos/{row.name}.t.jpg").status_code == 404
    assert client_as("admin").get(f"/care/grid/photo/{row.name}.jpg").status_code == 200
    # inside the photo folder, so the backup (which takes it whole) keeps grid photos too
    from appliance.system.backup import FOLDERS

    home = services.participation.photos.folder
    assert "photos" in FOLDERS and (home / "grid" / f"{row.name}.jpg").is_file()


def test_grid_photos_kept_in_the_public_folder_before_are_moved_out(client, services, task):
    public = services.participation.photos
    name, _photo = public.put(phone_photo(800, 600))  # as an earlier version stored it
    GridPhoto.create(task=task, name=name, taken_by="volunteer")
    assert client.get(f"/photos/{name}.jpg").status_code == 200
    private = services.care.photo_store()  # made on the first photo after the update
    assert private.path(name) is not None and private.path(name, thumb=True) is not None
    assert public.path(name) is None and client.get(f"/photos/{name}.jpg").status_code == 404
