"""Owners' committee election figures: the count of a 10,000-unit community (9,000 owners)
with 8,000 ballots approving up to 9 of 15 candidates (3 % with too many marks, invalid),
against a plain Fraction reference of the same rules in the same run.
"""

from __future__ import annotations

import random
import time
from fractions import Fraction

from bench._results import record

SEATS, CANDIDATES = 9, 15


def election(seed=11):
    from bench.bench_votes import community

    roll, ballots = community(seed)
    rng = random.Random(seed)
    voters = list(ballots["1"])
    choices = {}
    for o in voters:
        if rng.random() < 0.03:
            choices[o] = "invalid"
        else:
            # popular candidates first, so some pass and some ties near the last seat are possible
            choices[o] = sorted(rng.sample(range(1, CANDIDATES + 1), rng.randint(0, SEATS)),
                                key=int)
    return roll, choices


def reference(roll, choices):
    owners = {}
    for e in roll:
        owners[e.owner] = owners.get(e.owner, 0) + e.area
    part = sum(owners[o] for o in choices)
    passed = []
    for k in range(1, CANDIDATES + 1):
        backers = [o for o, c in choices.items() if c != "invalid" and k in c]
        if (Fraction(sum(owners[o] for o in backers), part) > Fraction(1, 2)
                and Fraction(len(backers), len(choices)) > Fraction(1, 2)):
            passed.append(k)
    return passed


def main():
    from appliance.votes.election import count_election
    from appliance.votes.tally import owners_of

    roll, choices = election()
    names = [f"候选人{k}" for k in range(1, CANDIDATES + 1)]
    runs, ref = [], []
    for _ in range(5):
        started = time.perf_counter()
        owners = owners_of(roll)
        result = count_election("m", owners, choices, SEATS, names)
        runs.append((time.perf_counter() - started) * 1000)
    for _ in range(3):
        started = time.perf_counter()
        passed = reference(roll, choices)
        ref.append((time.perf_counter() - started) * 1000)
    assert [c.number for c in result.candidates if c.passed] == passed
    record("votes election 10k units 8k ballots 15 cand", min(runs), "ms", "plain Fraction reference", min(ref),
           goal="<= 1000 ms")


if __name__ == "__main__":
    main()
