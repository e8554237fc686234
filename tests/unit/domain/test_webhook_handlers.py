"""Registering and removing webhooks on the in-memory unit of work: what each writes, each refusal's code and field,
and the target check that runs before the transaction."""

from __future__ import annotations

import dataclasses

from domain.handlers import prechecks
from domain.model.commands import RegisterWebhook, RemoveWebhook
from domain.model.json_data import as_json_data
from domain.model.webhook_urls import EndpointUrl
from tests.unit.domain.scenario import Scenario

SECRET = "a-secret-of-twenty-chars"


def register(**overrides: object) -> RegisterWebhook:
    fields: dict[str, object] = {
        "url": "https://erp.example.com/hooks/catalog",
        "events": ("ORDER_PLACED", "STOCK_CHANGED"),
        "secret": SECRET,
    }
    return RegisterWebhook(**{**fields, **overrides})  # type: ignore[arg-type]


class Targets:
    """Refuses the hosts it is given, and counts the checks."""

    def __init__(self, *refused: str) -> None:
        self.refused = set(refused)
        self.checked: list[str] = []

    async def refusal(self, url: EndpointUrl) -> str | None:
        self.checked.append(url.host)
        return f"{url.host} resolves to a private address" if url.host in self.refused else None


async def test_register_webhook_stores_the_endpoint_with_its_secret_and_records_it_without_the_secret() -> None:
    scenario = Scenario()
    outcome = await scenario.run(register())
    webhook = scenario.store.webhooks[outcome.aggregate_id]
    assert (webhook.url, webhook.secret, webhook.active, outcome.version) == (register().url, SECRET, True, 1)
    [stored] = scenario.store.outbox
    assert type(stored.event).__name__ == "WebhookRegistered"
    assert SECRET not in repr(as_json_data(stored.event)) + repr(stored.state)


async def test_register_webhook_keeps_each_event_once_in_a_fixed_order() -> None:
    scenario = Scenario()
    outcome = await scenario.run(register(events=("STOCK_CHANGED", "ORDER_PLACED", "STOCK_CHANGED")))
    assert [event.value for event in scenario.store.webhooks[outcome.aggregate_id].events] == [
        "STOCK_CHANGED",
        "ORDER_PLACED",
    ]


async def test_register_webhook_refuses_every_bad_field_at_once() -> None:
    scenario = Scenario()
    refused = await scenario.refusal(register(url="ftp://erp.example.com/", events=("NOPE",), secret="short"))
    assert refused == [("VALIDATION", "url"), ("VALIDATION", "events.0"), ("VALIDATION", "secret")]


async def test_register_webhook_refuses_an_empty_event_list() -> None:
    assert await Scenario().refusal(register(events=())) == [("VALIDATION", "events")]


async def test_register_webhook_refuses_credentials_in_the_url() -> None:
    refused = await Scenario().refusal(register(url="https://user:pass@erp.example.com/hooks"))
    assert refused == [("VALIDATION", "url")]


async def test_register_webhook_refuses_a_url_whose_target_the_check_refuses_and_stores_nothing() -> None:
    targets = Targets("erp.example.com")
    scenario = Scenario(prechecks=prechecks(targets))
    assert await scenario.refusal(register()) == [("VALIDATION", "url")]
    assert targets.checked == ["erp.example.com"]


async def test_the_target_check_runs_after_the_input_checks_so_bad_input_is_reported_whole() -> None:
    targets = Targets()
    scenario = Scenario(prechecks=prechecks(targets))
    assert await scenario.refusal(register(secret="short")) == [("VALIDATION", "secret")]
    assert targets.checked == []


async def test_the_target_check_runs_once_even_when_the_command_is_retried_after_a_conflict() -> None:
    targets = Targets()
    scenario = Scenario(prechecks=prechecks(targets))
    scenario.store.transient_conflicts = 2
    await scenario.run(register())
    assert targets.checked == ["erp.example.com"]


async def test_remove_webhook_deactivates_it_and_records_the_removal() -> None:
    scenario = Scenario()
    registered = await scenario.run(register())
    removed = await scenario.run(RemoveWebhook(webhook_id=registered.aggregate_id))
    assert (removed.version, scenario.store.webhooks[registered.aggregate_id].active) == (2, False)
    assert scenario.store.events() == ["WebhookRegistered", "WebhookRemoved"]


async def test_removing_a_removed_webhook_changes_nothing_and_returns_no_token() -> None:
    scenario = Scenario()
    registered = await scenario.run(register())
    await scenario.run(RemoveWebhook(webhook_id=registered.aggregate_id))
    again = await scenario.run(RemoveWebhook(webhook_id=registered.aggregate_id))
    assert (again.version, again.consistency_token, len(scenario.store.outbox)) == (2, None, 2)


async def test_remove_webhook_refuses_an_unknown_id_as_not_found() -> None:
    assert await Scenario().refusal(RemoveWebhook(webhook_id="nope")) == [("NOT_FOUND", "webhookId")]


def test_a_register_command_never_shows_its_secret_but_tells_two_secrets_apart() -> None:
    command = register()
    assert SECRET not in repr(command)
    assert repr(command) != repr(dataclasses.replace(command, secret=SECRET + "x"))
