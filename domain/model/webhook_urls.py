"""A webhook endpoint's URL, checked, and which network addresses a delivery may reach.

The service POSTs to URLs its callers choose, from inside the deployment's network: without a rule, a caller
could have it reach an admin port on loopback, a database on the private network or the cloud's metadata
service (server-side request forgery). So an endpoint is an http(s) URL without credentials, and every address
its host resolves to must be a public unicast address (`address_refusal`), checked when the webhook is
registered and again before each delivery, since DNS answers change. A deployment whose receivers live on its
own network allows private targets explicitly (setting `CATALOG_WEBHOOKS_ALLOW_PRIVATE_TARGETS`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.model import input_limits
from domain.model.validation import Checks

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = {"http": 80, "https": 443}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True, slots=True)
class EndpointUrl:
    text: str
    """The URL as registered (trimmed)."""
    scheme: str
    host: str
    """Lowercase; an IPv6 literal without its brackets; an internationalized name in its ASCII (IDNA) form."""
    port: int

    @classmethod
    def parse(cls, checks: Checks, field: str, url: str) -> EndpointUrl | None:
        """The checked URL; None, with the problem added to `checks`, when it is not a usable endpoint."""
        known = len(checks.problems)
        text = checks.text(field, url, max_length=input_limits.WEBHOOK_URL_MAX)
        if text is None or len(checks.problems) > known:
            return None
        problem = _problem(text)
        if problem is not None:
            checks.fail(field, problem)
            return None
        parts = urlsplit(text)
        host = _ascii_host(parts.hostname or "")
        if host is None:
            checks.fail(field, "has a host name that is not valid")
            return None
        return cls(text, parts.scheme.lower(), host, parts.port or SCHEMES[parts.scheme.lower()])


def _problem(text: str) -> str | None:
    if any(character.isspace() for character in text):
        return "must not contain spaces"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a port out of range or not a number
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() not in SCHEMES:
        return "must be an http or https URL"
    if not parts.hostname:
        return "must name a host"
    if "@" in parts.netloc:
        return "must not contain credentials (user:password@)"
    return None


def _ascii_host(hostname: str) -> str | None:
    try:
        host = hostname.encode("idna").decode("ascii") if not hostname.isascii() else hostname
    except UnicodeError:
        return None
    return host.lower().rstrip(".") or None


def address_refusal(address: Address) -> str | None:
    """Why no delivery may reach `address`; None for a public unicast address.

    Refused: loopback, private (RFC 1918, unique local IPv6), link-local (where cloud metadata services answer,
    169.254.169.254), shared address space (100.64.0.0/10), multicast, unspecified and reserved addresses, also
    when an IPv6 address embeds one (IPv4-mapped, NAT64, 6to4, Teredo).
    """
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_refusal(embedded)
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata services answer there)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified or address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None
