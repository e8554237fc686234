"""The load model behind docs/scaling.md: the document shows what the model computes, and the model answers
more load with more of each part, never less."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from bench.load_model import Line, MeasuredCosts, Workload, main, markdown, plan, search_ms, shards_for

SCALING = Path(__file__).resolve().parents[2] / "docs" / "scaling.md"


def _numbers(line: Line) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", line.sizing)]


def test_docs_scaling_shows_the_table_the_model_computes_for_its_defaults() -> None:
    assert markdown(plan(Workload())) in SCALING.read_text()


@pytest.mark.parametrize(
    "more",
    [
        {"writes_per_second": 10_000},
        {"searches_per_second": 4_000},
        {"product_reads_per_second": 20_000},
        {"products": 200_000_000},
        {"replicas": 2},
    ],
)
def test_more_load_never_needs_less_of_any_part(more: dict[str, int]) -> None:
    base, grown = plan(Workload()), plan(replace(Workload(), **more))
    for before, after in zip(base, grown, strict=True):
        assert all(b <= a for b, a in zip(_numbers(before), _numbers(after), strict=True)), (before, after)


def test_sync_partitions_are_a_power_of_two_that_carries_the_event_rate_at_the_utilisation() -> None:
    costs = MeasuredCosts()
    for writes in (10, 5_000, 50_000, 500_000):
        workload = Workload(writes_per_second=writes)
        partitions = int(_numbers(plan(workload, costs)[3])[0])
        assert partitions & (partitions - 1) == 0
        capacity = partitions * costs.events_per_second_per_partition * workload.utilisation
        assert capacity >= writes * workload.events_per_command
        assert partitions == 1 or capacity / 2 < writes * workload.events_per_command


def test_a_search_costs_more_the_more_documents_its_filters_match() -> None:
    costs, workload = MeasuredCosts(), Workload()
    shards = shards_for(workload, costs)
    narrow = search_ms(replace(workload, search_match_share=0.001), costs, shards)
    wide = search_ms(replace(workload, search_match_share=0.333), costs, shards)
    assert narrow < wide
    assert shards_for(replace(workload, products=1_000), costs) == 1


def test_the_command_line_takes_each_workload_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--products", "1000000", "--writes-per-second", "50", "--replicas", "0"]) == 0
    printed = capsys.readouterr().out
    assert printed.strip() == markdown(plan(Workload(products=1_000_000, writes_per_second=50, replicas=0)))
