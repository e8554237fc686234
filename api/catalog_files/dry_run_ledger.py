"""What `catalog import --dry-run` remembers of its earlier chunks (`ports.DryRunLedger`, domain/dry_runs.py): a
temporary SQLite database on disk, deleted when the dry run ends.

Why on disk: the ledger holds every product and receipt the file's rows would have written, up to the last row, as
the catalog's own database would; a Python set of a 1 000 000-row file's skus and slugs (and the commands that
write the products again) would grow with the file. SQLite keeps them in B-trees on disk behind its page cache
(2 MiB by default), and its primary keys and indices answer a chunk's lookups (a sku, a slug) without reading the
rest. It is the standard library's: a dry run needs no server and no new dependency. Why not the catalog's
database itself, one transaction kept open for the whole file: on SQLite it would hold the write lock, keeping
every other writer out, for as long as the dry run takes; on PostgreSQL an open transaction that appended outbox
records holds back what the sync worker may read.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from domain.model.commands import CreateProduct
from domain.ports import KeptProduct

_SCHEMA = """
CREATE TABLE products (id INTEGER PRIMARY KEY, slug TEXT NOT NULL, command BLOB NOT NULL);
CREATE INDEX products_by_slug ON products (slug);
CREATE TABLE skus (sku TEXT PRIMARY KEY, product INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE receipts (sku TEXT PRIMARY KEY, quantity INTEGER NOT NULL) WITHOUT ROWID;
CREATE TEMP TABLE wanted (key TEXT NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
"""
_MEETING = """
SELECT command FROM products WHERE id IN (
    SELECT product FROM skus JOIN wanted ON kind = 'sku' AND key = skus.sku
    UNION
    SELECT products.id FROM products JOIN wanted ON kind = 'slug' AND key = products.slug
) ORDER BY id
"""
_SLUGS_TAKEN = "SELECT DISTINCT slug FROM products JOIN wanted ON kind = 'slug' AND key = products.slug"
_RECEIVED = "SELECT receipts.sku, quantity FROM receipts JOIN wanted ON kind = 'sku' AND key = receipts.sku"


class SqliteDryRunLedger:
    """Use it as a context manager: the database file goes when the block ends."""

    def __init__(self) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix="catalog-dry-run-")
        # One chunk at a time, but on the catalog's SQLite writer thread when the catalog is a SQLite file.
        self._db = sqlite3.connect(Path(self._directory.name) / "ledger.db", check_same_thread=False)
        # scratch: no journal, no syncs; any failure ends the dry run, and the file with it
        self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)

    def keep(self, products: Sequence[KeptProduct], receipts: Sequence[tuple[str, int]]) -> None:
        with self._db:  # one transaction, committed at the end
            for product in products:
                row = self._db.execute(
                    "INSERT INTO products (slug, command) VALUES (?, ?)", (product.slug, pickle.dumps(product.command))
                )
                rows = [(sku, row.lastrowid) for sku in product.skus]
                self._db.executemany("INSERT OR IGNORE INTO skus (sku, product) VALUES (?, ?)", rows)
            self._db.executemany(
                "INSERT INTO receipts (sku, quantity) VALUES (?, ?)"
                " ON CONFLICT (sku) DO UPDATE SET quantity = quantity + excluded.quantity",
                receipts,
            )

    def products_meeting(self, skus: Iterable[str], slugs: Iterable[str]) -> Iterator[CreateProduct]:
        self._want([("sku", sku) for sku in skus] + [("slug", slug) for slug in slugs])
        for (command,) in self._db.execute(_MEETING):  # one at a time
            kept = pickle.loads(command)  # this process's own pickles, in its own temporary file
            assert isinstance(kept, CreateProduct)
            yield kept

    def slugs_taken(self, slugs: Iterable[str]) -> set[str]:
        self._want([("slug", slug) for slug in slugs])
        return {slug for (slug,) in self._db.execute(_SLUGS_TAKEN)}

    def received(self, skus: Iterable[str]) -> dict[str, int]:
        self._want([("sku", sku) for sku in skus])
        return dict(self._db.execute(_RECEIVED).fetchall())

    def _want(self, keys: list[tuple[str, str]]) -> None:
        with self._db:
            self._db.execute("DELETE FROM wanted")
            self._db.executemany("INSERT OR IGNORE INTO wanted (kind, key) VALUES (?, ?)", keys)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._db.close()
        self._directory.cleanup()
