"""Every field of every event is there on purpose: docs/architecture.md names each one and says why."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from domain.model import events
from domain.model.events import Event, OrderEvent, ProductEvent, WebhookEndpointEvent

ARCHITECTURE = (Path(__file__).parents[3] / "docs" / "architecture.md").read_text()
BASES = (ProductEvent, OrderEvent, WebhookEndpointEvent)
SHARED = {field.name for base in BASES for field in dataclasses.fields(base)}


def documented() -> dict[str, set[str]]:
    """Event name -> the fields its row of the payload table names (a row may name several events)."""
    rows: dict[str, set[str]] = {}
    for line in ARCHITECTURE.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and (cells[0].startswith("`") or cells[0] == "every event"):
            names = re.findall(r"`(\w+)`", cells[0]) or [cells[0]]
            for name in names:
                rows[name] = set(re.findall(r"`(\w+)`", cells[1]))
    return rows


def concrete_events() -> list[type[Event]]:
    kinds = [value for value in vars(events).values() if isinstance(value, type) and issubclass(value, Event)]
    return [kind for kind in kinds if not kind.__subclasses__()]


def test_the_fields_every_event_shares_are_documented() -> None:
    assert documented()["every event"] == SHARED


@pytest.mark.parametrize("event", concrete_events(), ids=lambda kind: kind.__name__)
def test_each_events_own_fields_are_exactly_the_documented_ones(event: type[Event]) -> None:
    [base] = [base for base in BASES if issubclass(event, base)]
    own = {field.name for field in dataclasses.fields(event)} - {field.name for field in dataclasses.fields(base)}
    assert documented().get(event.__name__) == own
