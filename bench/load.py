"""Closed-loop load, and side-by-side comparisons of paths interleaved in short bursts.

A closed loop runs `concurrency` workers, each sending its next request as soon as the last one answered.
Comparisons alternate the paths burst by burst (ours, limit, ours, limit, ...), so drift in the machine (GC,
segment merges, a noisy neighbour on a 2-core box) hits both alike; each figure is the median over bursts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bench.measure import CpuMeter, Latencies, median

Operation = Callable[[int], Awaitable[object]]
Probe = Callable[[], float]


async def closed_loop(
    operation: Operation, concurrency: int, *, seconds: float, max_ops: int = 10_000_000
) -> Latencies:
    """Runs `operation(i)` for `seconds` (or `max_ops` operations) and returns each one's latency."""
    result = Latencies()
    counter = iter(range(max_ops))
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        for i in counter:
            if time.perf_counter() >= deadline:
                return
            started = time.perf_counter()
            await operation(i)
            result.samples.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.wall = time.perf_counter() - started
    return result


@dataclass(slots=True)
class PathResult:
    """Medians over bursts, and the CPU each process spent on this path, per operation."""

    bursts: list[Latencies] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def operations(self) -> int:
        return sum(len(burst.samples) for burst in self.bursts)

    @property
    def p50(self) -> float:
        return median([burst.p50 for burst in self.bursts])

    @property
    def p99(self) -> float:
        return median([burst.p99 for burst in self.bursts])

    @property
    def throughput(self) -> float:
        return median([burst.throughput for burst in self.bursts])

    def cpu_ms_per_op(self) -> dict[str, float]:
        count = self.operations or 1
        return {name: round(seconds * 1000 / count, 3) for name, seconds in self.cpu.items()}


async def compare(
    paths: dict[str, Operation],
    *,
    concurrency: int | Mapping[str, int],
    seconds: float,
    bursts: int,
    probes: dict[str, Probe],
    warmup: float = 1.0,
    max_ops: int = 10_000_000,
) -> dict[str, PathResult]:
    """Each path runs `bursts` times for `seconds / bursts`, alternating; warmed up first. `concurrency` may
    differ per path (SQLite's limit writes with one writer)."""
    workers = {name: concurrency if isinstance(concurrency, int) else concurrency[name] for name in paths}
    for name, operation in paths.items():
        await closed_loop(operation, workers[name], seconds=min(warmup, seconds / bursts), max_ops=max_ops)
    results = {name: PathResult() for name in paths}
    for _ in range(bursts):
        for name, operation in paths.items():
            meter = CpuMeter(probes)
            with meter.measuring():
                burst = await closed_loop(operation, workers[name], seconds=seconds / bursts, max_ops=max_ops)
            results[name].bursts.append(burst)
            for process, used in meter.used.items():
                results[name].cpu[process] = results[name].cpu.get(process, 0.0) + used
    return results
