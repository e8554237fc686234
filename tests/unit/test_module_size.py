"""Small rooms, one topic each: no module of the product packages grows past `MAX_LINES` (issue 13). A module
that would is split by topic, not trimmed of its docstrings."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PRODUCT_PACKAGES = ("api", "domain", "read_index", "sync")
MAX_LINES = 300


@pytest.mark.parametrize("package", PRODUCT_PACKAGES)
def test_no_module_of_the_package_is_over_the_limit(package: str) -> None:
    sizes = {path: len(path.read_text().splitlines()) for path in sorted((ROOT / package).rglob("*.py"))}

    assert sizes  # the package is where the test looks
    assert {str(path.relative_to(ROOT)): lines for path, lines in sizes.items() if lines > MAX_LINES} == {}
