"""Which endpoint URLs a webhook may have, and which addresses a delivery may reach (the SSRF rule)."""

from __future__ import annotations

import ipaddress

import pytest

from domain.model.errors import Problem
from domain.model.events import Event, OrderEvent, ProductEvent, WebhookEndpointEvent
from domain.model.validation import Checks
from domain.model.webhook_urls import EndpointUrl, address_refusal
from domain.model.webhooks import ROUTES
from tests.unit.domain.test_event_fields import concrete_events


def parsed(url: str) -> tuple[EndpointUrl | None, list[Problem]]:
    checks = Checks()
    return EndpointUrl.parse(checks, "url", url), checks.problems


@pytest.mark.parametrize(
    ("url", "scheme", "host", "port"),
    [
        ("https://ERP.example.com/hooks?x=1", "https", "erp.example.com", 443),
        ("HTTP://erp.example.com:8080/", "http", "erp.example.com", 8080),
        ("http://[2001:db8::1]/in", "http", "2001:db8::1", 80),
        ("https://bücher.example/h", "https", "xn--bcher-kva.example", 443),
    ],
)
def test_an_endpoint_url_is_read_into_scheme_host_and_port(url: str, scheme: str, host: str, port: int) -> None:
    endpoint, problems = parsed(url)
    assert problems == []
    assert endpoint is not None
    assert (endpoint.scheme, endpoint.host, endpoint.port) == (scheme, host, port)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "javascript:alert(1)",
        "https:///nohost",
        "https://user:password@example.com/",
        "https://token@example.com/",
        "https://example.com:99999/",
        "https://exa mple.com/",
        "example.com/hooks",
        "",
        "https://example.com/" + "a" * 2000,
    ],
)
def test_an_endpoint_url_must_be_http_or_https_with_a_host_and_no_credentials(url: str) -> None:
    endpoint, problems = parsed(url)
    assert endpoint is None
    assert [problem.field for problem in problems] == ["url"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.100.100.200",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "2002:7f00:1::",
    ],
)
def test_loopback_private_link_local_metadata_and_reserved_addresses_are_refused(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_unicast_addresses_are_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


def test_every_product_and_order_event_is_delivered_as_a_webhook_event_and_a_webhooks_own_events_are_not() -> None:
    def base(event: type[Event]) -> type[Event]:
        return next(kind for kind in (ProductEvent, OrderEvent, WebhookEndpointEvent) if issubclass(event, kind))

    routed = {event for event in concrete_events() if base(event) is not WebhookEndpointEvent}
    assert set(ROUTES) == routed
