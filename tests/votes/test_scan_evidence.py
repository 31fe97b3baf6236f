"""A phone photo of a signed ballot: kept byte for byte as evidence (its sha256 in the ledger),
but what staff see carries no GPS, camera or other metadata; only an admin downloads the
original, and that download is audited."""

from __future__ import annotations

import hashlib
import io
import re

import segno
from PIL import Image

from appliance.db.models import AuditLog
from tests.conftest import csrf_token
from tests.votes.test_votes_service import roll_by_unit

GPS_IFD = 0x8825
GPS_LATITUDE = (31.0, 14.0, 5.88)


def phone_photo(code: str) -> bytes:
    """A JPEG as a phone makes it: the ballot's QR code, rotated by the EXIF orientation tag,
    with GPS, the camera model, a comment and XMP."""
    qr = io.BytesIO()
    segno.make(code, error="m").save(qr, kind="png", scale=8, border=4)
    with Image.open(qr) as img:
        sheet = Image.new("RGB", (img.width + 200, img.height), "white")
        sheet.paste(img.convert("RGB"), (0, 0))
    exif = Image.Exif()
    exif[0x0110] = "PhoneModel X-123"  # camera model
    exif[0x0112] = 1  # orientation: as stored (the QR code must stay readable at intake)
    exif.get_ifd(GPS_IFD).update({1: "N", 2: GPS_LATITUDE, 3: "E", 4: (121.0, 28.0, 12.5)})
    out = io.BytesIO()
    sheet.save(out, "JPEG", exif=exif.tobytes(), comment=b"taken by 13800000005",
               xmp=b"<x:xmpmeta>owner 13800000005</x:xmpmeta>", quality=95)
    return out.getvalue()


