"""The API in-process: the real app (through httpx's ASGI transport) on the real services, with a fresh database
(SQLite and PostgreSQL, see tests/conftest.py), a unique index prefix and the sync worker running in-process;
each test once with the fast path and once without (`CATALOG_FAST_PATH`), which must answer alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from starlette.types import ASGIApp

from api.app import create_app
from api.bootstrap import Services, services
from api.settings import Settings
from domain.storage.tables import outbox

SECRET = "integration-test-secret-long-enough-for-hs256"
STAFF_SCOPES = ("catalog:write", "inventory:write", "orders:write", "orders:read")


@dataclass
class Api:
    http: httpx.AsyncClient
    services: Services
    settings: Settings
    app: ASGIApp

    def token(self, *scopes: str, customer: str | None = None, ttl: int = 600) -> str:
        return self.services.authenticator.issue(scopes or STAFF_SCOPES, customer or "staff-tests", ttl)

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    async def graphql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        return (await self.post(query, variables, token)).json()

    async def command(self, mutation: str, input: dict[str, Any], token: str | None = "staff") -> dict[str, Any]:
        """Runs one mutation; `token="staff"` means a token with every staff scope."""
        bearer = self.token() if token == "staff" else token
        query = (
            f"mutation($input: {mutation[0].upper()}{mutation[1:]}Input!) {{ {mutation}(input: $input) "
            "{ ok aggregateId version consistencyToken errors { code field message } } }"
        )
        body = await self.graphql(query, {"input": input}, bearer)
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"][mutation]
        return result

    async def outbox_rows(self) -> int:
        async with self.services.engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(outbox))).scalar_one())


@asynccontextmanager
async def open_api(settings: Settings, *, swap: Callable[[Services], Services] | None = None) -> AsyncIterator[Api]:
    """The app on services built from `settings`; `swap` may replace some of them (a broken reader, say)."""
    async with services(settings) as built:
        used = swap(built) if swap is not None else built
        app = create_app(settings, prebuilt=used)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://catalog.test", timeout=60) as http:
            yield Api(http, used, settings, app)


@pytest.fixture(params=[True, False], ids=["fast-path", "plain-path"])
def fast_path(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def make_settings(
    database_url: str, elasticsearch_url: str, index_prefix: str, tmp_path: Path, fast_path: bool
) -> Callable[..., Settings]:
    """The test's settings, with `overrides`."""

    def make(**overrides: Any) -> Settings:
        return settings_for(database_url, elasticsearch_url, index_prefix, tmp_path, fast_path=fast_path, **overrides)

    return make


@pytest.fixture
async def api(make_settings: Callable[..., Settings]) -> AsyncIterator[Api]:
    async with open_api(make_settings()) as opened:
        yield opened


def settings_for(
    database_url: str, elasticsearch_url: str, index_prefix: str, tmp_path: Path, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "elasticsearch_url": elasticsearch_url,
        "index_prefix": index_prefix,
        "cache_dir": tmp_path / "cache",
        "jwt_secret": SecretStr(SECRET),
        "sync_in_process": True,
        "consistency_timeout_seconds": 15.0,
        **overrides,
    }
    return Settings.model_validate(values)


def product_input(sku: str = "OAK-1", **overrides: Any) -> dict[str, Any]:
    return {
        "sku": sku,
        "name": "Oak dining chair",
        "description": "Solid oak, oiled.",
        "brand": "Acme",
        "categoryPath": ["Furniture", "Chairs"],
        "price": {"amount": "129.90", "currency": "EUR"},
        "attributes": [{"name": "color", "value": "oak"}],
        **overrides,
    }


async def stocked_product(api: Api, sku: str = "OAK-1", quantity: int = 10, price: str = "129.90") -> str:
    """Creates a product and receives stock for it; returns the product id."""
    created = await api.command("createProduct", product_input(sku, price={"amount": price, "currency": "EUR"}))
    assert created["ok"], created
    if quantity:
        received = await api.command("receiveStock", {"sku": sku, "quantity": quantity})
        assert received["ok"], received
    return str(created["aggregateId"])


async def placed_order(api: Api, customer: str = "customer-1", sku: str = "OAK-1", quantity: int = 1) -> dict[str, Any]:
    result = await api.command("placeOrder", {"customerId": customer, "lines": [{"sku": sku, "quantity": quantity}]})
    assert result["ok"], result
    return result
