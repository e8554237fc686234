"""Dispatches each command to its one handler, with idempotency and retries of transient conflicts."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from domain.model.commands import Command
from domain.model.errors import Conflict, DomainError
from domain.ports import (
    Handler,
    IdempotencyClaim,
    Outcome,
    Precheck,
    TransientConflict,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who sent the command and under which idempotency key; idempotency keys are scoped per caller."""

    caller: str = "anonymous"
    idempotency_key: str | None = None


def fingerprint(command: Command) -> str:
    return hashlib.sha256(repr(command).encode()).hexdigest()


class MessageBus:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        handlers: Mapping[type[Command], Handler],
        *,
        max_attempts: int = 12,
        on_committed: Callable[[], None] | None = None,
        prechecks: Mapping[type[Command], Precheck] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._handlers = handlers
        self._prechecks = prechecks or {}
        self._max_attempts = max_attempts
        self._on_committed = on_committed

    async def dispatch(self, command: Command, context: CommandContext | None = None) -> Outcome:
        """Runs the command to an outcome or raises its DomainError; nothing is written on refusal."""
        context = context or CommandContext()
        handler = self._handlers[type(command)]
        claim = None
        if context.idempotency_key is not None:
            claim = IdempotencyClaim(context.caller, context.idempotency_key, fingerprint(command))
        precheck = self._prechecks.get(type(command))
        for attempt in range(1, self._max_attempts + 1):
            try:
                if precheck is not None and attempt == 1:
                    await precheck(command)  # outside any transaction (SQLite: off the writer thread)
                outcome = await self._uow_factory.run(partial(self._run_once, handler, command, claim))
            except TransientConflict:
                if attempt == self._max_attempts:
                    break
                log.info("command=%s attempt=%d retrying after a transient conflict", type(command).__name__, attempt)
                await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 7)))
                continue
            except DomainError:
                if claim is None:
                    raise
                recalled = await self._uow_factory.run(partial(self._recall_alone, claim))
                if recalled is None:
                    raise
                outcome = recalled
            if self._on_committed is not None and outcome.consistency_token is not None:
                self._on_committed()
            return outcome
        raise Conflict("the command met too many concurrent changes; try again")

    async def _run_once(self, handler: Handler, command: Command, claim: IdempotencyClaim | None) -> Outcome:
        async with self._uow_factory() as uow:
            if claim is not None:
                recalled = await _recall(uow, claim)
                if recalled is not None:
                    return recalled
                uow.claim(claim)
            return await handler(command, uow)

    async def _recall_alone(self, claim: IdempotencyClaim) -> Outcome | None:
        """A refusal under an idempotency key may be a racing twin's success seen from the loser's side (the sku
        it created, the stock it reserved): if the twin stored its outcome meanwhile, that outcome is the answer;
        otherwise the refusal stands."""
        async with self._uow_factory() as uow:
            return await _recall(uow, claim)


async def _recall(uow: UnitOfWork, claim: IdempotencyClaim) -> Outcome | None:
    recalled = await uow.recall(claim)
    if recalled is None:
        return None
    stored_fingerprint, outcome = recalled
    if stored_fingerprint != claim.fingerprint:
        raise Conflict("this idempotencyKey was used for a different command", "idempotencyKey")
    return outcome
