"""Results: one row per measured ratio, printed as a rich table and written as JSON."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson
from rich.console import Console
from rich.table import Table

Better = Literal["lower", "higher"]


@dataclass(slots=True)
class Row:
    """`ratio` = ours / limit; `target` bounds it from above (lower is better) or below (higher is better)."""

    scenario: str
    metric: str
    unit: str
    ours: float | None
    limit: float | None
    target: float | None
    better: Better = "lower"
    ratio: float | None = None
    target_text: str = ""
    # "ratio": the target bounds ours/limit; "value": it bounds our figure itself (freshness, RSS growth)
    target_on: Literal["ratio", "value"] = "ratio"
    # CPU per operation (ms) of each process, for our path ("ours:serve") and the limit ("limit:elasticsearch")
    cpu_ms_per_op: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        if self.ratio is None and self.ours is not None and self.limit:
            self.ratio = round(self.ours / self.limit, 3)
        if not self.target_text and self.target is not None:
            bound = f"{'≤' if self.better == 'lower' else '≥'} {self.target:g}"
            self.target_text = bound if self.target_on == "ratio" else f"ours {bound} {self.unit}"

    @property
    def met(self) -> bool | None:
        measured = self.ratio if self.target_on == "ratio" else self.ours
        if measured is None or self.target is None:
            return None
        return measured <= self.target if self.better == "lower" else measured >= self.target


@dataclass(slots=True)
class Skipped:
    scenario: str
    reason: str


@dataclass(slots=True)
class Report:
    settings: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def as_json(self) -> bytes:
        body = {
            "started_at": self.started_at,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
            "settings": self.settings,
            "rows": [{**asdict(row), "met": row.met} for row in self.rows],
            "skipped": [asdict(skip) for skip in self.skipped],
            "details": self.details,
        }
        return orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)

    def write(self, path: Path) -> None:
        path.write_bytes(self.as_json())


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ms":
        return f"{value * 1000:.2f}"
    if unit == "s":
        return f"{value:.3f}"
    if unit == "MiB":
        return f"{value / 2**20:.0f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def table(report: Report) -> Table:
    nodes = report.settings.get("elasticsearch_nodes", 1)
    on = f" · {nodes} Elasticsearch nodes, {report.settings.get('replicas', 0)} replica(s)" if nodes > 1 else ""
    view = Table(title=f"catalog benchmark · {report.settings.get('products', '?'):,} products{on}", show_lines=False)
    for name in ("scenario", "metric", "ours", "limit", "unit", "ratio", "target", "met", "CPU ms/op (process)"):
        view.add_column(name, justify="right" if name in {"ours", "limit", "ratio"} else "left")
    for row in report.rows:
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "-"}[row.met]
        cpu = " ".join(f"{name}={ms:.2f}" for name, ms in row.cpu_ms_per_op.items() if ms >= 0.005)
        shown_unit = "ms" if row.unit == "s" else row.unit
        view.add_row(
            row.scenario,
            row.metric,
            _number(row.ours, "ms" if row.unit == "s" else row.unit),
            _number(row.limit, "ms" if row.unit == "s" else row.unit),
            shown_unit,
            "-" if row.ratio is None else f"{row.ratio:.2f}",
            row.target_text,
            met,
            cpu,
        )
    for skip in report.skipped:
        view.add_row(skip.scenario, f"[yellow]skipped[/]: {skip.reason}", "", "", "", "", "", "", "")
    return view


def print_report(report: Report, console: Console) -> None:
    console.print(table(report))
