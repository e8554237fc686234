"""`catalog serve --demo`'s additions to the app: the demo customer token, minted only when the generated
development secret signs tokens, and no seeding into a database that holds data already."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.bootstrap import Services, services
from api.cli.demo_mode import demo_mode
from api.demo.customer_token import PATH, TTL_SECONDS
from api.demo.orders_data import DEMO_CUSTOMER
from api.demo.seed import outbox_events
from tests.integration.api.conftest import STAFF_SCOPES, product_input, settings_for

pytestmark = pytest.mark.elasticsearch


@asynccontextmanager
async def demo_app(
    database_url: str, elasticsearch_url: str, index_prefix: str, tmp_path: Path, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    """The app as `catalog serve --demo` serves it, on a database holding one product (so nothing is seeded)."""
    settings = settings_for(database_url, elasticsearch_url, index_prefix, tmp_path, **overrides)
    async with services(settings) as built:
        staff = built.authenticator.issue(STAFF_SCOPES, "staff-tests", 600)
        app = create_app(settings, prebuilt=built)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog.test") as http:
            mutation = "mutation($i: CreateProductInput!) { createProduct(input: $i) { ok } }"
            created = await http.post(
                "/graphql",
                json={"query": mutation, "variables": {"i": product_input()}},
                headers={"authorization": f"Bearer {staff}"},
            )
            assert created.json()["data"]["createProduct"]["ok"]
        demo = await demo_mode(app, built)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=demo), base_url="http://catalog.test") as http:
            yield http, built


async def test_with_the_development_secret_the_demo_customer_gets_a_short_lived_customer_token(
    database_url: str, elasticsearch_url: str, index_prefix: str, tmp_path: Path
) -> None:
    async with demo_app(database_url, elasticsearch_url, index_prefix, tmp_path, jwt_secret=None) as (http, _):
        response = await http.post(PATH)
        token = response.json()["token"]
        mine = await http.post(
            "/graphql",
            json={"query": "{ orders { totalCount } }"},
            headers={"authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert (response.json()["customerId"], response.json()["scopes"]) == (DEMO_CUSTOMER, ["orders:place"])
    assert response.json()["expiresInSeconds"] == TTL_SECONDS <= 1800
    assert mine.json() == {"data": {"orders": {"totalCount": 0}}}


async def test_with_a_configured_secret_there_is_no_demo_customer_token(
    database_url: str, elasticsearch_url: str, index_prefix: str, tmp_path: Path
) -> None:
    async with demo_app(database_url, elasticsearch_url, index_prefix, tmp_path) as (http, _):
        response = await http.post(PATH)
    assert response.status_code == 404


async def test_the_demo_customer_token_is_not_minted_on_get(
    database_url: str, elasticsearch_url: str, index_prefix: str, tmp_path: Path
) -> None:
    async with demo_app(database_url, elasticsearch_url, index_prefix, tmp_path, jwt_secret=None) as (http, _):
        response = await http.get(PATH)
    assert response.status_code == 405


async def test_serve_demo_does_not_seed_a_database_that_holds_data(
    database_url: str, elasticsearch_url: str, index_prefix: str, tmp_path: Path
) -> None:
    async with demo_app(database_url, elasticsearch_url, index_prefix, tmp_path, jwt_secret=None) as (_, built):
        events = await outbox_events(built.engine)
    assert events == 1  # the product created above, and nothing seeded


async def test_without_demo_mode_there_is_no_demo_customer_token(
    database_url: str, elasticsearch_url: str, index_prefix: str, tmp_path: Path
) -> None:
    settings = settings_for(database_url, elasticsearch_url, index_prefix, tmp_path, jwt_secret=None)
    async with services(settings) as built:
        app = create_app(settings, prebuilt=built)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog.test") as http:
            response = await http.post(PATH)
    assert response.status_code == 404
