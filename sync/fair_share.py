"""How many partitions a worker should hold, and in which order it tries to take them. Pure arithmetic; the
worker (`sync.worker`) announces itself, counts the live workers and acts on it. See docs/sync.md ("Partitions
and fair share")."""

from __future__ import annotations

import math
import zlib


def fair_share(partitions: int, live_workers: int) -> int:
    """ceil(partitions / live workers): with every worker at most at its share, the shares still cover every
    partition (workers x share >= partitions), so no partition is left without a worker that may take it."""
    return math.ceil(partitions / max(1, live_workers))


def claim_order(owner: str, partitions: int) -> list[int]:
    """Every partition, starting at one the owner's name picks: workers starting together try different ones
    first instead of all racing for partition 0."""
    start = zlib.crc32(owner.encode()) % partitions
    return [(start + i) % partitions for i in range(partitions)]


def surplus(held: list[int], share: int) -> list[int]:
    """The partitions to give back to get down to `share`: the last taken."""
    return held[share:]
