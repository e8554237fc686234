"""Cursors round-trip their sort values and point in time, and refuse anything they did not issue."""

from __future__ import annotations

import base64

import orjson
import pytest

from read_index import cursors
from read_index.errors import InvalidCursor
from read_index.points_in_time import PointInTime

SHAPE = (cursors.NUMBER, cursors.TEXT)
PIT = PointInTime(
    "46ToAwMDaWR5BXV1aWQyKwZub2RlXzMAAAAAAAAAACoBYwADaWR4BXV1aWQxAgZub2RlXzE+/==", "c-products-v1-initial"
)


def raw(data: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()


def test_a_cursor_round_trips_its_sort_values_and_point_in_time() -> None:
    cursor = cursors.encode("PRICE_ASC", "scope", [19.99, "id-1"], PIT)

    assert cursors.decode(cursor, "PRICE_ASC", "scope", SHAPE) == cursors.Position([19.99, "id-1"], PIT)


def test_a_cursor_is_url_safe_and_unpadded() -> None:
    cursor = cursors.encode("NEWEST", "s", [1767225600000, "ä/?+="], PIT)

    assert cursor.replace("-", "").replace("_", "").isalnum()


@pytest.mark.parametrize(("kind", "scope"), [("PRICE_DESC", "scope"), ("PRICE_ASC", "other")])
def test_a_cursor_of_another_sort_or_scope_is_refused(kind: str, scope: str) -> None:
    cursor = cursors.encode("PRICE_ASC", "scope", [1, "id"], PIT)

    with pytest.raises(InvalidCursor):
        cursors.decode(cursor, kind, scope, SHAPE)


@pytest.mark.parametrize("pit", [None, 7, "", "not an id!", ["x"]])
def test_a_cursor_without_a_usable_point_in_time_is_refused(pit: object) -> None:
    with pytest.raises(InvalidCursor):
        cursors.decode(raw([2, "PRICE_ASC", "scope", [1, "id"], pit, PIT.index]), "PRICE_ASC", "scope", SHAPE)


def test_a_cursor_issued_before_points_in_time_is_refused_as_expired() -> None:
    with pytest.raises(InvalidCursor) as refused:
        cursors.decode(raw([1, "PRICE_ASC", "scope", [1, "id"]]), "PRICE_ASC", "scope", SHAPE)

    assert "expired" in refused.value.message


def test_scopes_differ_for_different_queries() -> None:
    assert cursors.scope_of("sofa", [None]) != cursors.scope_of("sofas", [None])
