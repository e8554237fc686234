"""The served schema keeps the published contract (api/contract.graphql): nothing in it may break."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema
from graphql.utilities import find_breaking_changes

from api.schema.schema import ServedSchema
from api.settings import Settings

CONTRACT = Path(__file__).parents[3] / "api" / "contract.graphql"


def test_the_served_schema_has_no_breaking_change_against_the_contract() -> None:
    contract = build_schema(CONTRACT.read_text())
    served = build_schema(ServedSchema(Settings.model_validate({})).as_sdl())
    assert find_breaking_changes(contract, served) == []


def test_every_operation_of_the_contract_is_served() -> None:
    contract = build_schema(CONTRACT.read_text())
    served = build_schema(ServedSchema(Settings.model_validate({})).as_sdl())
    for root in ("query_type", "mutation_type"):
        wanted = set(getattr(contract, root).fields)
        assert wanted <= set(getattr(served, root).fields), root


def test_the_repository_copy_of_the_contract_is_current() -> None:
    """Users of a clone have only api/contract.graphql; when ../shared exists, the copy must match it."""
    shared = Path(__file__).parents[4] / "shared" / "contract.graphql"
    if shared.exists():
        assert CONTRACT.read_text() == shared.read_text()
