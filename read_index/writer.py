"""Applies index operations in one ``_bulk`` request and says, per operation, what went wrong and whether to retry.

Every operation is versioned externally with the aggregate's version, so a version conflict means an equal or
newer state is already indexed: it counts as applied. A delete of a missing document likewise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch

from read_index.indices import alias_name
from read_index.projections import IndexOp
from read_index.transport import post_ndjson

_FILTER_PATH = "errors,items.*.status,items.*.error.type,items.*.error.reason"
# Failures a later attempt may cure: the cluster is busy or broken, or the alias is not created yet.
_RETRYABLE_TYPES = frozenset({"index_not_found_exception", "es_rejected_execution_exception"})


@dataclass(frozen=True, slots=True)
class OpFailure:
    op: IndexOp
    status: int
    error: str
    retryable: bool


@dataclass(frozen=True, slots=True)
class BulkReport:
    """`applied` counts acknowledged operations, `stale` those of them the index already had newer."""

    applied: int = 0
    stale: int = 0
    failures: list[OpFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def retryable(self) -> list[OpFailure]:
        return [failure for failure in self.failures if failure.retryable]

    @property
    def permanent(self) -> list[OpFailure]:
        return [failure for failure in self.failures if not failure.retryable]


async def apply(
    client: AsyncElasticsearch, prefix: str, ops: list[IndexOp], indices: Mapping[str, str] | None = None
) -> BulkReport:
    """Writes `ops` to the aliases of `prefix`, or to the concrete `indices` given per read model (a rebuild).

    Writes through an alias require the alias to exist, so a write before `ensure_indices` fails (retryably)
    instead of creating an index with a guessed mapping. A request that fails as a whole with a retryable
    cause (transport error, 429, 5xx) is reported as every operation failed retryably; other errors propagate.
    """
    if not ops:
        return BulkReport()
    targets = dict(indices) if indices is not None else {}
    lines: list[bytes] = []
    for op in ops:
        target = targets.get(op.read_model) or alias_name(prefix, op.read_model)
        lines.extend(_op_lines(op, target))
    params = {"refresh": "false", "filter_path": _FILTER_PATH}
    if indices is None:
        params["require_alias"] = "true"
    try:
        response = await post_ndjson(client, "/_bulk", lines, params)
    except ApiError as error:
        if not _is_retryable(error.meta.status, None):
            raise
        return _all_failed(ops, error.meta.status, f"{error.error}: {error.message}")
    except TransportError as error:
        return _all_failed(ops, 0, f"{type(error).__name__}: {error.message}")
    if not response.get("errors"):
        return BulkReport(applied=len(ops))
    return _report(ops, response["items"])


def _op_lines(op: IndexOp, target: str) -> list[bytes]:
    meta = {"_index": target, "_id": op.doc_id, "version": op.version, "version_type": "external"}
    if op.document is None:
        return [orjson.dumps({"delete": meta})]
    return [orjson.dumps({"index": meta}), orjson.dumps(op.document)]


def _report(ops: list[IndexOp], items: list[dict[str, Any]]) -> BulkReport:
    applied = stale = 0
    failures: list[OpFailure] = []
    for op, item in zip(ops, items, strict=True):
        result = next(iter(item.values()))
        status: int = result["status"]
        error = result.get("error")
        if error is None:
            applied += 1
        elif status == 409:
            applied += 1
            stale += 1
        else:
            kind = error.get("type", "unknown")
            message = f"{kind}: {error.get('reason', '')}"
            failures.append(OpFailure(op, status, message, _is_retryable(status, kind)))
    return BulkReport(applied=applied, stale=stale, failures=failures)


def _is_retryable(status: int, error_type: str | None) -> bool:
    return status == 429 or status >= 500 or error_type in _RETRYABLE_TYPES


def _all_failed(ops: list[IndexOp], status: int, message: str) -> BulkReport:
    return BulkReport(failures=[OpFailure(op, status, message, retryable=True) for op in ops])
