"""Settings refuse what cannot work, at start-up, in words that name the variable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from api.settings import Settings

SECRET = "a-production-secret-of-at-least-32-characters"


def settings(**values: Any) -> Settings:
    """Settings from `values` alone (no environment, no .env file)."""
    return Settings.model_validate(values)


@pytest.mark.parametrize("url", ["sqlite//nope", "not a url", "mysql://db/catalog"])
def test_a_database_url_that_is_not_sqlite_or_postgresql_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="database_url") as refused:
        settings(database_url=url)

    assert url not in str(refused.value.errors()[0]["msg"])  # a URL may hold a password: never echoed


@pytest.mark.parametrize("url", ["sqlite:///catalog.db", "sqlite://", "postgresql+psycopg://u:p@db:5432/catalog"])
def test_sqlite_and_postgresql_urls_are_accepted(url: str) -> None:
    assert settings(database_url=url).database_url == url


def test_development_is_the_default_environment_and_needs_no_secret() -> None:
    defaults = settings()

    assert (defaults.environment, defaults.jwt_secret) == ("development", None)


def test_production_refuses_to_start_without_a_secret_or_a_public_key() -> None:
    with pytest.raises(ValidationError, match="CATALOG_JWT_SECRET or CATALOG_JWT_PUBLIC_KEY_FILE"):
        settings(environment="production")


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        settings(environment="production", jwt_secret="short")


def test_production_starts_with_a_secret() -> None:
    assert settings(environment="production", jwt_secret=SECRET).environment == "production"


def test_production_starts_with_a_public_key_alone(tmp_path: Path) -> None:
    assert settings(environment="production", jwt_public_key_file=tmp_path / "key.pem").jwt_secret is None