def rotated_photo() -> bytes:
    """A landscape picture whose EXIF says "turn 90°", with GPS."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(GPS_IFD).update({1: "N", 2: GPS_LATITUDE})
    out = io.BytesIO()
    Image.new("RGB", (300, 100), "white").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def enter(client, vote, data, photo):
    t = csrf_token(client, f"/votes/{vote.id}/paper")
    return client.post(f"/votes/{vote.id}/paper", data={"csrf_token": t, **data,
                                                        "scan": (io.BytesIO(photo), "IMG_0001.jpg")},
                       content_type="multipart/form-data")


def test_original_is_sealed_and_viewers_get_a_copy_without_location(client_as, open_vote, votes, linli_home):
    row = roll_by_unit(votes, open_vote)["2号楼 102"]
    photo = phone_photo(votes.ballots.paper_code(open_vote, row))
    vol = client_as("volunteer")
    assert enter(vol, open_vote, {"m1": "yes", "m2": "no"}, photo).status_code == 302
    page = vol.get(f"/votes/{open_vote.id}/paper").get_data(as_text=True)
    assert 'id="scan-privacy"' in page and "scan-original" not in page  # volunteers: no original link
    scan_url = re.search(r'/votes/\d+/scans/[0-9a-f]{64}\.jpg', page).group(0)
    name = scan_url.rsplit("/", 1)[1]
    assert name == hashlib.sha256(photo).hexdigest() + ".jpg"
    assert (linli_home / "votes" / "evidence" / name).read_bytes() == photo  # byte for byte, EXIF and all

    with Image.open(io.BytesIO(photo)) as img:  # what there is to strip
        assert img.getexif().get_ifd(GPS_IFD)[2] == GPS_LATITUDE and "comment" in img.info and "xmp" in img.info
    shown = vol.get(scan_url)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "private, no-store"
    with Image.open(io.BytesIO(shown.data)) as img:
        assert img.format == "JPEG" and img.size == (Image.open(io.BytesIO(photo)).size)
        assert not img.getexif() and not img.getexif().get_ifd(GPS_IFD)
        assert "comment" not in img.info and "xmp" not in img.info and "exif" not in img.info
    assert b"Exif" not in shown.data and b"13800000005" not in shown.data and b"PhoneModel" not in shown.data
    assert vol.get(scan_url + "/original").status_code == 403

    # The second person confirms: the ledger holds the original's hash, not the copy's.
    admin = client_as("admin")
    page = admin.get(f"/votes/{open_vote.id}/paper").get_data(as_text=True)
    assert "scan-original" in page
    original = admin.get(scan_url + "/original")
    assert original.status_code == 200 and original.data == photo
    assert original.headers["X-Content-SHA256"] == hashlib.sha256(photo).hexdigest()
    assert "attachment" in original.headers["Content-Disposition"]
    audited = AuditLog.select().where(AuditLog.action == "scan_original_downloaded")
    assert [(a.actor, a.entity_id, a.detail["scan"]) for a in audited] == [("admin", str(open_vote.id), name)]
    paper_id = re.search(r'data-paper="(\d+)"', page).group(1)
    admin.post(f"/votes/{open_vote.id}/paper/{paper_id}/confirm",
               data={"csrf_token": csrf_token(admin, f"/votes/{open_vote.id}/paper")})
    entry = [e for e in votes.ledger.entries(open_vote.id) if e["kind"] == "ballot"][-1]
    assert entry["evidence"] == hashlib.sha256(photo).hexdigest()
    # After the check the scan is reached from its ledger line (the pending list no longer shows it).
    ledger = admin.get(f"/votes/{open_vote.id}/ledger").get_data(as_text=True)
    assert f'class="scan-link" href="{scan_url}"' in ledger and f'href="{scan_url}/original"' in ledger
    assert f'href="{scan_url}/original"' not in vol.get(f"/votes/{open_vote.id}/ledger").get_data(as_text=True)


def test_a_changed_original_is_refused_not_handed_out(client_as, open_vote, votes, linli_home):
    row = roll_by_unit(votes, open_vote)["2号楼 101"]
    photo = phone_photo(votes.ballots.paper_code(open_vote, row))
    paper = votes.ballots.enter_paper(open_vote.id, {"m1": "no", "m2": "no"}, photo, "volunteer")
    kept = linli_home / "votes" / "evidence" / paper.evidence
    kept.write_bytes(photo[:-10] + b"0123456789")  # someone edits the file on the card
    r = client_as("admin").get(f"/votes/{open_vote.id}/scans/{paper.evidence}/original")
    assert r.status_code == 400 and "指纹" in r.get_data(as_text=True)
    assert not AuditLog.select().where(AuditLog.action == "scan_original_downloaded").exists()


def test_a_scan_is_shown_only_under_its_own_vote(client_as, open_vote, votes, community):
    row = roll_by_unit(votes, open_vote)["2号楼 102"]
    paper = votes.ballots.enter_paper(open_vote.id, {"m1": "yes", "m2": "yes"},
                                      phone_photo(votes.ballots.paper_code(open_vote, row)), "volunteer")
    other = votes.service.save({"title": "另一次表决", "rule": "strict"}, [{"title": "x", "item": "9"}], "admin")
    admin = client_as("admin")
    assert admin.get(f"/votes/{open_vote.id}/scans/{paper.evidence}").status_code == 200
    assert admin.get(f"/votes/{other.id}/scans/{paper.evidence}").status_code == 404
    assert admin.get(f"/votes/{other.id}/scans/{paper.evidence}/original").status_code == 404
    assert admin.get(f"/votes/{open_vote.id}/scans/{'0' * 64}.jpg").status_code == 404


def test_the_copy_is_upright_when_the_phone_only_tagged_the_rotation(tmp_path):
    from appliance.votes.evidence import EvidenceStore

    store = EvidenceStore(tmp_path)
    data = rotated_photo()
    name = store.keep(data, required=True)
    with Image.open(store.viewing_copy(name)) as img:
        assert img.size == (100, 300) and not img.getexif()
    assert store.original(name).read_bytes() == data
