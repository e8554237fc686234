"""The custom import contract finds imports of a library's private modules, in every spelling, outside the
modules allowed to make them."""

from __future__ import annotations

import uuid
from pathlib import Path

import grimp
import pytest

from tests.support.import_contracts import PublicLibraryApiContract

PROBE = "fence_probe"


def _check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modules: dict[str, str]) -> list[tuple[str, str, int]]:
    """The violations the contract finds in a new package made of `modules` (a new name each time:
    the contract remembers where a package lives)."""
    probe = f"{PROBE}_{uuid.uuid4().hex[:8]}"
    package = tmp_path / probe
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "door").mkdir()
    (package / "door" / "__init__.py").write_text("")
    for name, source in modules.items():
        (package / f"{name.replace('.', '/')}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph(probe, include_external_packages=True, cache_dir=None)
    contract = PublicLibraryApiContract(
        name="probe",
        session_options={},
        contract_options={
            "libraries": ["strawberry", "graphql"],
            "public_modules": ["strawberry", "strawberry.types", "graphql", "graphql.execution"],
            "allowed_importers": [f"{probe}.door"],
        },
    )
    check = contract.check(graph, verbose=False)
    violations: list[tuple[str, str, int]] = check.metadata["violations"]
    assert check.kept == (not violations)
    return [(importer.replace(probe, "probe"), imported, line) for importer, imported, line in violations]


def test_public_modules_are_allowed_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = "import strawberry\nfrom strawberry.types import Info\nfrom graphql.execution import execute\n"
    assert _check(tmp_path, monkeypatch, {"plain": source}) == []


def test_every_spelling_of_a_private_import_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = (
        "from strawberry.types.base import StrawberryObjectDefinition\n"
        "from strawberry.schema import schema_converter\n"
        "import graphql.execution.collect_fields\n"
    )
    assert _check(tmp_path, monkeypatch, {"plain": source}) == [
        ("probe.plain", "strawberry.types.base", 1),
        ("probe.plain", "strawberry.schema.schema_converter", 2),
        ("probe.plain", "graphql.execution.collect_fields", 3),
    ]


def test_the_allowed_package_may_import_private_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = "from strawberry.types.base import StrawberryObjectDefinition\n"
    assert _check(tmp_path, monkeypatch, {"door.fast": source}) == []
