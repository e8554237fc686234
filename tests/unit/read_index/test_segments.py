"""How far a rebuilt index's shards are merged: one segment, unless that segment would outgrow the merge policy."""

from __future__ import annotations

import pytest

from read_index.segments import MAX_SEGMENT_BYTES, segments_for


@pytest.mark.parametrize(
    ("shard_bytes", "segments"),
    [
        (0, 1),
        (1, 1),
        (MAX_SEGMENT_BYTES, 1),
        (MAX_SEGMENT_BYTES + 1, 2),
        (12 * 2**30, 3),
        (2**40, 205),  # a shard of 1 TiB: every segment still at most 5 GiB
    ],
)
def test_a_shard_is_merged_to_the_fewest_segments_of_at_most_the_largest_merged_size(
    shard_bytes: int, segments: int
) -> None:
    assert segments_for(shard_bytes) == segments
    assert shard_bytes / segments_for(shard_bytes) <= MAX_SEGMENT_BYTES
