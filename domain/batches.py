"""Many commands in a few transactions: the rows of a bulk mutation or an import, answered row by row.

Each row is the command the single mutation runs, through the same handler and idempotency claim; only the
transaction differs. The rows run in chunks, each chunk one transaction of the store (`UnitOfWorkFactory.batch`),
each row under a savepoint of it: a refused row is rolled back alone and the chunk goes on. A chunk of new
products is written together instead, every table at once, when that answers exactly alike
(domain/product_batches.py). Under
`REJECT_EVERYTHING` the whole batch is one chunk, committed only when no row was refused, so a refusal anywhere
writes nothing at all (the bus bounds a batch's rows, so one transaction stays short). A transient conflict in a
chunk (a concurrent command got in the way) rolls the chunk back and runs it again, as the bus does for one
command. A dry run rolls every chunk back; its ledger carries what each chunk would have written to the chunks
after it (domain/dry_runs.py).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from domain.dry_runs import DryRunChunk
from domain.idempotency import recall
from domain.model.commands import Command
from domain.model.errors import Conflict, DomainError, Problem
from domain.ports import (
    DryRunLedger,
    Handler,
    IdempotencyClaim,
    Outcome,
    StoreUnavailable,
    TransientConflict,
    UnitOfWorkBatch,
    UnitOfWorkFactory,
)
from domain.product_batches import create_together

log = logging.getLogger(__name__)

DEFAULT_CHUNK_ROWS = 250
"""Rows per transaction under REJECT_FAILED_ROWS: large enough that a commit's cost spreads thin, small enough
that a chunk holds its locks briefly (docs/performance.md, the bulk scenario)."""

DEFAULT_MAX_BATCH_ROWS = 1000
"""Rows of one batch at most (the setting CATALOG_BULK_MAX_ROWS): a REJECT_EVERYTHING batch is one transaction."""


class ErrorPolicy(Enum):
    REJECT_EVERYTHING = "REJECT_EVERYTHING"
    """Any refused row refuses the whole batch: nothing is written."""
    REJECT_FAILED_ROWS = "REJECT_FAILED_ROWS"
    """Valid rows are written, refused rows are reported."""


@dataclass(frozen=True, slots=True)
class BatchRow:
    command: Command
    claim: IdempotencyClaim | None = None


class RowRefused(DomainError):
    """A row refused before it ran (not authorized, not an input at all), with its problems."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems[0].message, problems[0].field)
        self.problems = tuple(problems)


RowAnswer = Outcome | DomainError | StoreUnavailable | None
"""A row's answer: written, refused (its own problems), not run because the store failed, or None: valid but
not written because another row of a REJECT_EVERYTHING batch was refused."""


class BatchRunner:
    """Runs rows on a bus's handlers and store; `MessageBus.dispatch_rows` is its door."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, handlers: Mapping[type[Command], Handler], *, max_attempts: int
    ) -> None:
        self._uow_factory = uow_factory
        self._handlers = handlers
        self._max_attempts = max_attempts

    async def run(
        self,
        rows: Sequence[BatchRow | DomainError],
        policy: ErrorPolicy,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        *,
        dry_run: DryRunLedger | None = None,
    ) -> list[RowAnswer]:
        """One answer per row, in order. A row given as a DomainError was refused before (not authorized, a bad
        idempotency key) and is answered with it. `dry_run`: every chunk is rolled back; a row's Outcome says it
        would have been written (after the earlier rows, of this batch and of the earlier batches the ledger
        remembers: domain/dry_runs.py)."""
        answers: list[RowAnswer] = [row if isinstance(row, DomainError) else None for row in rows]
        runnable = [index for index, row in enumerate(rows) if isinstance(row, BatchRow)]
        if policy is ErrorPolicy.REJECT_EVERYTHING:
            chunks = [runnable]
        else:
            chunks = [runnable[start : start + chunk_rows] for start in range(0, len(runnable), chunk_rows)]
        keep = policy is ErrorPolicy.REJECT_FAILED_ROWS and dry_run is None
        # under REJECT_EVERYTHING a row refused before running refuses the batch: its rows run only for their answers
        write = dry_run is None and (keep or len(runnable) == len(rows))
        for chunk in chunks:
            batch = [rows[index] for index in chunk]
            assert all(isinstance(row, BatchRow) for row in batch)
            try:
                chunk_answers = await self._run_chunk(batch, keep=keep, write=write, dry_run=dry_run)  # type: ignore[arg-type]
            except StoreUnavailable as error:
                chunk_answers = [error] * len(chunk)
            for index, answer in zip(chunk, chunk_answers, strict=True):
                answers[index] = answer
        refused = any(not isinstance(answer, Outcome) for answer in answers)
        if policy is ErrorPolicy.REJECT_EVERYTHING and dry_run is None and refused:
            answers = [answer if not isinstance(answer, Outcome) else None for answer in answers]
        return answers

    async def _run_chunk(
        self, rows: list[BatchRow], *, keep: bool, write: bool, dry_run: DryRunLedger | None
    ) -> list[RowAnswer]:
        """`keep`: commit the rows that succeeded; otherwise commit only when every row did, and `write`."""
        dry = None if dry_run is None else DryRunChunk(dry_run, [r.command for r in rows], [r.claim for r in rows])
        for attempt in range(1, self._max_attempts + 1):
            try:
                answers = await self._uow_factory.run(lambda: self._attempt(rows, keep=keep, write=write, dry=dry))
            except TransientConflict:
                log.info("batch rows=%d attempt=%d retrying after a transient conflict", len(rows), attempt)
                await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 7)))
                continue
            if dry is not None:
                dry.remember()
            return answers
        refusal = Conflict("the batch met too many concurrent changes; try again")
        return [refusal] * len(rows)

    async def _attempt(
        self, rows: list[BatchRow], *, keep: bool, write: bool, dry: DryRunChunk | None
    ) -> list[RowAnswer]:
        async with self._uow_factory.batch() as batch:
            seen = batch if dry is None else await dry.restore(batch, self._handlers)
            new = seen.new_products
            together = None
            if new is not None:
                together = await create_together(new, [row.command for row in rows], [row.claim for row in rows])
            answers = together if together is not None else [await self._run_row(seen, row) for row in rows]
            if dry is not None:
                await dry.look_back(batch, answers)
            if keep or (write and all(isinstance(answer, Outcome) for answer in answers)):
                await batch.commit()
            return answers

    async def _run_row(self, batch: UnitOfWorkBatch, row: BatchRow) -> RowAnswer:
        handler = self._handlers[type(row.command)]
        try:
            async with batch() as uow:
                if row.claim is not None:
                    recalled = await recall(uow, row.claim)
                    if recalled is not None:
                        return recalled
                    uow.claim(row.claim)
                return await handler(row.command, uow)
        except DomainError as error:
            if row.claim is None:
                return error
            async with batch() as uow:  # a racing twin's success, seen from the loser's side (see the bus)
                return await recall(uow, row.claim) or error
