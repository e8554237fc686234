"""Which addresses a webhook URL's host resolves to, and whether deliveries may go there (`address_refusal`).

Checked when a webhook is registered (the bus's precheck, through `refusal`) and again whenever a delivery opens
a connection, since DNS answers change: the delivering HTTP client resolves names through the guard alone
(`attempts.CheckedResolver`), so it connects only to an address it checked, and a name cannot point elsewhere
between the check and the connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

from domain.model.webhook_urls import Address, EndpointUrl, address_refusal

Resolve = Callable[[str, int], Awaitable[list[str]]]
RESOLVE_TIMEOUT_SECONDS = 5.0


class TargetRefused(Exception):
    """No delivery may go to this URL now; the message says why, without secrets."""


async def resolve_host(host: str, port: int) -> list[str]:
    """The addresses of `host`, as the system's resolver answers (in a thread: getaddrinfo blocks)."""
    answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(answer[4][0]) for answer in answers]


class TargetGuard:
    def __init__(self, *, allow_private: bool, resolve: Resolve = resolve_host) -> None:
        self._allow_private = allow_private
        self._resolve = resolve

    async def addresses(self, host: str, port: int) -> list[Address]:
        """Every address `host` (a name or an IP address) stands for now, each allowed; `TargetRefused` otherwise."""
        literal = ip_literal(host)
        found = [literal] if literal is not None else await self._resolved(host, port)
        for address in found:
            refusal = None if self._allow_private else address_refusal(address)
            if refusal is not None:
                shown = host if literal is not None else f"{host} resolves to {address}, which"
                raise TargetRefused(f"{shown} is {refusal}; deliveries go to public addresses only")
        return found

    async def refusal(self, url: EndpointUrl) -> str | None:
        """Why no delivery may go to `url` now (the bus's precheck of a registration); None when it may."""
        try:
            await self.addresses(url.host, url.port)
        except TargetRefused as refused:
            return str(refused)
        return None

    async def _resolved(self, host: str, port: int) -> list[Address]:
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
                answers = await self._resolve(host, port)
        except (OSError, TimeoutError) as error:
            raise TargetRefused(f"{host} does not resolve ({type(error).__name__})") from None
        found = list(dict.fromkeys(ipaddress.ip_address(answer.split("%", 1)[0]) for answer in answers))
        if not found:
            raise TargetRefused(f"{host} does not resolve")
        return found


def ip_literal(host: str) -> Address | None:
    """`host` as an IP address, when it is one rather than a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
