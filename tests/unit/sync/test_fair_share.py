"""Workers share the partitions: each holds at most ceil(partitions / live workers), and together they cover all."""

from __future__ import annotations

import pytest

from sync.fair_share import claim_order, fair_share, surplus


@pytest.mark.parametrize(("partitions", "workers"), [(4, 1), (4, 2), (4, 3), (4, 4), (4, 7), (32, 5), (1, 3)])
def test_the_shares_of_the_live_workers_cover_every_partition(partitions: int, workers: int) -> None:
    share = fair_share(partitions, workers)
    assert share * workers >= partitions
    assert (share - 1) * workers < partitions  # no bigger than it must be


def test_a_worker_that_counts_no_one_takes_every_partition() -> None:
    assert fair_share(4, 0) == 4


def test_every_partition_is_in_each_workers_claim_order_once() -> None:
    for owner in ("host:1:a", "host:2:b", "other:3:c"):
        assert sorted(claim_order(owner, 8)) == list(range(8))


def test_workers_start_claiming_at_different_partitions() -> None:
    starts = {claim_order(f"host:{pid}:x", 8)[0] for pid in range(20)}
    assert len(starts) > 1


def test_the_surplus_is_what_was_taken_last() -> None:
    assert surplus([3, 0, 1, 2], 2) == [1, 2]
    assert surplus([3, 0], 2) == []
