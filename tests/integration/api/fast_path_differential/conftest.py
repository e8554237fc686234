"""Two `catalog serve` processes on one seeded catalog: one with the fast path, one without.

The catalog is seeded once through the API (products, stock, orders in every state, and one aggregate for each
mutation case), indexed by the worker, and its SQLite file copied for each server; both read the same index and
run no worker, so every read sees the same documents and every command the same state on both sides.
"""

from __future__ import annotations

import base64
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.e2e.conftest import Server, catalog_env, start_serve, stop_serve
from tests.integration.api.conftest import Api, open_api, product_input, settings_for

BRANDS = ("Acme", "Lumen", "Nordhus")
CATEGORIES = (["Home", "Lighting"], ["Home", "Lighting", "Lamps"], ["Furniture", "Chairs"], ["Furniture"])
WORDS = ("walnut lamp", "oak chair", "brass lamp", "linen sofa", "oak table")
MUTATION_PRODUCTS = ("M-UPDATE", "M-PRICE", "M-DISCONTINUE", "M-RECEIVE", "M-ADJUST", "M-ORDER")
ORDER_STATES = ("to-pay", "to-ship", "unpaid", "to-cancel", "shipped", "cancelled")
WEBHOOK_URL = "https://93.184.215.14/hooks"


@dataclass
class Seeded:
    products: dict[str, str] = field(default_factory=dict)  # sku -> id
    versions: dict[str, int] = field(default_factory=dict)  # sku -> version
    orders: dict[str, str] = field(default_factory=dict)  # state -> id
    webhook: str = ""  # a registered webhook's id
    token: str = ""  # the last write's consistency token

    def ids(self) -> set[str]:
        return set(self.products.values()) | set(self.orders.values()) | {self.webhook}


@dataclass(frozen=True)
class Pair:
    fast: Server
    plain: Server
    seeded: Seeded
    tokens: dict[str, str | None]  # "staff", "customer" (c-1), "manager" (webhooks), "none"
    http: httpx.Client

    def post(self, body: dict[str, Any] | bytes, token: str = "staff") -> tuple[tuple[int, bytes], tuple[int, bytes]]:
        """The same request to both servers: (status, body bytes) of each, fast first, with each cursor's point in
        time left out (each server opens its own)."""
        bearer = self.tokens[token]
        headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
        content = body if isinstance(body, bytes) else httpx.Request("POST", "/", json=body).content
        answers = []
        for server in (self.fast, self.plain):
            response = self.http.post(f"{server.url}/graphql", content=content, headers=headers)
            answers.append((response.status_code, _without_points_in_time(response.content)))
        return answers[0], answers[1]


CURSOR = re.compile(rb'"([A-Za-z0-9_-]{40,})"')  # any long base64url string: a cursor, under any alias


def _without_points_in_time(body: bytes) -> bytes:
    """The body with each cursor shown as its version, kind, scope and sort values, without its point in time."""

    def shown(match: re.Match[bytes]) -> bytes:
        text = match.group(1)
        try:
            parts = orjson.loads(base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4)))
        except ValueError:
            return match.group(0)
        if not (isinstance(parts, list) and len(parts) == 6):
            return match.group(0)
        return orjson.dumps(orjson.dumps(parts[:4]).decode())

    return CURSOR.sub(shown, body)


