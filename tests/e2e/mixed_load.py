"""Mutations, read-your-writes and searches over HTTP against a running `catalog serve`, every answer recorded,
for the tests that kill a server under load (tests/e2e/test_node_loss.py, test_database_restart.py).

Each writer owns one product and receives stock into it, one `receiveStock` after the other, each with an
idempotency key of its own; a command that fails, or whose answer is lost, is sent again with the same key until
it is acknowledged, as a careful client does. So once the load is over, every command was acknowledged exactly
once, and a product's stock on hand must be the sum of its writer's quantities: a command lost or applied twice
shows. After each acknowledgement the writer reads its product back with the command's consistency token and
records whether the read saw the write, which waits for the worker. Creators create one new product after the
other, reading nothing back, so a command is in flight at every moment (a fault that stops the worker holds the
writers in their read-backs). Searchers run a full-text search in a loop. `phase` tags every answer (before,
during and after the fault).
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.conftest import CATALOG, Server

RETRY_SECONDS = 0.2
FINISH_SECONDS = 120  # for the commands in flight to be acknowledged once the load stops
READ_ATTEMPTS = 20
SEARCH = '{ searchProducts(query: "walnut", first: 5) { totalCount edges { node { sku } } } }'
READ = "query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { version stock { onHand } } }"
RESULT = "{ ok aggregateId version consistencyToken errors { code field message } }"
CREATE = f"mutation($i: CreateProductInput!) {{ createProduct(input: $i) {RESULT} }}"
RECEIVE = f"mutation($i: ReceiveStockInput!) {{ receiveStock(input: $i) {RESULT} }}"


@dataclass(frozen=True, slots=True)
class Answer:
    kind: str
    """command, read or search."""
    phase: str
    status: int | None
    """The HTTP status; None when no answer came (the connection failed)."""
    codes: tuple[str, ...]
    """The error codes in the answer (GraphQL errors' or a command's), empty when it succeeded."""
    leaked: bool
    """The body shows a traceback: what a client must never see."""
    at: float = field(default_factory=time.monotonic)

    @property
    def succeeded(self) -> bool:
        return self.status == 200 and not self.codes


@dataclass(slots=True)
class Writer:
    sku: str
    product_id: str = ""
    quantities: int = 0
    """Sum of the quantities acknowledged."""


@dataclass
class MixedLoad:
    url: str
    token: str
    tag: str
    phase: str = "before"
    answers: list[Answer] = field(default_factory=list)
    acknowledged: list[tuple[str, int]] = field(default_factory=list)
    """(phase, version) of every acknowledged command."""
    reads: list[tuple[str, str]] = field(default_factory=list)
    """(phase, outcome) of every read with a token: seen, stale, or unanswered after READ_ATTEMPTS tries."""
    writers: list[Writer] = field(default_factory=list)

    @asynccontextmanager
    async def running(self, *, writers: int = 2, searchers: int = 2, creators: int = 0) -> AsyncIterator[MixedLoad]:
        """The load runs while the block does; it ends with every command in flight acknowledged."""
        stop = asyncio.Event()
        limits = httpx.Limits(max_connections=writers + searchers + creators)
        async with httpx.AsyncClient(base_url=self.url, timeout=30, limits=limits) as client:
            self.writers = [Writer(f"{self.tag}-{number}") for number in range(writers)]
            tasks = [asyncio.create_task(self._write(client, writer, stop)) for writer in self.writers]
            tasks += [asyncio.create_task(self._search(client, stop)) for _ in range(searchers)]
            tasks += [asyncio.create_task(self._create(client, f"{self.tag}-new{n}", stop)) for n in range(creators)]
            try:
                yield self
            finally:
                stop.set()
                async with asyncio.timeout(FINISH_SECONDS):
                    results = await asyncio.gather(*tasks, return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    raise result

    async def until(self, condition: Callable[[MixedLoad], bool], seconds: float = 180) -> None:
        """Wait until `condition` holds (generous bounds: the machine may be slow, this measures nothing)."""
        async with asyncio.timeout(seconds):
            while True:
                if condition(self):
                    return
                await asyncio.sleep(0.1)

    def count(self, kind: str, phase: str) -> int:
        """Successful answers of `kind` in `phase`."""
        return sum(answer.kind == kind and answer.phase == phase and answer.succeeded for answer in self.answers)

    def acks(self, phase: str) -> int:
        return sum(ack_phase == phase for ack_phase, _ in self.acknowledged)

    def summary(self) -> dict[str, object]:
        """What the clients saw, per phase: answers by kind and outcome, the longest run of failed searches (in
        seconds, for the record: nothing asserts a time), and the reads' outcomes. Printed by the tests."""
        outcomes = Counter(
            (answer.phase, answer.kind, "ok" if answer.succeeded else ",".join(answer.codes) or str(answer.status))
            for answer in self.answers
        )
        return {
            "answers": dict(sorted(outcomes.items())),
            "reads": dict(Counter(self.reads)),
            "longest_search_outage_seconds": round(self._longest_failing_run("search"), 2),
            "longest_command_outage_seconds": round(self._longest_failing_run("command"), 2),
        }

    def _longest_failing_run(self, kind: str) -> float:
        longest, failing_since = 0.0, None
        for answer in (answer for answer in self.answers if answer.kind == kind):
            if answer.succeeded:
                if failing_since is not None:
                    longest = max(longest, answer.at - failing_since)
                failing_since = None
            elif failing_since is None:
                failing_since = answer.at
        return longest

    def failures(self) -> list[Answer]:
        return [answer for answer in self.answers if not answer.succeeded]

    async def _write(self, client: httpx.AsyncClient, writer: Writer, stop: asyncio.Event) -> None:
        created = await self._command(client, CREATE, _product(writer.sku))
        writer.product_id = created["aggregateId"]
        await self._read_back(client, writer, created)
        for number in itertools.count():
            if stop.is_set():
                return
            quantity = 1 + number % 3
            key = f"{writer.sku}-receive-{number}"
            receive = {"sku": writer.sku, "quantity": quantity, "idempotencyKey": key}
            done = await self._command(client, RECEIVE, receive)
            writer.quantities += quantity
            await self._read_back(client, writer, done)

    async def _create(self, client: httpx.AsyncClient, sku_prefix: str, stop: asyncio.Event) -> None:
        for number in itertools.count():
            if stop.is_set():
                return
            await self._command(client, CREATE, _product(f"{sku_prefix}-{number}"))

    def failed_commands(self, phase: str) -> int:
        commands = (answer for answer in self.answers if answer.kind == "command" and answer.phase == phase)
        return sum(not answer.succeeded for answer in commands)

    async def _command(self, client: httpx.AsyncClient, mutation: str, input: dict[str, Any]) -> dict[str, Any]:
        """Sent until acknowledged, with the same input (and idempotency key) each time."""
        while True:
            body = await self._post(client, "command", {"query": mutation, "variables": {"i": input}}, self.token)
            result = next(iter(((body or {}).get("data") or {}).values()), None)
            if isinstance(result, dict) and result.get("ok"):
                self.acknowledged.append((self.phase, int(result["version"])))
                return result
            await asyncio.sleep(RETRY_SECONDS)

    async def _read_back(self, client: httpx.AsyncClient, writer: Writer, done: dict[str, Any]) -> None:
        variables = {"id": writer.product_id, "t": done["consistencyToken"]}
        for _ in range(READ_ATTEMPTS):
            body = await self._post(client, "read", {"query": READ, "variables": variables})
            product = ((body or {}).get("data") or {}).get("product")
            if isinstance(product, dict):
                seen = product["version"] >= done["version"]
                self.reads.append((self.phase, "seen" if seen else "stale"))
                return
            await asyncio.sleep(RETRY_SECONDS)
        self.reads.append((self.phase, "unanswered"))

    async def _search(self, client: httpx.AsyncClient, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._post(client, "search", {"query": SEARCH})

    async def _post(
        self, client: httpx.AsyncClient, kind: str, payload: dict[str, Any], token: str | None = None
    ) -> dict[str, Any] | None:
        phase = self.phase
        headers = {"authorization": f"Bearer {token}"} if token else {}
        try:
            response = await client.post("/graphql", json=payload, headers=headers)
        except httpx.TransportError:
            self.answers.append(Answer(kind, phase, None, (), leaked=False))
            return None
        body: Any = None
        with suppress(ValueError):
            body = response.json()
        codes = _codes(body)
        leaked = "Traceback" in response.text or 'File "/' in response.text
        self.answers.append(Answer(kind, phase, response.status_code, codes, leaked))
        return body if isinstance(body, dict) else None


def _codes(body: Any) -> tuple[str, ...]:
    if not isinstance(body, dict):
        return ("NO_JSON",)
    codes = [str((error.get("extensions") or {}).get("code")) for error in body.get("errors") or []]
    for result in (body.get("data") or {}).values():
        if isinstance(result, dict):
            codes += [str(error.get("code")) for error in result.get("errors") or []]
    return tuple(codes)


def _product(sku: str) -> dict[str, Any]:
    return {
        "sku": sku,
        "name": f"Walnut side table {sku}",
        "brand": "Acme",
        "categoryPath": ["Furniture", "Tables"],
        "price": {"amount": "129.00", "currency": "EUR"},
        "idempotencyKey": f"{sku}-create",
    }


def assert_no_fault_reached_a_client(load: MixedLoad, allowed_codes: frozenset[str]) -> None:
    """No 5xx, no answer without JSON, no traceback; any refusal typed with one of `allowed_codes`."""
    failures = load.failures()
    assert [answer for answer in failures if answer.status is not None and answer.status >= 500] == []
    assert [answer for answer in load.answers if answer.leaked] == []
    assert {code for answer in failures for code in answer.codes} <= allowed_codes


def assert_reads_saw_their_writes(load: MixedLoad) -> None:
    """Every read with a consistency token answered, each with the write it waited for."""
    assert load.reads
    assert {outcome for _, outcome in load.reads} == {"seen"}, load.reads


async def assert_converged(server: Server, load: MixedLoad) -> None:
    """The worker caught up, `catalog verify` is clean (0 missing, 0 stale, 0 different), and every writer's stock
    is the sum of its acknowledged quantities: no command lost, none applied twice."""
    await _until_caught_up(server)
    verified = await asyncio.to_thread(_catalog, server, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    clean = verified.stdout.count("missing 0, stale 0, different 0, extra 0")
    assert clean >= 2, verified.stdout
    assert clean == verified.stdout.count("missing "), verified.stdout  # every read model's line
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        for writer in load.writers:
            answer = await client.post("/graphql", json={"query": READ, "variables": {"id": writer.product_id}})
            assert answer.json()["data"]["product"]["stock"]["onHand"] == writer.quantities


async def _until_caught_up(server: Server, seconds: float = 180) -> None:
    async with asyncio.timeout(seconds):
        while True:
            status = await asyncio.to_thread(_catalog, server, "sync", "status", "--max-lag-events", "0")
            if status.returncode == 0:
                return
            await asyncio.sleep(0.5)


def _catalog(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CATALOG, *args], env=server.env, capture_output=True, text=True, timeout=120, check=False)
