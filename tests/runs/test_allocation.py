from __future__ import annotations

import random

from runs.allocation import Allocator, Candidate, Caps


def cands(customer: int, *offers: tuple[str, str]) -> list[Candidate]:
    return [
        Candidate(customer, rank, offer, channel, f"cre_{offer}_{channel}", 1.0 / rank)
        for rank, (offer, channel) in enumerate(offers, 1)
    ]


def flatten(groups: list[list[Candidate]]) -> list[Candidate]:
    return [c for group in groups for c in group]


def picks(allocator: Allocator, groups: list[list[Candidate]]) -> list[tuple[int, str, int]]:
    return [(c.customer_id, c.offer_id, rank) for c, rank in allocator.allocate(flatten(groups))]


def test_without_caps_each_customer_gets_their_top_n() -> None:
    groups = [cands(1, ("a", "e"), ("b", "e"), ("c", "s")), cands(2, ("b", "e"), ("a", "e"))]
    assert picks(Allocator(Caps(), per_customer=2), groups) == [
        (1, "a", 1),
        (1, "b", 2),
        (2, "b", 1),
        (2, "a", 2),
    ]


def test_max_per_offer_falls_back_to_the_next_best_offer() -> None:
    groups = [cands(i, ("a", "e"), ("b", "e")) for i in range(1, 5)]
    result = picks(Allocator(Caps(max_per_offer=2), per_customer=1), groups)
    assert result == [(1, "a", 1), (2, "a", 1), (3, "b", 1), (4, "b", 1)]


def test_max_per_channel_is_never_exceeded() -> None:
    groups = [cands(i, ("a", "email"), ("b", "sms"), ("c", "email")) for i in range(1, 6)]
    allocator = Allocator(Caps(max_per_channel=3), per_customer=2)
    result = list(allocator.allocate(flatten(groups)))
    assert allocator.by_channel["email"] == 3 and allocator.by_channel["sms"] == 3
    assert len(result) == 6


def test_max_total_stops_the_run_and_skips_the_rest_gracefully() -> None:
    groups = [cands(i, ("a", "e"), ("b", "e")) for i in range(1, 6)]
    allocator = Allocator(Caps(max_total=3), per_customer=2)
    result = picks(allocator, groups)
    assert result == [(1, "a", 1), (1, "b", 2), (2, "a", 1)]
    assert (
        allocator.total == 3
        and allocator.customers_with_offer == 2
        and allocator.skipped_by_caps == 3
    )


def test_same_offer_on_two_channels_counts_once_per_customer() -> None:
    groups = [cands(1, ("a", "email"), ("a", "sms"), ("b", "sms"))]
    assert picks(Allocator(Caps(), per_customer=2), groups) == [(1, "a", 1), (1, "b", 2)]


def test_caps_hold_and_result_is_deterministic_on_random_input() -> None:
    rng = random.Random(7)
    groups = [
        cands(
            i,
            *[
                (rng.choice("abcdef"), rng.choice(["e", "s", "v"]))
                for _ in range(rng.randint(0, 5))
            ],
        )
        for i in range(1, 500)
    ]
    caps = Caps(max_total=400, max_per_offer=90, max_per_channel=160)
    first = list(Allocator(caps, per_customer=3).allocate(flatten(groups)))
    second = list(Allocator(caps, per_customer=3).allocate(flatten(groups)))
    assert first == second
    allocator = Allocator(caps, per_customer=3)
    rows = [c for c, _ in allocator.allocate(flatten(groups))]
    assert len(rows) <= 400
    assert max(allocator.by_offer.values()) <= 90 and max(allocator.by_channel.values()) <= 160
