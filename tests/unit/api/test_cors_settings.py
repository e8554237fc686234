"""CATALOG_CORS_ORIGINS: a comma-separated (or JSON) list of origins, each checked at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.settings import Settings


def origins(value: str) -> list[str]:
    return Settings.model_validate({"cors_origins": value}).cors_origins


def test_no_origin_is_allowed_by_default() -> None:
    assert Settings.model_validate({}).cors_origins == []


def test_origins_are_read_comma_separated_or_as_json() -> None:
    expected = ["http://localhost:5173", "https://shop.example"]
    assert origins(" http://localhost:5173, https://shop.example/ ") == expected
    assert origins('["http://localhost:5173", "https://shop.example"]') == expected


def test_any_port_of_a_host_and_any_origin_are_the_only_patterns() -> None:
    assert origins("http://localhost:*,http://[::1]:*,*") == ["http://localhost:*", "http://[::1]:*", "*"]


@pytest.mark.parametrize(
    "wrong", ["localhost:5173", "http://*.example.com", "https://shop.example/path", "ftp://shop.example", "http://"]
)
def test_anything_else_is_refused_at_start_up(wrong: str) -> None:
    with pytest.raises(ValidationError, match="not an origin"):
        origins(wrong)
