"""One delivery attempt: a signed POST to an endpoint, bounded in time and in what it reads, to an address the
target guard allowed, following redirects only on the endpoint's own origin.

Each endpoint has an HTTP client of its own (`EndpointClient`), so its connections, pool and slowness stay its
own. Proxies named by the environment are ignored: a delivery goes straight to the checked address.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from domain.model.validation import Checks
from domain.model.webhook_urls import SCHEMES, Address, EndpointUrl
from domain.storage.webhook_deliveries import Delivery
from sync.webhooks import payloads
from sync.webhooks.options import WebhookOptions
from sync.webhooks.targets import TargetGuard, TargetRefused

REDIRECTS = frozenset({301, 302, 303, 307, 308})
SHOWN_BODY_CHARACTERS = 200


@dataclass(frozen=True, slots=True)
class Attempt:
    delivered: bool
    status_code: int | None
    error: str | None
    """Why it failed, for `catalog webhooks deliveries`: never a secret or a header."""


class EndpointClient:
    def __init__(self, url: EndpointUrl, secret: str, guard: TargetGuard, options: WebhookOptions) -> None:
        self._url = url
        self._secret = secret
        self._guard = guard
        self._options = options
        connections = options.in_flight_per_endpoint
        self._client = httpx.AsyncClient(
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(options.timeout_seconds),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    async def close(self) -> None:
        await self._client.aclose()

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
        except httpx.HTTPError as error:
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
        """POSTs to the first allowed address of `url`'s host; the status, a redirect's location, and the start of
        the answer (at most `max_response_bytes` are read)."""
        address = (await self._guard.addresses(url))[0]
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        request = self._client.build_request(
            "POST",
            _pinned(url, address),
            content=raw,
            headers={**headers, "Host": _host_header(url)},
            extensions=extensions,
        )
        response = await self._client.send(request, stream=True)
        try:
            read = await _read_at_most(response, self._options.max_response_bytes)
        finally:
            await response.aclose()
        return response.status_code, response.headers.get("location"), read[:SHOWN_BODY_CHARACTERS]


async def _read_at_most(response: httpx.Response, limit: int) -> str:
    """The start of the answer, undecoded (no decompression): a huge or endless answer costs `limit` bytes."""
    read = bytearray()
    async for chunk in response.aiter_raw():
        read += chunk[: limit - len(read)]
        if len(read) >= limit:
            break
    return read.decode(errors="replace")


def _pinned(url: EndpointUrl, address: Address) -> str:
    """`url` with its host replaced by the address it was checked to resolve to (the name is not looked up again;
    TLS still checks the certificate against the name, given as SNI)."""
    parts = urlsplit(url.text)
    host = f"[{address}]" if address.version == 6 else str(address)
    return urlunsplit((url.scheme, f"{host}:{url.port}", parts.path or "/", parts.query, ""))


def _host_header(url: EndpointUrl) -> str:
    host = f"[{url.host}]" if ":" in url.host else url.host
    return host if SCHEMES[url.scheme] == url.port else f"{host}:{url.port}"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
