"""The facet aggregations: each facet under exactly the other selected filters, in a request that grows about as
n·log n with n selected filters (issue 14: 100 attribute filters of 100 values made a 3.7 MB request)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from read_index.facet_layout import Placed, Selected, layout
from read_index.facets import Selection
from read_index.variant_conditions import VariantConditions


def attribute_selection(values_per_name: list[int]) -> Selection:
    attributes = {f"name{i}": [f"value{i}-{v}" for v in range(count)] for i, count in enumerate(values_per_name)}
    return Selection.of(["Furniture"], ["Acme", "Nordic"], attributes, VariantConditions(price_min=Decimal(10)))


def clauses_above(tree: dict[str, Any], path: tuple[str, ...]) -> list[dict[str, Any]]:
    """The filter clauses of the `filter` aggregations a facet at `path` sits in (a `bool` of filters unpacked)."""
    applied: list[dict[str, Any]] = []
    level = tree
    for key in path[:-1]:
        node = level[key]
        clause = node["filter"]
        applied.extend(clause["bool"]["filter"] if set(clause) == {"bool"} else [clause])
        level = node["aggs"]
    return applied


def key_of(clause: dict[str, Any]) -> str:
    return orjson.dumps(clause, option=orjson.OPT_SORT_KEYS).decode()


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7, 20])
def test_each_facet_sits_under_every_selected_filter_but_its_own(count: int) -> None:
    selected = [Selected(f"f{i}", {"term": {"field": f"v{i}"}}, weight=1 + i % 4) for i in range(count)]
    facets = {f"leaves_out_{i}": Placed({"terms": {"field": f"f{i}"}}, f"f{i}") for i in range(count)}
    facets["honours_all"] = Placed({"terms": {"field": "x"}}, None)
    facets["not_selected"] = Placed({"terms": {"field": "y"}}, "unselected")

    tree, paths = layout(selected, facets)

    everything = sorted(key_of(entry.clause) for entry in selected)
    for name, path in paths.items():
        level = tree
        for key in path[:-1]:
            level = level[key]["aggs"]
        assert level[path[-1]] == facets[name].aggregation
        applied = sorted(key_of(clause) for clause in clauses_above(tree, path))
        expected = [key_of(entry.clause) for entry in selected if entry.key == facets[name].leaves_out]
        assert applied == sorted(set(everything) - set(expected)), name
        assert len(applied) == len(set(applied)), f"{name} applies a filter twice"
    assert set(paths) == set(facets)


def test_each_selected_filter_is_written_about_log2_n_times() -> None:
    selection = attribute_selection([1] * 64)

    text = orjson.dumps(selection.aggregations()).decode()

    copies = [text.count(f'"value{i}-0"') for i in range(64)]
    assert max(copies) <= 7  # log2(64) levels, and once more for the facets that honour every filter


def test_a_heavy_filter_is_written_fewer_times_than_light_ones() -> None:
    selection = attribute_selection([100] + [1] * 15)

    text = orjson.dumps(selection.aggregations()).decode()

    assert text.count('"value0-0"') <= 2
    assert max(text.count(f'"value{i}-0"') for i in range(1, 16)) <= 6


def test_the_issue_reproduction_no_longer_makes_a_request_of_megabytes() -> None:
    selection = attribute_selection([100] * 100)  # the reader now refuses this many; the layout still scales

    size = len(orjson.dumps(selection.aggregations()))

    assert size < 1_000_000  # 3.7 MB when each facet repeated every other filter
