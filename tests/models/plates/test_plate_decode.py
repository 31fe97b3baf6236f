import numpy as np

from models.plates import decode
from models.plates.read import CHARS
from models.plates.validate import validate_plate

BLANK = len(CHARS)


def table(frames):
    """A (time, classes) probability table from a list of {char: probability} frames;
    what a frame leaves over goes to the CTC blank."""
    probs = np.full((len(frames), len(CHARS) + 1), 1e-6)
    for t, frame in enumerate(frames):
        for ch, p in frame.items():
            probs[t, BLANK if ch == "_" else CHARS.index(ch)] = p
        probs[t, BLANK] += max(0.0, 1.0 - probs[t].sum())
    return probs / probs.sum(axis=1, keepdims=True)


def spell(text):
    """Confident frames for text, a blank after each character."""
    frames = []
    for ch in text:
        frames += [{ch: 0.95}, {"_": 0.95}]
    return frames


def test_letter_position_read_as_a_digit_becomes_the_letter():
    # Greedy reads 豫1..., which no plate can be: the second character is a letter.
    frames = spell("豫") + [{"1": 0.55, "J": 0.4}, {"_": 0.9}] + spell("27E2U")
    probs = table(frames)
    greedy, _ = decode.greedy(probs, CHARS)
    assert greedy == "豫127E2U" and not validate_plate(greedy).valid
    text, conf, layout = decode.constrained(probs, CHARS, decode.LAYOUTS_BY_COLOUR["yellow"])
    assert (text, layout) == ("豫J27E2U", "ordinary")
    assert conf[1] == np.float32(probs[2, CHARS.index("J")])


def test_green_plate_digit_tail_takes_the_digit_over_a_letter():
    # New-energy small plates end in four digits: a Q there is a 0.
    frames = spell("皖AD5") + [{"Q": 0.6, "0": 0.35}, {"_": 0.9}] + spell("188")
    text, _conf, layout = decode.constrained(table(frames), CHARS, decode.LAYOUTS_BY_COLOUR["green"])
    assert (text, layout) == ("皖AD50188", "new_energy_small")


def test_reading_is_the_most_probable_over_all_alignments():
    # One frame says 8 more than 3, but the 3 holds two frames: summed over alignments the
    # 3 is the likelier reading, where the single best path reads the 8.
    frames = (spell("京A1") + [{"8": 0.5, "3": 0.45}, {"3": 0.45, "8": 0.1, "_": 0.45}]
              + [{"_": 0.95}] + spell("456"))
    probs = table(frames)
    assert decode.greedy(probs, CHARS)[0] == "京A183456"  # 8 then 3: one character too many
    text, _conf, _layout = decode.constrained(probs, CHARS, decode.LAYOUTS_BY_COLOUR["blue"])
    assert text == "京A13456"


def test_probabilities_that_fit_no_layout_fall_back_to_greedy():
    probs = table(spell("京A1"))  # three characters: no layout fits
    text, _conf, layout = decode.constrained(probs, CHARS, decode.LAYOUTS_BY_COLOUR["blue"])
    assert (text, layout) == ("京A1", "greedy")
