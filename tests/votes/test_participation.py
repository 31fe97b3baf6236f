"""有话要说 suggestions and e协商 consultations: moderation, one +1 per household, no names."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from appliance.db.models import Building
from appliance.errors import Conflict, ValidationError


def jpeg_with_exif():
    img = Image.new("RGB", (3000, 2000), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_a_suggestion_is_moderated_supported_once_per_household_and_never_named(votes, community, linli_home):
    zhang = community[("1号楼", "101")][0]
    li, li_wife = community[("1号楼", "201")]
    s = votes.suggestions.post(zhang, "楼道灯坏了，希望加装声控灯", jpeg_with_exif(), "resident:1")
    assert votes.suggestions.published() == [] and [p.id for p in votes.suggestions.pending()] == [s.id]
    with pytest.raises(Conflict):
        votes.suggestions.support(s.id, li)  # not published yet
    votes.suggestions.moderate(s.id, "publish", {"reply": "已报修"}, "volunteer")
    assert votes.suggestions.support(s.id, li) is True
    assert votes.suggestions.support(s.id, li_wife) is False  # same household
    shown = votes.suggestions.published()[0]
    assert shown.author == "1号楼住户" and shown.support_count == 1 and shown.reply == "已报修"
    photo = Image.open(votes.suggestions.photo_path(s.photo))
    assert max(photo.size) == 1600 and not photo.getexif()  # the report photos' rules ([participation] photo_max_side)
    with pytest.raises(ValidationError):
        votes.suggestions.post(zhang, "x", b"not a picture", "resident:1")


def test_decline_needs_a_reason_and_merge_carries_the_support(votes, community, services):
    wang = community[("2号楼", "101")][0]
    zhao = community[("2号楼", "102")][0]
    first = votes.suggestions.post(wang, "加装电梯", None, "r")
    dup = votes.suggestions.post(None, "想装电梯", None, "volunteer",
                                 building_id=Building.get(Building.name == "2号楼").id)
    other = votes.suggestions.post(zhao, "广告", None, "r")
    with pytest.raises(ValidationError):
        votes.suggestions.moderate(other.id, "decline", {"reason": ""}, "volunteer")
    votes.suggestions.moderate(other.id, "decline", {"reason": "与小区事务无关"}, "volunteer")
    votes.suggestions.moderate(first.id, "publish", {}, "volunteer")
    votes.suggestions.moderate(dup.id, "publish", {}, "volunteer")
    votes.suggestions.support(dup.id, zhao)
    votes.suggestions.moderate(dup.id, "merge", {"into": str(first.id)}, "volunteer")
    shown = {s.id: s for s in votes.suggestions.published()}
    assert list(shown) == [first.id] and shown[first.id].support_count == 1
    assert services.audit.recent(1)[0].action == "suggestion_merge"


def test_a_consultation_collects_support_then_becomes_a_draft_vote(votes, community):
    c = votes.consultations.create({"topic": "2号楼加装电梯", "background": "方案见公告", "days": "14"},
                                   [{"text": "加装电梯", "item": "7"}, {"text": "电梯费用分摊方案", "item": "9"},
                                    {"text": ""}], "volunteer")
    li, li_wife = community[("1号楼", "201")]
    info = votes.consultations.detail(c.id)
    assert [p.text for p in info["proposals"]] == ["加装电梯", "电梯费用分摊方案"]
    first = info["proposals"][0]
    assert votes.consultations.support(first.id, li) and not votes.consultations.support(first.id, li_wife)
    votes.consultations.comment(c.id, li, "一楼住户的补偿怎么算？")
    info = votes.consultations.detail(c.id)
    assert info["proposals"][0].support_count == 1 and info["comments"][0].author == "1号楼住户"
    votes.consultations.summarise(c.id, "多数住户支持，补偿另议", "volunteer")
    with pytest.raises(Conflict):
        votes.consultations.comment(c.id, li, "晚了")
    vote = votes.consultations.to_vote(c.id, "volunteer")
    matters = votes.service.matters(vote.id)
    assert vote.status == "draft" and [(m.title, m.item) for m in matters] == [("加装电梯", 7), ("电梯费用分摊方案", 9)]
    assert "补偿另议" in vote.body
    with pytest.raises(Conflict):
        votes.consultations.to_vote(c.id, "volunteer")
