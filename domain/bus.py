"""Dispatches each command to its one handler, with idempotency and retries of transient conflicts."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from domain.batches import DEFAULT_CHUNK_ROWS, DEFAULT_MAX_BATCH_ROWS, BatchRow, BatchRunner, ErrorPolicy, RowAnswer
from domain.idempotency import fingerprint, recall
from domain.model.commands import Command
from domain.model.errors import Conflict, DomainError, ValidationFailed
from domain.ports import (
    DryRunLedger,
    Handler,
    IdempotencyClaim,
    Outcome,
    Precheck,
    TransientConflict,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who sent the command and under which idempotency key; idempotency keys are scoped per caller."""

    caller: str = "anonymous"
    idempotency_key: str | None = None


class MessageBus:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        handlers: Mapping[type[Command], Handler],
        *,
        max_attempts: int = 12,
        on_committed: Callable[[], None] | None = None,
        prechecks: Mapping[type[Command], Precheck] | None = None,
        max_batch_rows: int = DEFAULT_MAX_BATCH_ROWS,
    ) -> None:
        self._uow_factory = uow_factory
        self._handlers = handlers
        self._prechecks = prechecks or {}
        self._max_attempts = max_attempts
        self._on_committed = on_committed
        self.max_batch_rows = max_batch_rows
        self._batches = BatchRunner(uow_factory, handlers, max_attempts=max_attempts)

    async def dispatch(self, command: Command, context: CommandContext | None = None) -> Outcome:
        """Runs the command to an outcome or raises its DomainError; nothing is written on refusal."""
        context = context or CommandContext()
        handler = self._handlers[type(command)]
        claim = _claim(command, context)
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

    async def dispatch_rows(
        self,
        rows: Sequence[BatchRow | DomainError],
        policy: ErrorPolicy,
        *,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        dry_run: DryRunLedger | None = None,
    ) -> list[RowAnswer]:
        """Runs a batch of commands, each as `dispatch` would, in a few transactions (see domain/batches.py);
        ValidationFailed on `inputs` for more than `max_batch_rows` rows. `dry_run`: nothing is written, the
        ledger remembers what would have been, for the batches that follow (domain/dry_runs.py)."""
        if len(rows) > self.max_batch_rows:
            raise ValidationFailed(f"at most {self.max_batch_rows} rows in one batch, not {len(rows)}", "inputs")
        answers = await self._batches.run(rows, policy, chunk_rows, dry_run=dry_run)
        if (
            dry_run is None
            and self._on_committed is not None
            and any(isinstance(a, Outcome) and a.consistency_token for a in answers)
        ):
            self._on_committed()
        return answers

    @staticmethod
    def row(command: Command, context: CommandContext) -> BatchRow:
        """A batch row of this command, with its idempotency claim as `dispatch` would make it."""
        return BatchRow(command, _claim(command, context))

    async def _run_once(self, handler: Handler, command: Command, claim: IdempotencyClaim | None) -> Outcome:
        async with self._uow_factory() as uow:
            if claim is not None:
                recalled = await recall(uow, claim)
                if recalled is not None:
                    return recalled
                uow.claim(claim)
            return await handler(command, uow)

    async def _recall_alone(self, claim: IdempotencyClaim) -> Outcome | None:
        """A refusal under an idempotency key may be a racing twin's success seen from the loser's side (the sku
        it created, the stock it reserved): if the twin stored its outcome meanwhile, that outcome is the answer;
        otherwise the refusal stands."""
        async with self._uow_factory() as uow:
            return await recall(uow, claim)


def _claim(command: Command, context: CommandContext) -> IdempotencyClaim | None:
    if context.idempotency_key is None:
        return None
    return IdempotencyClaim(context.caller, context.idempotency_key, fingerprint(command))
