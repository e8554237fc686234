"""`python -m bench.markdown results.json`: the results as a Markdown table, for docs/performance.md."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.1f} ms"
    if unit == "MiB":
        return f"{value / 2**20:.0f} MiB"
    if unit == "bool":
        return "yes" if value else "no"
    return f"{value:,.0f} {unit}" if abs(value) >= 100 else f"{value:.2f} {unit}"


def _met(row: dict[str, Any]) -> str:
    return {True: "**yes**", False: "no", None: "-"}[row["met"]]


def render(results: dict[str, Any]) -> str:
    lines = [
        "| scenario | metric | ours | limit | ratio | target | met |",
        "|---|---|--:|--:|--:|---|---|",
    ]
    for row in results["rows"]:
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}"
        cells = [
            row["scenario"],
            row["metric"],
            _value(row["ours"], row["unit"]),
            _value(row["limit"], row["unit"]),
            ratio,
            row["target_text"] or "-",
            _met(row),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    for skipped in results["skipped"]:
        lines.append(f"| {skipped['scenario']} | not measured: {skipped['reason'][:120]} | | | | | |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    results = orjson.loads(Path(argv[0] if argv else "bench-results.json").read_bytes())
    sys.stdout.write(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
