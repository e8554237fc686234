"""The benchmark's command line: what each option resolves to when given, left out, or with --quick."""

from __future__ import annotations

from bench.cli import parse


def test_the_import_file_has_100_000_rows_unless_told() -> None:
    assert parse([]).import_rows == 100_000


def test_import_rows_sets_the_import_files_size() -> None:
    assert parse(["--import-rows", "1000000"]).import_rows == 1_000_000


def test_quick_imports_the_quick_catalogs_size_at_most_5_000_rows() -> None:
    assert parse(["--quick"]).import_rows == 2_000
    assert parse(["--quick", "--products", "400"]).import_rows == 400
    assert parse(["--quick", "--products", "50000"]).import_rows == 5_000
    assert parse(["--quick", "--import-rows", "20000"]).import_rows == 20_000
