"""The category tree, from one aggregation over the active products' ``category_prefixes``.

Each product lists every prefix of its category path, so a prefix's count is the number of active products at or
below it: exactly `searchProducts(filter: {categoryPath: path}).totalCount`. The levels wanted (``depth`` below
``parent``) are picked by a regular expression over the joined prefix values, in one ``terms`` aggregation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from read_index.documents import ACTIVE, CATEGORY_SEPARATOR, category_key
from read_index.errors import InvalidArgument
from read_index.facet_terms import regex_literal

MAX_DEPTH = 4
MAX_PARENT_PARTS = 100
MAX_NODES = 10_000
"""The most categories one answer lists (more in a shop's tree would be cut: ask for less depth)."""
_LEVEL = f"[^{CATEGORY_SEPARATOR}]*"

Node = dict[str, Any]
"""``{name, path, product_count, children}``, as the GraphQL type `Category` reads it."""


@dataclass(frozen=True, slots=True)
class CategoryRequest:
    parent: list[str]
    depth: int

    def checked(self) -> CategoryRequest:
        if not 1 <= self.depth <= MAX_DEPTH:
            raise InvalidArgument("depth", f"must be between 1 and {MAX_DEPTH}")
        if len(self.parent) > MAX_PARENT_PARTS:
            raise InvalidArgument("parent", f"must have at most {MAX_PARENT_PARTS} items")
        return self

    def body(self) -> dict[str, Any]:
        filters: list[dict[str, Any]] = [{"term": {"status": ACTIVE}}]
        if self.parent:
            filters.append({"term": {"category_prefixes": category_key(self.parent)}})
        below = "".join(regex_literal(part) + CATEGORY_SEPARATOR for part in self.parent)
        levels = f"{below}{_LEVEL}({CATEGORY_SEPARATOR}{_LEVEL}){{0,{self.depth - 1}}}"
        terms = {"field": "category_prefixes", "include": levels, "size": MAX_NODES, "order": {"_key": "asc"}}
        return {"query": {"bool": {"filter": filters}}, "size": 0, "aggs": {"categories": {"terms": terms}}}

    def tree(self, response: dict[str, Any]) -> list[Node]:
        """The nodes below `parent`, each with its children, siblings by name."""
        roots: list[Node] = []
        nodes: dict[tuple[str, ...], Node] = {}
        buckets = response.get("aggregations", {}).get("categories", {}).get("buckets", [])
        # By key, a parent's joined path sorts before its children's (it is their prefix).
        for bucket in buckets:
            path = tuple(bucket["key"].split(CATEGORY_SEPARATOR))
            node: Node = {"name": path[-1], "path": list(path), "product_count": bucket["doc_count"], "children": []}
            nodes[path] = node
            parent = nodes.get(path[:-1])
            (parent["children"] if parent is not None else roots).append(node)
        return roots