async def _seed(api: Api) -> Seeded:
    seeded = Seeded()

    async def create(sku: str, **overrides: Any) -> None:
        made = await api.command("createProduct", product_input(sku, **overrides))
        assert made["ok"], made
        seeded.products[sku] = made["aggregateId"]
        seeded.versions[sku] = made["version"]

    async def run(mutation: str, input: dict[str, Any]) -> dict[str, Any]:
        done = await api.command(mutation, input)
        assert done["ok"], done
        seeded.token = done["consistencyToken"]
        return done

    for number in range(12):
        brand = BRANDS[number % 3]
        await create(
            f"P-{number}",
            name=f"{WORDS[number % len(WORDS)].title()} {number}",
            brand=brand,
            description=None if number % 4 == 0 else f"Made by {brand}, number {number}.",
            categoryPath=CATEGORIES[number % len(CATEGORIES)],
            price={"amount": f"{10 + number * 7}.50", "currency": "EUR"},
            attributes=[{"name": "color", "value": ("oak", "black", "white")[number % 3]}],
        )
        if number % 5 != 4:
            seeded.versions[f"P-{number}"] = (await run("receiveStock", {"sku": f"P-{number}", "quantity": 20}))[
                "version"
            ]
    await run("discontinueProduct", {"productId": seeded.products["P-11"]})
    for sku in MUTATION_PRODUCTS:
        await create(sku)
        seeded.versions[sku] = (await run("receiveStock", {"sku": sku, "quantity": 5}))["version"]
    sizes = [{"sku": f"M-VARIANTS-{size}", "options": [{"name": "size", "value": size}]} for size in ("S", "M", "L")]
    await create("M-VARIANTS", variants=sizes, slug="m-variants")
    totals = {}
    stocked = [number for number in range(12) if number % 5 != 4]
    for number, state in zip(stocked, ORDER_STATES, strict=False):
        customer = "c-1" if number % 2 == 0 else "c-2"
        placed = await run("placeOrder", {"customerId": customer, "lines": [{"sku": f"P-{number}", "quantity": 1}]})
        seeded.orders[state] = placed["aggregateId"]
        totals[state] = f"{10 + number * 7}.50"  # one of P-number
    for state in ("to-ship", "shipped"):
        await run("payOrder", {"orderId": seeded.orders[state], "amount": {"amount": totals[state], "currency": "EUR"}})
    await run("shipOrder", {"orderId": seeded.orders["shipped"]})
    await run("cancelOrder", {"orderId": seeded.orders["cancelled"], "reason": "changed mind"})
    # Last, so that it is sent nothing (and the servers run no worker): a public address, with no name to resolve.
    webhook = {"url": WEBHOOK_URL, "events": ["ORDER_SHIPPED"], "secret": "differential-secret-0123"}
    registered = await api.command("registerWebhook", webhook, api.token("webhooks:manage"))
    assert registered["ok"], registered
    seeded.webhook, seeded.token = registered["aggregateId"], registered["consistencyToken"]
    waited = await api.graphql(
        "query($t: String) { searchProducts(first: 1, consistencyToken: $t) { totalCount } }", {"t": seeded.token}
    )
    assert "errors" not in waited, waited
    return seeded


def _serve(tmp: Path, template: Path, elasticsearch_url: str, prefix: str, fast_path: bool) -> tuple[Server, Any]:
    """A server on its own copy of the seeded SQLite file, without a worker."""
    tmp.mkdir()
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{template}{suffix}").exists():
            shutil.copy(f"{template}{suffix}", tmp / f"catalog.db{suffix}")
    env = {**catalog_env(tmp, elasticsearch_url, prefix, fast_path=fast_path), "CATALOG_SYNC_IN_PROCESS": "false"}
    return start_serve(tmp, env)


@pytest.fixture(scope="module")
async def pair(elasticsearch_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pair]:
    tmp = tmp_path_factory.mktemp("differential")
    prefix = f"diff-{uuid.uuid4().hex[:12]}"
    template = tmp / "template.db"
    settings = settings_for(f"sqlite:///{template}", elasticsearch_url, prefix, tmp / "seed", fast_path=True)
    async with open_api(settings) as api:
        seeded = await _seed(api)
    processes = []
    try:
        fast, process = _serve(tmp / "fast", template, elasticsearch_url, prefix, fast_path=True)
        processes.append(process)
        plain, process = _serve(tmp / "plain", template, elasticsearch_url, prefix, fast_path=False)
        processes.append(process)
        tokens = {
            "staff": fast.token("catalog:write", "inventory:write", "orders:write", "orders:read"),
            "customer": fast.token("orders:place", customer="c-1"),
            "manager": fast.token("webhooks:manage"),
            "none": None,
        }
        with httpx.Client(timeout=30) as http:
            yield Pair(fast, plain, seeded, tokens, http)
    finally:
        for process in processes:
            stop_serve(process)
        async with httpx.AsyncClient(timeout=30) as client:
            await client.delete(f"{elasticsearch_url}/{prefix}-*", params={"expand_wildcards": "all"})
