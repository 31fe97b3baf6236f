import pytest

from appliance.db.models import FireZone
from tests.conftest import PASSWORD


@pytest.mark.browser
def test_volunteer_draws_a_fire_lane_by_clicking(live_server, page, users, tmp_path):
    errors = []
    page.on("console", lambda m: errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "volunteer")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button")
    page.goto(live_server + "/firelane/zones")
    svg = page.locator("#zone-editor")
    box = svg.bounding_box()
    # Four corners of a lane across the lower part of the picture.
    def click(fx, fy):
        svg.click(position={"x": fx * box["width"], "y": fy * box["height"]})

    for fx, fy in ((0.1, 0.6), (0.9, 0.6), (0.9, 0.95), (0.5, 0.5)):
        click(fx, fy)
    page.click("#zone-undo")  # the last point was a slip
    click(0.1, 0.95)
    page.fill("input[name=name]", "东侧消防通道")
    page.screenshot(path=str(tmp_path / "zones.png"), full_page=True)
    page.click("text=保存区域")
    page.wait_for_url("**/firelane/zones")
    assert not [e for e in errors if "favicon" not in e and "Failed to load" not in e], (
        "\n".join(errors) + page.content()[-3000:])
    (zone,) = FireZone.select()
    assert len(zone.polygon) == 4
    xs = [p[0] for p in zone.polygon]
    ys = [p[1] for p in zone.polygon]
    # The SVG maps to the camera's 1280x720 picture whatever the screen size.
    assert 100 <= min(xs) <= 160 and 1120 <= max(xs) <= 1180
    assert 400 <= min(ys) <= 460 and 650 <= max(ys) <= 700
    assert "东侧消防通道" in page.content()
