"""CTC decoding of the recogniser's output, greedy or constrained by the plate grammar.

Greedy decoding may produce strings no plate can have (a province in second place, nine
characters). The constrained decoder finds, for each GA 36-2018 layout, the best CTC
alignment whose characters are allowed at their positions (Viterbi over blank/char states),
and keeps the layout with the highest likelihood.
"""
from __future__ import annotations

import numpy as np

from models.plates.validate import DIGITS, LETTERS, PROVINCES, SERIAL

_MARKS_REVIEW = "使领"


def _layouts(chars: str) -> dict[str, list[np.ndarray]]:
    index = {c: i for i, c in enumerate(chars)}

    def cls(alphabet: str) -> np.ndarray:
        return np.array([index[c] for c in alphabet if c in index], dtype=np.int64)

    prov, let, ser, dig = cls(PROVINCES), cls(LETTERS), cls(SERIAL), cls(DIGITS)
    return {
        "ordinary": [prov, let] + [ser] * 5,
        "new_energy_small": [prov, let, cls("DABCEFGHJK"), ser] + [dig] * 4,
        "new_energy_large": [prov, let] + [dig] * 5 + [cls("DF")],
        "special": [prov, let] + [ser] * 4 + [cls("警学挂")],
        "region": [cls("粤"), cls("Z")] + [ser] * 4 + [cls("港澳")],
    }


def greedy(probs: np.ndarray, chars: str) -> tuple[str, list[float]]:
    """probs: (time, classes) with the blank as the last class."""
    best = probs.argmax(axis=1)
    text, conf, prev = [], [], -1
    for t, k in enumerate(best):
        if k < len(chars) and k != prev:
            text.append(chars[k])
            conf.append(float(probs[t, k]))
        prev = k
    return "".join(text), conf


def _viterbi(logp: np.ndarray, blank: int, slots: list[np.ndarray]):
    """Best alignment of frames to blank, slot1, blank, slot2, ..., blank. Returns (score, path)."""
    T = logp.shape[0]
    n = 2 * len(slots) + 1
    emit = np.empty((T, n), np.float64)
    emit[:, 0::2] = logp[:, blank][:, None]
    for k, allowed in enumerate(slots):
        emit[:, 2 * k + 1] = logp[:, allowed].max(axis=1)
    neg = -np.inf
    score = np.full(n, neg)
    score[0], score[1] = emit[0, 0], emit[0, 1]
    back = np.zeros((T, n), np.int64)
    for t in range(1, T):
        stay = score
        step = np.concatenate(([neg], score[:-1]))
        skip = np.full(n, neg)
        skip[3::2] = score[1:-2:2]  # char -> next char without a blank in between
        cand = np.stack([stay, step, skip])
        arg = cand.argmax(axis=0)
        score = cand[arg, np.arange(n)] + emit[t]
        back[t] = np.arange(n) - np.array([0, 1, 2])[arg]
    end = n - 1 if score[n - 1] >= score[n - 2] else n - 2
    total = score[end]
    path = [end]
    for t in range(T - 1, 0, -1):
        path.append(back[t, path[-1]])
    return total, path[::-1]


# Which layouts a plate's background colour allows: green plates are new-energy (8
# characters), blue and yellow ones never are.
LAYOUTS_BY_COLOUR = {
    "green": ("new_energy_small", "new_energy_large"),
    "blue": ("ordinary", "special", "region"),
    "yellow": ("ordinary", "special", "region"),
}


def constrained(probs: np.ndarray, chars: str, layouts=None) -> tuple[str, list[float], str]:
    """(text, per-character confidence, layout) of the most likely plate-shaped reading.

    ``layouts`` limits the layouts tried (names as in ``_layouts``); None tries them all.
    Falls back to the greedy reading when it carries 使/领 (formats outside the standard,
    which go to manual review) or when no layout fits the frames at all.
    """
    text, conf = greedy(probs, chars)
    if any(m in text for m in _MARKS_REVIEW):
        return text, conf, "review"
    logp = np.log(np.clip(probs, 1e-9, 1.0))
    blank = probs.shape[1] - 1
    best = None
    for name, slots in _layouts(chars).items():
        if layouts is not None and name not in layouts:
            continue
        if 2 * len(slots) - 1 > probs.shape[0]:
            continue
        score, path = _viterbi(logp, blank, slots)
        if best is None or score > best[0]:
            best = (score, path, slots, name)
    if best is None or not np.isfinite(best[0]):
        return text, conf, "greedy"
    _score, path, slots, name = best
    out, out_conf = [], []
    path = np.asarray(path)
    for k, allowed in enumerate(slots):
        frames = np.nonzero(path == 2 * k + 1)[0]
        mass = probs[frames][:, allowed].sum(axis=0)
        j = int(mass.argmax())
        out.append(chars[allowed[j]])
        out_conf.append(float(probs[frames, allowed[j]].max()))
    return "".join(out), out_conf, name
