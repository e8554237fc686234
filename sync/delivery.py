"""Delivers index operations until Elasticsearch has acknowledged each one, or refused it too often.

One `_bulk` request per call to `apply`. What fails is sent again, and only what failed: operations that failed
retryably (Elasticsearch down, 429, 5xx) are retried for as long as it takes, with capped exponential backoff;
operations refused as invalid (a 400 such as a mapping error) are retried up to `max_attempts` times and then
handed back, so that the caller dead-letters their records. Nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from elasticsearch import ApiError, AsyncElasticsearch

from read_index.projections import IndexOp
from read_index.writer import BulkReport, OpFailure, apply
from sync.retry import Backoff, Outage, pause

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivered:
    applied: int
    stale: int
    refused: list[OpFailure]
    """Operations refused `max_attempts` times: their records belong in the dead letters."""
    seconds: float


def _key(op: IndexOp) -> tuple[str, str, int]:
    return op.read_model, op.doc_id, op.version


class Deliverer:
    def __init__(
        self,
        client: AsyncElasticsearch,
        prefix: str,
        *,
        max_attempts: int,
        backoff_base: float,
        backoff_cap: float,
        outage: Outage,
        indices: Mapping[str, str] | None = None,
        on_retry: Callable[[], None] | None = None,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._outage = outage
        self._indices = indices
        self._on_retry = on_retry

    async def deliver(self, ops: Sequence[IndexOp], halt: asyncio.Event) -> Delivered:
        """Raises `Interrupted` if `halt` is set while waiting to retry."""
        started = time.perf_counter()
        pending = list(ops)
        refusals: dict[tuple[str, str, int], int] = {}
        refused: list[OpFailure] = []
        applied = stale = 0
        backoff = Backoff(self._backoff_base, self._backoff_cap)
        while pending:
            report = await self._bulk(pending)
            applied += report.applied
            stale += report.stale
            retry = [failure.op for failure in report.retryable]
            if report.retryable:
                self._outage.failed(report.retryable[0].error)
            else:
                self._outage.recovered()
            for failure in report.permanent:
                key = _key(failure.op)
                refusals[key] = refusals.get(key, 0) + 1
                if refusals[key] >= self._max_attempts:
                    refused.append(failure)
                else:
                    retry.append(failure.op)
                    log.info("event=operation_refused attempt=%d error=%r", refusals[key], failure.error[:300])
            if retry:
                if self._on_retry is not None:
                    self._on_retry()
                await pause(backoff.next_delay(), halt)
            pending = retry
        return Delivered(applied, stale, refused, time.perf_counter() - started)

    async def _bulk(self, ops: list[IndexOp]) -> BulkReport:
        try:
            return await apply(self._client, self._prefix, ops, self._indices)
        except ApiError as error:
            # A whole request refused in a way the writer does not call retryable (say, 400 on the request
            # itself, or 401): nothing tells which record is at fault, so the batch waits, loudly, for a fix.
            message = f"{error.meta.status} {error.message}"
            return BulkReport(failures=[OpFailure(op, error.meta.status, message, retryable=True) for op in ops])
