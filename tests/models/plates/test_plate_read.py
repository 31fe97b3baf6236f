import numpy as np
import pytest

from models.errors import ModelError
from models.plates.evaluate import evaluate
from models.plates.read import PlateReader, read_plates
from models.plates.synth import make_sample, make_set, random_plate_text
from models.plates.validate import validate_plate
from models.plates.vote import PlateVoter
from models.vehicles.geometry import iou


@pytest.fixture(scope="module")
def reader():
    return PlateReader()


def test_clear_blue_plates_are_found_and_read(reader):
    samples = make_set(seed=11, per_cell=25, conditions=("clear",), colours=("blue",))
    report = evaluate(reader, samples)
    assert report.total.found_rate >= 0.9
    assert report.total.char_accuracy >= 0.97
    assert report.total.exact_rate >= 0.9  # HyperLPR's recogniser read about two in three


def test_reads_are_plate_shaped_and_boxes_cover_the_plate(reader):
    rng = np.random.default_rng(5)
    for _ in range(10):
        s = make_sample(rng, "blue", "clear")
        reads = read_plates(s.image, reader)
        assert reads, s.text
        text, conf, box = reads[0]
        assert validate_plate(text).valid  # the grammar-constrained decoder never says "京新..."
        assert 0.0 < conf <= 1.0
        assert iou(box, s.box) >= 0.3


def test_scene_without_a_plate_reads_nothing(reader):
    rng = np.random.default_rng(3)
    empty = rng.integers(90, 110, (480, 640, 3)).astype(np.uint8)
    assert read_plates(empty, reader) == []


def test_voting_over_frames_beats_single_frames(reader):
    rng = np.random.default_rng(21)
    single_exact, voted_exact = 0, 0
    for _ in range(12):
        text = random_plate_text(rng, "blue")
        voter = PlateVoter()
        for _ in range(5):  # the car arriving: five noisy, blurred frames
            s = make_sample(rng, "blue", str(rng.choice(["noise", "blur", "small"])), text=text)
            for read in reader.read(s.image):
                voter.add(read.text, read.confidence, read.char_confidences)
            reads = read_plates(s.image, reader)
            single_exact += bool(reads) and reads[0][0] == text
        best = voter.best()
        voted_exact += best is not None and best.text == text
    assert voted_exact / 12 >= single_exact / 60
    assert voted_exact >= 6


def test_grey_image_is_a_model_error(reader):
    with pytest.raises(ModelError):
        reader.read(np.zeros((100, 100), np.uint8))


@pytest.mark.parametrize("colour", ["blue", "yellow", "green"])
def test_plate_colour_is_told_from_the_ground(colour):
    from models.plates.read import plate_colour
    from models.plates.synth import render_plate

    flat = render_plate("京AD12345" if colour == "green" else "京A12345", colour)
    assert plate_colour(np.ascontiguousarray(flat[::8, ::8])) == colour


def test_green_new_energy_plates_are_found_and_read_with_eight_characters(reader):
    samples = make_set(seed=13, per_cell=20, conditions=("clear",), colours=("green",))
    report = evaluate(reader, samples)
    assert report.total.found_rate >= 0.95  # the SSD alone finds about three in four
    wrong = {read for _c, _k, _truth, read in report.mistakes}
    # Whatever is misread is still a new-energy plate: 8 characters, the province kept.
    for s in samples:
        reads = [t for t, _conf, box in read_plates(s.image, reader) if iou(box, s.box) >= 0.3]
        assert reads and len(reads[0]) == 8, (s.text, reads)
        assert validate_plate(reads[0]).kind.startswith("new_energy"), reads[0]
    assert report.total.exact_rate >= 0.8, wrong  # HyperLPR's recogniser: about one in two


def _ink_runs_mm(flat, colour):
    """(left, right) in mm of each run of columns holding type, rim excluded."""
    from models.plates.synth import PX_PER_MM

    s = PX_PER_MM
    band = flat[10 * s: -10 * s, 10 * s: -10 * s].astype(np.int32)
    ground = band[:, :1]  # per row: the green plate's ground fades from top to bottom
    ink = (np.abs(band - ground).sum(axis=2) > 150).any(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ink.astype(np.int8), [0]))))
    return [((a + 10 * s) / s, (b + 10 * s) / s) for a, b in zip(edges[::2], edges[1::2])]


@pytest.mark.parametrize("colour,text,char_w,space,gap,width", [
    ("blue", "京A88888", 45, 12, 34, 440),
    ("yellow", "京A88888", 45, 12, 34, 440),
    ("green", "京AD88888", 43, 9, 49, 480),
])
def test_synthetic_plate_follows_the_ga36_layout(colour, text, char_w, space, gap, width):
    """Character cells, spacing and the separator dot where GA 36-2018 puts them."""
    from models.plates.synth import PX_PER_MM, render_plate

    flat = render_plate(text, colour)
    assert flat.shape[:2] == (140 * PX_PER_MM, width * PX_PER_MM)
    runs = _ink_runs_mm(flat, colour)
    assert len(runs) == len(text) + 1  # the characters and the dot
    chars = [runs[0], runs[1]] + runs[3:]
    dot = runs[2]
    for left, right in chars[1:]:  # the Latin type fills its cell; the province may not
        assert right - left == pytest.approx(char_w, abs=1)
    assert chars[2][0] - chars[1][1] == pytest.approx(gap, abs=1)
    for (_l, r), (l2, _r) in zip(chars[2:], chars[3:]):
        assert l2 - r == pytest.approx(space, abs=1)
    assert dot[1] - dot[0] == pytest.approx(10, abs=1)
    # The dot sits in the middle of the wide gap, and the row is centred on the plate.
    assert (dot[0] + dot[1]) / 2 == pytest.approx((chars[1][1] + chars[2][0]) / 2, abs=1)
    row_left = chars[1][0] - (char_w + space)
    assert row_left == pytest.approx(width - chars[-1][1], abs=1.5)
    # Type is 90 mm tall, measured on the last character.
    col = flat[:, round((chars[-1][0] + chars[-1][1]) / 2 * PX_PER_MM)].astype(np.int32)
    rows = np.flatnonzero(np.abs(col - flat[:, 10 * PX_PER_MM].astype(np.int32)).sum(axis=1) > 150)
    rows = rows[(rows > 10 * PX_PER_MM) & (rows < 130 * PX_PER_MM)]
    assert (rows.max() - rows.min()) / PX_PER_MM == pytest.approx(90, abs=2)
