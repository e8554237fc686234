"""One delivery attempt: a signed POST to an endpoint, bounded in time and in what it reads, to an address the
target guard allowed, following redirects only on the endpoint's own origin.

Each endpoint has an HTTP client of its own (`EndpointClient`: aiohttp, with its own connection pool), so its
connections and its slowness stay its own. The client resolves names only through the guard (`CheckedResolver`,
with no DNS cache: every new connection is checked), and ignores proxies named by the environment.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from domain.model.validation import Checks
from domain.model.webhook_urls import EndpointUrl
from domain.storage.webhook_deliveries import Delivery
from sync.webhooks import payloads
from sync.webhooks.options import WebhookOptions
from sync.webhooks.targets import TargetGuard, TargetRefused, ip_literal

REDIRECTS = frozenset({301, 302, 303, 307, 308})
SHOWN_BODY_CHARACTERS = 200


@dataclass(frozen=True, slots=True)
class Attempt:
    delivered: bool
    status_code: int | None
    error: str | None
    """Why it failed, for `catalog webhooks deliveries`: never a secret or a header."""


class CheckedResolver(AbstractResolver):
    """The client's only way from a name to addresses: the guard's, each address checked."""

    def __init__(self, guard: TargetGuard) -> None:
        self._guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await self._guard.addresses(host.rstrip("."), port)
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        return None


class EndpointClient:
    def __init__(self, url: EndpointUrl, secret: str, guard: TargetGuard, options: WebhookOptions) -> None:
        self._url = url
        self._secret = secret
        self._guard = guard
        self._options = options
        connector = aiohttp.TCPConnector(
            limit=options.in_flight_per_endpoint,
            use_dns_cache=False,
            resolver=CheckedResolver(guard),
            family=socket.AF_UNSPEC,
        )
        self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False, trust_env=False)

    async def close(self) -> None:
        await self._session.close()

    async def post(self, delivery: Delivery) -> Attempt:
        raw = delivery.body.encode()
        headers = payloads.headers(self._secret, raw, delivery.event, delivery.event_id, delivery.attempts + 1)
        seconds = self._options.timeout_seconds
        try:
            async with asyncio.timeout(seconds):
                return await self._post_following_redirects(raw, headers)
        except TimeoutError:
            return Attempt(False, None, f"timed out after {seconds:g} s")
        except TargetRefused as refused:
            return Attempt(False, None, f"target refused: {refused}")
        except aiohttp.ClientError as error:
            return Attempt(False, None, _one_line(f"{type(error).__name__}: {error}"))

    async def _post_following_redirects(self, raw: bytes, headers: dict[str, str]) -> Attempt:
        url = self._url
        for _ in range(self._options.max_redirects + 1):
            status, location, shown = await self._post_once(url, raw, headers)
            if 200 <= status < 300:
                return Attempt(True, status, None)
            if status not in REDIRECTS or not location:
                return Attempt(False, status, _one_line(f"HTTP {status}: {shown}" if shown else f"HTTP {status}"))
            target = EndpointUrl.parse(Checks(), "location", urljoin(url.text, location))
            if target is None or (target.scheme, target.host, target.port) != (url.scheme, url.host, url.port):
                return Attempt(False, status, f"HTTP {status}: a redirect to another origin is not followed")
            url = target
        return Attempt(False, status, f"HTTP {status}: more than {self._options.max_redirects} redirects")

    async def _post_once(self, url: EndpointUrl, raw: bytes, headers: dict[str, str]) -> tuple[int, str | None, str]:
        """The status, a redirect's location, and the start of the answer (at most `max_response_bytes` read)."""
        if ip_literal(url.host) is not None:  # an IP address never reaches the resolver: checked here
            await self._guard.addresses(url.host, url.port)
        async with self._session.post(url.text, data=raw, headers=headers, allow_redirects=False) as response:
            read = await _read_at_most(response, self._options.max_response_bytes)
            return response.status, response.headers.get("Location"), read[:SHOWN_BODY_CHARACTERS]


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> str:
    """The start of the answer, undecoded (no decompression): a huge or endless answer costs `limit` bytes, and its
    connection is closed rather than drained."""
    read = bytearray()
    async for chunk in response.content.iter_any():
        read += chunk[: limit - len(read)]
        if len(read) >= limit:
            response.close()
            break
    return read.decode(errors="replace")


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
