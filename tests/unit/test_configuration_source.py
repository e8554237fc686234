"""One configuration source: `api/settings.py` reads the environment (through pydantic-settings) and everything
else is given its values. Product modules and the development tooling read no environment variable themselves,
neither through `os` nor through a click option's `envvar`; tests and benchmarks may (they are not the product)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PACKAGES = ("api", "domain", "read_index", "sync", "devstack")
OS_ENVIRONMENT = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def environment_reads(source: str) -> list[int]:
    """Line numbers where ``source`` touches the process environment itself."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in OS_ENVIRONMENT and _is_os(node.value):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            lines.extend(node.lineno for alias in node.names if alias.name in OS_ENVIRONMENT)
        elif isinstance(node, ast.keyword) and node.arg in ("envvar", "auto_envvar_prefix"):
            lines.append(node.value.lineno)
    return lines


def _is_os(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "os"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_of_the_package_reads_the_environment_itself(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in environment_reads(path.read_text())
    ]

    assert offenders == []


@pytest.mark.parametrize(
    "source",
    [
        "import os\nos.environ.get('CATALOG_CACHE_DIR')",
        "import os\nos.getenv('JAVA_HOME')",
        "from os import environ",
        "import click\nclick.option('--port', envvar='CATALOG_ELASTICSEARCH_PORT')",
    ],
)
def test_the_rule_recognises_a_read_of_the_environment(source: str) -> None:
    assert environment_reads(source) != []
