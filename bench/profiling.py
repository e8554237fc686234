"""Profiles for `--profile DIR`: pyinstrument over each scenario in this process (the worker, the load
generators), and py-spy sampling each `catalog serve` subprocess, summarised as the functions that hold the
most samples (own time and cumulative)."""

from __future__ import annotations

import collections
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.services import Service

TOP = 60


@contextmanager
def profiled(directory: Path | None, name: str) -> Iterator[None]:
    if directory is None:
        yield
        return
    from pyinstrument import Profiler

    directory.mkdir(parents=True, exist_ok=True)
    profiler = Profiler(async_mode="enabled", interval=0.001)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        text = profiler.output_text(unicode=True, color=False, show_all=False)
        (directory / f"{name}-bench.txt").write_text(text)


class PySpy:
    """`py-spy record --format raw` attached to a running process until `finish`."""

    def __init__(self, process: subprocess.Popen[bytes] | None, output: Path) -> None:
        self._process = process
        self.output = output

    @classmethod
    def attach(cls, service: Service, directory: Path) -> PySpy:
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if service.process is None or not Path(spy).exists():
            return cls(None, directory)
        directory.mkdir(parents=True, exist_ok=True)
        output = directory / f"serve-{service.prefix}.raw"
        command = [spy, "record", "--pid", str(service.process.pid), "--format", "raw", "--rate", "250", "--gil"]
        command += ["--output", str(output), "--nonblocking"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return cls(process, output)

    def finish(self) -> None:
        if self._process is None:
            return
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self.output.exists():
            self.output.with_suffix(".txt").write_text(summarize(self.output))


def summarize(raw: Path, top: int = TOP) -> str:
    """Own and cumulative sample counts per function from py-spy's collapsed stacks ("a;b;c 12")."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    lines = [f"{samples} samples", "", "own time:"]
    lines += [f"{100 * n / max(1, samples):5.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "cumulative:"]
    lines += [f"{100 * n / max(1, samples):5.1f}%  {frame}" for frame, n in total.most_common(top)]
    return "\n".join(lines) + "\n"
