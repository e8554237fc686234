"""`catalog import`: a file's rows as bulk commands, chunk by chunk, each row as its mutation would run it.

Rows are read one at a time and sent in chunks (one transaction each, domain/batches.py), so memory stays
bounded whatever the file's size. Every row carries an idempotency key made of the file's digest and its line
number, under the importer's own caller: running the same file again (after an interruption, say) answers the
rows already written with their first outcome and writes them no second time. A refused row is reported (line,
field, code, message) in the error report and the import goes on. A dry run rolls every chunk back and
remembers what it would have written in a ledger on disk, which the next chunks meet (domain/dry_runs.py).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from graphql import GraphQLInputObjectType, GraphQLSchema, get_nullable_type

from api.catalog_files.dry_run_ledger import SqliteDryRunLedger
from api.catalog_files.formats import BadLine, read_rows
from api.catalog_files.inputs import RowRejected, input_object
from api.schema.input_commands import COMMANDS
from domain.batches import BatchRow, ErrorPolicy, RowAnswer, RowRefused
from domain.bus import CommandContext, MessageBus
from domain.model.errors import DomainError, ErrorCode, Problem
from domain.ports import Outcome, StoreUnavailable

IMPORTER = "catalog-import"
"""The caller the importer's idempotency keys belong to."""
CHUNK_ROWS = 500
REPORT_COLUMNS = ("line", "field", "code", "message")

KINDS: dict[str, str] = {"products": "createProduct", "stock": "receiveStock"}
"""What a file holds -> the mutation whose input each row is."""


@dataclass(slots=True)
class ImportSummary:
    rows: int = 0
    written: int = 0
    refused: int = 0


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()[:32]


async def import_file(
    bus: MessageBus,
    schema: GraphQLSchema,
    path: Path,
    *,
    file_format: str,
    kind: str,
    report: TextIO,
    dry_run: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] = lambda rows: None,
) -> ImportSummary:
    """Imports every row of `path`; refused rows go to `report` (CSV: line, field, code, message)."""
    mutation = KINDS[kind]
    input_type = _input_type(schema, mutation)
    key_prefix = f"import:{file_digest(path)}:"
    errors = csv.writer(report)
    errors.writerow(REPORT_COLUMNS)
    summary = ImportSummary()
    ledger = SqliteDryRunLedger() if dry_run else nullcontext(None)
    with path.open(encoding="utf-8", newline="") as file, ledger as earlier:
        for chunk in _chunks(read_rows(file, file_format), chunk_rows):
            lines = [number for number, _ in chunk]
            rows = [_batch_row(row, input_type, mutation, key_prefix + str(number)) for number, row in chunk]
            answers = await bus.dispatch_rows(
                rows, ErrorPolicy.REJECT_FAILED_ROWS, chunk_rows=chunk_rows, dry_run=earlier
            )
            for line, answer in zip(lines, answers, strict=True):
                if isinstance(answer, Outcome):
                    summary.written += 1
                else:
                    summary.refused += 1
                    for problem in _problems(answer):
                        errors.writerow((line, problem.field or "", problem.code.value, problem.message))
            summary.rows += len(chunk)
            progress(len(chunk))
    return summary


def _chunks(rows: Iterator[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _input_type(schema: GraphQLSchema, mutation: str) -> GraphQLInputObjectType:
    """The type of the mutation's `input` argument in the served schema."""
    assert schema.mutation_type is not None
    input_type = get_nullable_type(schema.mutation_type.fields[mutation].args["input"].type)
    assert isinstance(input_type, GraphQLInputObjectType)
    return input_type


def _batch_row(
    row: dict[str, Any] | BadLine, input_type: GraphQLInputObjectType, mutation: str, key: str
) -> BatchRow | DomainError:
    if isinstance(row, BadLine):
        return RowRefused([Problem(ErrorCode.VALIDATION, str(row))])
    if "idempotencyKey" in row:
        return RowRefused([Problem(ErrorCode.VALIDATION, "the importer sets the key itself", "idempotencyKey")])
    try:
        input = input_object(input_type, row)
    except RowRejected as rejected:
        return RowRefused(rejected.problems)
    return MessageBus.row(COMMANDS[mutation](input), CommandContext(IMPORTER, key))


def _problems(answer: RowAnswer) -> tuple[Problem, ...]:
    if isinstance(answer, DomainError):
        return answer.problems
    if isinstance(answer, StoreUnavailable):
        return (Problem(ErrorCode.UNAVAILABLE, f"the database could not run the row: {answer}"),)
    return ()
