"""The numpy allocator used by runs with caps picks exactly what the reference ``Allocator``
picks (same offers, ranks and counters), however the customers are split into chunks."""

from __future__ import annotations

import random
from itertools import pairwise

import numpy as np
import pytest

from runs.allocation import Allocator, ArrayAllocator, Candidate, Caps


def check(seed: int) -> None:
    rng = random.Random(seed)
    n_off, n_ch = rng.randint(1, 8), rng.randint(1, 3)
    per = rng.randint(1, 3)
    depth = per + rng.choice([0, 0, 2, 4])
    caps = Caps(
        rng.choice([None, rng.randint(0, 200)]),
        rng.choice([None, rng.randint(0, 60)]),
        rng.choice([None, rng.randint(0, 120)]),
    )
    n = rng.randint(0, 150)
    count = np.zeros(n, np.int64)
    offer = np.full((n, depth), -1, np.int32)
    channel = np.full((n, depth), -1, np.int32)
    cands = []
    for r in range(n):
        c = rng.randint(0, depth)
        offs = (
            rng.sample(range(n_off), min(c, n_off))
            if rng.random() < 0.8
            else [rng.randrange(n_off) for _ in range(c)]
        )
        count[r] = len(offs)
        for t, o in enumerate(offs):
            k = rng.randrange(n_ch)
            offer[r, t] = o
            channel[r, t] = k
            cands.append(Candidate(r, t + 1, f"o{o}", f"c{k}", "x", 0.0))
    ref = Allocator(caps, per_customer=per)
    expected = {(cand.customer_id, cand.rank): rank for cand, rank in ref.allocate(cands)}
    arr = ArrayAllocator(caps, n_off, n_ch)
    got = {}
    cuts = sorted(rng.sample(range(n + 1), min(3, n + 1)))
    bounds = [0, *cuts, n]
    for a, b in pairwise(bounds):
        if b <= a:
            continue
        ranks = arr.allocate(np.full(b - a, per), count[a:b], offer[a:b], channel[a:b])
        for r, t in zip(*np.nonzero(ranks), strict=True):
            got[(a + int(r), int(t) + 1)] = int(ranks[r, t])
    assert got == expected, (seed, caps)
    assert (arr.total, arr.customers_with_offer, arr.skipped_by_caps, arr.exhausted) == (
        ref.total,
        ref.customers_with_offer,
        ref.skipped_by_caps,
        ref.exhausted,
    ), (seed, caps)


@pytest.mark.parametrize("block", range(10))
def test_numpy_allocator_equals_the_reference_on_random_cases(block: int) -> None:
    for seed in range(block * 300, (block + 1) * 300):
        check(seed)
