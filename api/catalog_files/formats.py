"""The two file formats, read and written one row at a time (bounded memory whatever the file's size).

JSON Lines: one JSON object per line, shaped as the mutation's input (`CreateProductInput`, variants nested).
CSV: a header row naming fields by their input path; `price.amount` and `price.currency` build the nested
`price`; the list fields (`categoryPath`, `attributes`, `variants`, `images`) hold JSON text; an empty cell is an
absent field; integer fields (`quantity`) are written as digits. docs/import.md has the layout.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

JSON_COLUMNS = frozenset({"categoryPath", "attributes", "variants", "images"})
INTEGER_COLUMNS = frozenset({"quantity"})
PRODUCT_COLUMNS = (
    "sku",
    "name",
    "description",
    "brand",
    "slug",
    "categoryPath",
    "price.amount",
    "price.currency",
    "attributes",
    "variants",
    "images",
)
STOCK_COLUMNS = ("sku", "quantity")


class BadLine(ValueError):
    """A line that is not a row at all (not JSON, not an object, a cell that is not JSON)."""


def format_of(path: Path, given: str | None) -> str:
    if given is not None:
        return given
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


def read_rows(file: TextIO, file_format: str) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """(line number, row or why it is not one) for every row of the file, from 1."""
    if file_format == "csv":
        yield from _csv_rows(file)
        return
    for number, line in enumerate(file, start=1):
        if line.strip():
            yield number, _json_row(line)


def _json_row(line: str) -> dict[str, Any] | BadLine:
    try:
        row = json.loads(line)
    except ValueError as error:
        return BadLine(f"not JSON: {error}")
    return row if isinstance(row, dict) else BadLine("not a JSON object")


def _csv_rows(file: TextIO) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    reader = csv.DictReader(file)
    for record in reader:
        try:
            yield reader.line_num, _csv_row(record)
        except BadLine as bad:
            yield reader.line_num, bad


def _csv_row(record: dict[str | Any, str | Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column, cell in record.items():
        if column is None or cell is None or cell == "":
            continue
        value: Any = cell
        if column in JSON_COLUMNS:
            try:
                value = json.loads(cell)
            except ValueError as error:
                raise BadLine(f"column {column} is not JSON: {error}") from None
        elif column in INTEGER_COLUMNS and cell.lstrip("-").isdigit() and cell.isascii():
            value = int(cell)
        parent, _, leaf = column.rpartition(".")
        target = row
        for part in filter(None, parent.split(".")):
            target = target.setdefault(part, {})
        target[leaf] = value
    return row


class RowWriter:
    """Writes rows in one of the formats."""

    def __init__(self, file: TextIO, file_format: str, columns: tuple[str, ...]) -> None:
        self._file = file
        self._csv: csv.DictWriter[str] | None = None
        if file_format == "csv":
            self._csv = csv.DictWriter(file, fieldnames=columns)
            self._csv.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        if self._csv is None:
            self._file.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            return
        cells: dict[str, Any] = {}
        for column in self._csv.fieldnames:
            value: Any = row
            for part in column.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if value is not None:
                cells[column] = json.dumps(value, ensure_ascii=False) if column in JSON_COLUMNS else value
        self._csv.writerow(cells)
