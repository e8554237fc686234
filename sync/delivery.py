"""Delivers index operations until Elasticsearch has acknowledged each one, or refused it too often.

One `_bulk` request per call to `apply`. What fails is sent again, and only what failed: operations that failed
retryably (Elasticsearch down, 429, 5xx) are retried for as long as it takes, with capped exponential backoff;
operations refused as invalid (a 400 such as a mapping error) are retried up to `max_attempts` times and then
handed back, so that the caller dead-letters their records. Nothing is dropped silently.

Operations Elasticsearch would refuse as stale are not sent at all: the deliverer remembers the versions it saw
acknowledged (`AcknowledgedVersions`) and drops an operation at or below one of them, which is what makes
re-delivered and shuffled streams cheap.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from types import MappingProxyType

from elasticsearch import ApiError, AsyncElasticsearch

from read_index.projections import IndexOp
from read_index.writer import BulkReport, OpFailure, apply
from sync.retry import Backoff, Outage, pause

log = logging.getLogger(__name__)

REMEMBERED_VERSIONS = 100_000


@dataclass(frozen=True, slots=True)
class Delivered:
    applied: int
    """Operations acknowledged, plus those skipped as already acknowledged."""
    stale: int
    """Of `applied`, those the index already had at an equal or newer version (409, or skipped)."""
    refused: list[OpFailure]
    """Operations refused `max_attempts` times: their records belong in the dead letters."""
    seconds: float


class AcknowledgedVersions:
    """The newest version Elasticsearch acknowledged per (read model, id), for the `capacity` documents
    acknowledged most recently (about 150 bytes each).

    An acknowledgement of version v (applied, or refused with 409 because the index had a newer one) means the
    index holds v or newer, and with external versioning it refuses anything at or below it: dropping such an
    operation before the request changes nothing but the cost. Only acknowledgements count, never operations in
    flight (one could still be refused). Forget everything whenever the index may have lost writes.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._versions: dict[tuple[str, str], int] = {}
        self.generation = 0
        """Counts `forget()` calls: what was filtered under an older generation may have to be sent after all."""

    @property
    def versions(self) -> Mapping[tuple[str, str], int]:
        """The acknowledged versions, read-only (for `read_index.projections.project`)."""
        return MappingProxyType(self._versions)

    def newer(self, ops: Sequence[IndexOp]) -> list[IndexOp]:
        """The operations of `ops` not known to be at or below an acknowledged version."""
        known = self._versions
        return [op for op in ops if op.version > known.get((op.read_model, op.doc_id), 0)]

    def remember(self, ops: Iterable[IndexOp]) -> None:
        if self._capacity <= 0:
            return
        versions = self._versions
        for op in ops:
            key = (op.read_model, op.doc_id)
            known = versions.pop(key, 0)  # re-inserted: the newest acknowledgements are evicted last
            versions[key] = max(known, op.version)
        excess = len(versions) - self._capacity
        if excess > 0:
            for key in list(islice(versions, excess)):  # dicts keep insertion order: the oldest come first
                del versions[key]

    def forget(self) -> None:
        self._versions.clear()
        self.generation += 1

    def __len__(self) -> int:
        return len(self._versions)


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
        remembered_versions: int = REMEMBERED_VERSIONS,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._outage = outage
        self._indices = indices
        self._on_retry = on_retry
        self.acknowledged = AcknowledgedVersions(remembered_versions)

    async def deliver(self, ops: Sequence[IndexOp], halt: asyncio.Event) -> Delivered:
        """Raises `Interrupted` if `halt` is set while waiting to retry."""
        started = time.perf_counter()
        pending = self.acknowledged.newer(ops)
        skipped = len(ops) - len(pending)
        refusals: dict[tuple[str, str, int], int] = {}
        refused: list[OpFailure] = []
        applied = stale = skipped
        backoff = Backoff(self._backoff_base, self._backoff_cap)
        while pending:
            report = await self._bulk(pending)
            applied += report.applied
            stale += report.stale
            self._remember(pending, report)
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

    def _remember(self, sent: list[IndexOp], report: BulkReport) -> None:
        if report.retryable:  # the cluster is in trouble: it may come back without some of its writes
            self.acknowledged.forget()
            return
        if not report.failures:
            self.acknowledged.remember(sent)
            return
        failed = {id(failure.op) for failure in report.failures}
        self.acknowledged.remember(op for op in sent if id(op) not in failed)

    async def _bulk(self, ops: list[IndexOp]) -> BulkReport:
        try:
            return await apply(self._client, self._prefix, ops, self._indices)
        except ApiError as error:
            # A whole request refused in a way the writer does not call retryable (say, 400 on the request
            # itself, or 401): nothing tells which record is at fault, so the batch waits, loudly, for a fix.
            message = f"{error.meta.status} {error.message}"
            return BulkReport(failures=[OpFailure(op, error.meta.status, message, retryable=True) for op in ops])
