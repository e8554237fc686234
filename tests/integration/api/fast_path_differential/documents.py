"""Generated GraphQL requests over the served schema: random subsets of fields, aliases, named and inline
fragments, arguments as literals or variables, nulls, and invalid arguments and fields that produce errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, get_named_type
from hypothesis import strategies as st

from tests.integration.api.fast_path_differential.conftest import Seeded


@dataclass(frozen=True)
class Enum:
    """An enum value: written bare in a literal, as a string in variables."""

    name: str


def literal(value: Any) -> str:
    if isinstance(value, Enum):
        return value.name
    if value is None:
        return "null"
    if isinstance(value, bool | int | str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    return "{" + ", ".join(f"{key}: {literal(item)}" for key, item in value.items()) + "}"


def plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def _arguments(seeded: Seeded) -> dict[str, dict[str, st.SearchStrategy[Any]]]:
    """Per root field, each argument's values: valid ones from the seed, nulls, and invalid ones."""
    skus = [*seeded.products, "M-VARIANTS-M", "NO-SUCH-SKU", ""]
    ids = [*seeded.products.values(), "no-such-id", ""]
    orders = [*seeded.orders.values(), "no-such-order"]
    first = st.sampled_from([None, 0, 1, 2, 5, 20, 100, 101, -1, "x"])
    token = st.sampled_from([None, seeded.token, "garbage", "c1.0.1"])
    after = st.sampled_from([None, "garbage"])
    product_filter = st.fixed_dictionaries(
        {},
        optional={
            "brands": st.lists(st.sampled_from(["Acme", "Lumen", "Nordhus", "None"]), max_size=2),
            "categoryPath": st.sampled_from([["Home"], ["Home", "Lighting"], ["Furniture", "Chairs"], []]),
            "priceMin": st.sampled_from(["10", "30.5", "abc", None]),
            "priceMax": st.sampled_from(["60", "0", None]),
            "inStock": st.sampled_from([True, False, None]),
            "includeDiscontinued": st.booleans(),
            "attributes": st.lists(
                st.fixed_dictionaries(
                    {"name": st.just("color"), "values": st.lists(st.sampled_from(["oak", "black"]))}
                ),
                max_size=1,
            ),
            "options": st.lists(
                st.fixed_dictionaries(
                    {"name": st.sampled_from(["size", "colour"]), "values": st.lists(st.sampled_from(["S", "M"]))}
                ),
                max_size=2,
            ),
        },
    )
    return {
        "product": {"id": st.sampled_from(ids), "consistencyToken": token},
        "productBySku": {"sku": st.sampled_from(skus), "consistencyToken": token},
        "productBySlug": {"slug": st.sampled_from(["m-variants", "no-such-slug", ""]), "consistencyToken": token},
        "stockLevel": {"sku": st.sampled_from(skus), "consistencyToken": token},
        "categories": {
            "parent": st.sampled_from([None, [], ["Home"], ["Furniture", "Chairs"], ["Nowhere"]]),
            "depth": st.sampled_from([None, 1, 2, 4, 0, 5]),
            "consistencyToken": token,
        },
        "searchProducts": {
            "query": st.sampled_from([None, "lamp", "walnut lamps", "oak chiar", "", "nothing matches this"]),
            "filter": st.none() | product_filter,
            "sort": st.sampled_from(
                [Enum(name) for name in ("RELEVANCE", "PRICE_ASC", "PRICE_DESC", "NEWEST", "NOPE")]
            ),
            "first": first,
            "after": after,
            "consistencyToken": token,
        },
        "suggestProducts": {"prefix": st.sampled_from(["wal", "oak c", "", "zz", "Brass"]), "first": first},
        "order": {"id": st.sampled_from(orders), "consistencyToken": token},
        "orders": {
            "customerId": st.sampled_from([None, "c-1", "c-2"]),
            "status": st.sampled_from([None, *(Enum(name) for name in ("PLACED", "PAID", "SHIPPED", "CANCELLED"))]),
            "first": first,
            "after": after,
        },
    }


@st.composite
def requests(draw: st.DrawFn, schema: GraphQLSchema, seeded: Seeded) -> tuple[dict[str, Any], str]:
    """A request body and the token to send it with."""
    query_type = schema.query_type
    assert query_type is not None
    arguments = _arguments(seeded)
    declared: list[str] = []
    variables: dict[str, Any] = {}
    fragments: list[str] = []

    def selection(type_: GraphQLObjectType, depth: int) -> str:
        names = draw(st.lists(st.sampled_from(sorted(type_.fields)), min_size=1, max_size=5, unique=True))
        parts = []
        for name in names:
            alias = draw(st.sampled_from(["", "", "", "a: ", "b: ", "name: "]))
            inner = get_named_type(type_.fields[name].type)
            if isinstance(inner, GraphQLObjectType):
                if depth >= 4:
                    continue
                parts.append(f"{alias}{name} {{ {selection(inner, depth + 1)} }}")
            else:
                parts.append(f"{alias}{name}")
        parts.append(draw(st.sampled_from(["", "", "", "", "__typename", "noSuchField"])))
        body = " ".join(part for part in parts if part) or "__typename"
        shape = draw(st.sampled_from(["plain", "plain", "inline", "fragment"]))
        if shape == "inline":
            return f"... on {type_.name} {{ {body} }}"
        if shape == "fragment":
            fragments.append(f"fragment F{len(fragments)} on {type_.name} {{ {body} }}")
            return f"...F{len(fragments) - 1}"
        return body

    roots = draw(st.lists(st.sampled_from(sorted(arguments)), min_size=1, max_size=2))
    fields = []
    for index, root in enumerate(roots):
        given = []
        for name, values in arguments[root].items():
            if not draw(st.booleans()) and name not in ("id", "sku", "prefix", "slug"):
                continue
            value = draw(values)
            if draw(st.integers(0, 2)) == 0:
                variable = f"v{len(declared)}"
                declared.append(f"${variable}: {query_type.fields[root].args[name].type}")
                variables[variable] = plain(value)
                given.append(f"{name}: ${variable}")
            else:
                given.append(f"{name}: {literal(value)}")
        field_type = get_named_type(query_type.fields[root].type)
        assert isinstance(field_type, GraphQLObjectType)
        arguments_text = f"({', '.join(given)})" if given else ""
        fields.append(f"r{index}: {root}{arguments_text} {{ {selection(field_type, 1)} }}")
    header = f"query Generated({', '.join(declared)})" if declared else "query Generated"
    document = f"{header} {{ {' '.join(fields)} }} {' '.join(fragments)}"
    token = draw(st.sampled_from(["staff", "staff", "customer", "none"]))
    return {"query": document, "variables": variables, "operationName": "Generated"}, token
