"""An import-linter contract type that the built-in ones cannot express: no imports of a library's private
modules, outside the modules allowed to (run by `lint-imports`, configured in pyproject.toml).

import-linter's graph squashes an external package into one node (`strawberry`, never
`strawberry.schema.schema_converter`), and its `forbidden` contract takes root packages only, so this
contract reads the imports from the source itself: every `import a.b` and `from a.b import c` (`a.b.c` when
`c` is a module of the library) of a library named in `libraries` must name one of its `public_modules`.
Whatever a library does not document as public is private here, so a new import of it is a decision made
in pyproject.toml, not by accident.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import cast

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output

Violation = tuple[str, str, int]  # importer, imported, line


class PublicLibraryApiContract(Contract):
    type_name = "public_library_api"

    libraries = fields.ListField(subfield=fields.StringField())
    public_modules = fields.ListField(subfield=fields.StringField())
    allowed_importers = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        # The fields hold the parsed option values on an instance (import-linter sets them).
        libraries = frozenset(cast(list[str], self.libraries))
        public = frozenset(cast(list[str], self.public_modules))
        allowed = tuple(cast(list[str] | None, self.allowed_importers) or ())
        violations: list[Violation] = []
        for importer in sorted(graph.modules):
            if graph.is_module_squashed(importer) or _within(importer, allowed):
                continue
            if libraries.isdisjoint(graph.find_modules_directly_imported_by(importer)):
                continue
            for imported, line in _imports(_source_of(importer)):
                if imported.partition(".")[0] in libraries and imported not in public:
                    violations.append((importer, imported, line))
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, line in check.metadata["violations"]:
            output.print_error(f"- {importer} -> {imported} (l.{line}): not a public module", bold=False)
            output.new_line()


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def _source_of(module: str) -> Path:
    """The file of a module of a root package (found without importing anything)."""
    root, *rest = module.split(".")
    base = _package_directory(root)
    assert base is not None, f"{root} is not a package"
    candidate = base.joinpath(*rest)
    return candidate / "__init__.py" if candidate.is_dir() else candidate.with_suffix(".py")


@cache
def _package_directory(root: str) -> Path | None:
    spec = importlib.util.find_spec(root)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _imports_a_module(package: str, name: str) -> bool:
    """Whether `from package import name` binds a module: an attribute of that name wins (as at run time, so
    `from graphql.execution import execute` is the function, not the module of the same name)."""
    try:
        imported = importlib.import_module(package)
    except ImportError:
        return False
    if hasattr(imported, name):
        return isinstance(getattr(imported, name), ModuleType)
    return importlib.util.find_spec(f"{package}.{name}") is not None


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every absolute module `path` imports, with its line: `from m import n` names `m.n` when that binds a
    module, else `m`."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if _imports_a_module(node.module, alias.name):
                    found.append((f"{node.module}.{alias.name}", node.lineno))
                else:
                    found.append((node.module, node.lineno))
    return found
