"""Which webhooks subscribe to which events, as of a position in the outbox.

Read from the outbox itself, in order, like everything the fan-out does: a webhook receives the records after
its registration and before its removal, exactly, however far behind the fan-out runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from domain.model.events import WEBHOOK
from domain.model.snapshots import WebhookSnapshot
from domain.model.webhook_events import WebhookEvent
from domain.outbox import OutboxRecord


class Subscribers:
    def __init__(self, records: Iterable[OutboxRecord] = ()) -> None:
        self._events: dict[str, frozenset[str]] = {}
        for record in records:
            self.apply(record)

    def apply(self, record: OutboxRecord) -> str | None:
        """Takes a webhook's record into account; returns the webhook's id when the record removed it."""
        if record.aggregate_type != WEBHOOK or not record.has_state:
            return None
        state = cast(WebhookSnapshot, record.state)
        if state["active"]:
            self._events[state["id"]] = frozenset(state["events"])
            return None
        self._events.pop(state["id"], None)
        return state["id"]

    def of(self, event: WebhookEvent) -> list[str]:
        """The webhooks subscribed to `event`, by id."""
        return sorted(webhook for webhook, events in self._events.items() if event.value in events)

    def __bool__(self) -> bool:
        return bool(self._events)
