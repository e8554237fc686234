"""The served schema keeps the published contract (api/contract.graphql) and every earlier version of it.

The contract may describe parts whose issue is still open. They are listed in `PENDING` by schema coordinate
(`Type`, `Type.field`, `Type.field(argument:)`), with the issue that builds them: the contract minus those parts
must be served without a breaking change, and every pending part must really be missing from the served schema
(once it is built, it has to leave the list). Nothing is dropped silently.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import pytest
from graphql import (
    DefinitionNode,
    DocumentNode,
    FieldDefinitionNode,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    ObjectTypeDefinitionNode,
    build_ast_schema,
    build_schema,
    parse,
)
from graphql.utilities import find_breaking_changes

from api.schema.schema import ServedSchema
from api.settings import Settings

API = Path(__file__).parents[3] / "api"
CONTRACT = API / "contract.graphql"
HISTORY = sorted((API / "contract_history").glob("*.graphql"))

PENDING: dict[str, int] = {
    # issue 16: the storefront catalog model
    **dict.fromkeys(
        [
            "Product.slug",
            "Product.variants",
            "Product.options",
            "Product.priceRange",
            "Product.images",
            "ProductVariant",
            "ProductOption",
            "PriceRange",
            "Image",
            "Category",
            "ProductFilter.options",
            "ProductFacets.options",
            "Query.productBySlug",
            "Query.categories",
        ],
        16,
    ),
}


class PendingContract(UserWarning):
    """Parts of the contract not built yet; pytest's summary lists them."""


def _served() -> GraphQLSchema:
    return build_schema(ServedSchema(Settings.model_validate({})).as_sdl())


def _without(document: DocumentNode, coordinates: set[str]) -> DocumentNode:
    """The document without the types, fields and input fields named by `coordinates`."""
    definitions: list[DefinitionNode] = []
    for definition in document.definitions:
        name = getattr(getattr(definition, "name", None), "value", None)
        if name in coordinates:
            continue
        if isinstance(definition, ObjectTypeDefinitionNode | InputObjectTypeDefinitionNode):
            fields: tuple[FieldDefinitionNode | InputValueDefinitionNode, ...] = tuple(
                field for field in definition.fields or () if f"{name}.{field.name.value}" not in coordinates
            )
            definitions.append(replace(definition, fields=fields))  # type: ignore[arg-type]
        else:
            definitions.append(definition)
    return DocumentNode(definitions=tuple(definitions))


def _has(schema: GraphQLSchema, coordinate: str) -> bool:
    type_name, _, field = coordinate.partition(".")
    named = schema.get_type(type_name)
    if named is None or not field:
        return named is not None
    return field in getattr(named, "fields", {})


def test_the_served_schema_has_no_breaking_change_against_the_built_part_of_the_contract() -> None:
    built = build_ast_schema(_without(parse(CONTRACT.read_text()), set(PENDING)))
    assert find_breaking_changes(built, _served()) == []


@pytest.mark.parametrize("earlier", HISTORY, ids=lambda path: path.stem)
def test_the_served_schema_breaks_nothing_an_earlier_contract_promised(earlier: Path) -> None:
    assert find_breaking_changes(build_schema(earlier.read_text()), _served()) == []


def test_every_pending_part_is_in_the_contract_and_not_yet_served() -> None:
    contract = build_schema(CONTRACT.read_text())
    served = _served()
    missing_from_contract = [coordinate for coordinate in PENDING if not _has(contract, coordinate)]
    built_but_pending = [coordinate for coordinate in PENDING if _has(served, coordinate)]
    assert missing_from_contract == []
    assert built_but_pending == [], "served now: take them out of PENDING"
    by_issue: dict[int, list[str]] = {}
    for coordinate, issue in PENDING.items():
        by_issue.setdefault(issue, []).append(coordinate)
    for issue, coordinates in sorted(by_issue.items()):
        warnings.warn(PendingContract(f"issue {issue}: {', '.join(coordinates)}"), stacklevel=1)


def test_the_repository_copy_of_the_contract_is_current() -> None:
    """Users of a clone have only api/contract.graphql; when ../shared exists, the copy must match it."""
    shared = Path(__file__).parents[4] / "shared" / "contract.graphql"
    if shared.exists():
        assert CONTRACT.read_text() == shared.read_text()
