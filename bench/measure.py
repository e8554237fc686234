"""Numbers: percentiles, medians of repetitions, and the CPU each process used (read from /proc, no psutil)."""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from api.cli.common import collect_less_often

_TICKS = os.sysconf("SC_CLK_TCK")


def freeze_heap() -> None:
    """Takes every object alive now out of the garbage collector's sight (`gc.freeze`).

    Call it once the benchmark holds its baseline data (100 000 documents, or the outbox records to replay):
    the worker measured in this same process would otherwise walk all of it in every full collection, a cost a
    `catalog sync` process, which holds none of it, never pays (measured: the sync ratio 0.8 -> 0.95-1.0).
    """
    gc.collect()
    gc.freeze()


@contextmanager
def collecting_after(young_objects: int) -> Iterator[None]:
    """The collector's thresholds as a process of ours sets them (`api.cli.common.collect_less_often`) for the
    block, then back as they were: what runs in this process is measured as it runs deployed."""
    before = gc.get_threshold()
    collect_less_often(young_objects)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


@dataclass(slots=True)
class Latencies:
    """Seconds per operation, and the wall time the operations took together."""

    samples: list[float] = field(default_factory=list)
    wall: float = 0.0

    @property
    def p50(self) -> float:
        return percentile(self.samples, 0.50)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 0.99)

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.wall if self.wall else 0.0


def _proc_stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd ("state") on


def process_cpu_seconds(pid: int, *, with_reaped_children: bool = True) -> float:
    """utime + stime (+ the CPU of children it has reaped) of one process; 0.0 if it is gone."""
    fields = _proc_stat_fields(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if with_reaped_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / _TICKS


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _proc_stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process and all its live descendants (a PostgreSQL postmaster and its backends, say)."""
    total = process_cpu_seconds(pid)
    for child in _children(pid):
        total += tree_cpu_seconds(child)
    return total


def peak_rss_bytes(pid: int) -> int:
    """VmHWM (the high-water mark of resident memory) of a live process, 0 if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def self_cpu_seconds() -> float:
    return time.process_time()


@dataclass(slots=True)
class CpuMeter:
    """CPU seconds used by named processes over a block, each read by its own probe."""

    probes: dict[str, Callable[[], float]]
    used: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def measuring(self) -> Iterator[CpuMeter]:
        before = {name: probe() for name, probe in self.probes.items()}
        try:
            yield self
        finally:
            self.used = {name: round(probe() - before[name], 3) for name, probe in self.probes.items()}


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None
