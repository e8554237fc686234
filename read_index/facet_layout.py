"""Where each facet's aggregation sits so that it counts under every selected filter but its own, in a request
whose size grows (near-)linearly with the selected filters.

A facet that leaves out filter ``i`` needs the context "every selected filter except ``i``". Writing each
context out in full repeats every filter once per facet: n filters, n² clauses (issue 14: 100 attribute filters
of 100 values made a 3.7 MB request). Instead the contexts share their filters in a binary tree of ``filter``
aggregations: a node stands for a group of selected filters and holds the context "every filter outside the
group"; its two children add the AND of the other child's filters, so each child again holds "everything outside
me". A leaf (one filter) then holds exactly the context of the facets that leave that filter out. A filter is
written once per tree level above its leaf, so the request holds ``sum(weight * depth)`` clause terms; the tree
is built like a Huffman code over the filters' weights (their number of values), which makes that sum the
smallest any such tree can reach: a heavy filter sits near the root, light ones deeper; for n equal filters
each is written about log2(n) times. Counts stay exact: every context is the same set of documents as before,
only shared.

The facets that honour every filter sit at one leaf, under one more ``filter`` of the leaf's own (lightest)
clause. The module knows nothing of what a facet or a clause is: a later group of conditions (say, nested
variant conditions that must hold for one variant together) can be one entry here, whose leaf facets are
themselves laid out by `layout` inside a ``nested`` aggregation.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

Clause = dict[str, Any]
Path = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Selected:
    """One selected filter: the facet key that leaves it out, its clause, and its weight (about its size)."""

    key: Hashable
    clause: Clause
    weight: int


@dataclass(frozen=True, slots=True)
class Placed:
    """A facet's aggregation and the selected filter it leaves out (None, or a key not selected: it honours all)."""

    aggregation: dict[str, Any]
    leaves_out: Hashable | None


@dataclass(frozen=True, slots=True)
class _Node:
    members: tuple[int, ...]  # indices into the selected filters, in order
    children: tuple[_Node, _Node] | None


def layout(selected: list[Selected], facets: Mapping[str, Placed]) -> tuple[dict[str, Any], dict[str, Path]]:
    """The aggregation tree of `facets`, and where each facet's result sits in the response (its path of keys).

    The tree's own nodes are named ``but_<i>`` and ``all``; facet names must differ from those.
    """
    keys = {entry.key for entry in selected}
    honouring_all = {name: placed.aggregation for name, placed in facets.items() if placed.leaves_out not in keys}
    tree: dict[str, Any] = {}
    paths: dict[str, Path] = {}
    if not selected:
        _place(tree, (), honouring_all, paths)
        return tree, paths
    leaves: dict[int, tuple[dict[str, Any], Path]] = {}
    _grow(_huffman(selected), tree, (), selected, leaves)
    for i, entry in enumerate(selected):
        level, path = leaves[i]
        leaving_out = {name: placed.aggregation for name, placed in facets.items() if placed.leaves_out == entry.key}
        _place(level, path, leaving_out, paths)
    lightest = min(range(len(selected)), key=lambda i: (selected[i].weight, i))
    level, path = leaves[lightest]
    inner: dict[str, Any] = {}
    level["all"] = {"filter": selected[lightest].clause, "aggs": inner}
    _place(inner, (*path, "all"), honouring_all, paths)
    return tree, paths


def _huffman(selected: list[Selected]) -> _Node:
    """The tree that minimizes sum(weight * depth): repeatedly join the two lightest groups."""
    heap = [(max(entry.weight, 1), i, _Node((i,), None)) for i, entry in enumerate(selected)]
    heapq.heapify(heap)
    order = len(heap)
    while len(heap) > 1:
        weight_a, _, a = heapq.heappop(heap)
        weight_b, _, b = heapq.heappop(heap)
        heapq.heappush(heap, (weight_a + weight_b, order, _Node(a.members + b.members, (a, b))))
        order += 1
    return heap[0][2]


def _grow(
    node: _Node,
    level: dict[str, Any],
    path: Path,
    selected: list[Selected],
    leaves: dict[int, tuple[dict[str, Any], Path]],
) -> None:
    """Below `level`, which applies every selected filter outside `node`, the levels of `node`'s leaves."""
    if node.children is None:
        [only] = node.members
        leaves[only] = (level, path)
        return
    for child, sibling in (node.children, node.children[::-1]):
        inner: dict[str, Any] = {}
        name = f"but_{min(child.members)}"
        level[name] = {"filter": _all_of([selected[i].clause for i in sorted(sibling.members)]), "aggs": inner}
        _grow(child, inner, (*path, name), selected, leaves)


def _place(level: dict[str, Any], path: Path, facets: Mapping[str, dict[str, Any]], paths: dict[str, Path]) -> None:
    for name, aggregation in facets.items():
        level[name] = aggregation
        paths[name] = (*path, name)


def _all_of(clauses: list[Clause]) -> Clause:
    return clauses[0] if len(clauses) == 1 else {"bool": {"filter": clauses}}
