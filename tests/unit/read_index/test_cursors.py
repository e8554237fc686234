"""Cursors round-trip their sort values and refuse anything they did not issue."""

from __future__ import annotations

import pytest

from read_index import cursors
from read_index.errors import InvalidCursor

SHAPE = (cursors.NUMBER, cursors.TEXT)


def test_a_cursor_round_trips_its_sort_values() -> None:
    cursor = cursors.encode("PRICE_ASC", "scope", [19.99, "id-1"])

    assert cursors.decode(cursor, "PRICE_ASC", "scope", SHAPE) == [19.99, "id-1"]


def test_a_cursor_is_url_safe_and_unpadded() -> None:
    cursor = cursors.encode("NEWEST", "s", [1767225600000, "ä/?+="])

    assert cursor.replace("-", "").replace("_", "").isalnum()


@pytest.mark.parametrize(("kind", "scope"), [("PRICE_DESC", "scope"), ("PRICE_ASC", "other")])
def test_a_cursor_of_another_sort_or_scope_is_refused(kind: str, scope: str) -> None:
    cursor = cursors.encode("PRICE_ASC", "scope", [1, "id"])

    with pytest.raises(InvalidCursor):
        cursors.decode(cursor, kind, scope, SHAPE)


def test_scopes_differ_for_different_queries() -> None:
    assert cursors.scope_of("sofa", [None]) != cursors.scope_of("sofas", [None])
