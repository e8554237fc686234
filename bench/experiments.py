"""Changes to other packages, tried in this process only (`--experiment NAME`), to measure a proposed fix before
it lands: the sync and disorder scenarios run the worker in-process, so they see the patched code; the
`catalog serve` and `catalog reindex` subprocesses do not.

- ``fast-analysis``: ``read_index.analysis`` with an ASCII fast path in ``fold`` (no NFKD, no per-character
  generator: for ASCII text ``casefold`` is ``lower``), ``stemmed`` stemming a text's words in one
  ``stemWords`` call, and short texts (brands, category names, attribute values: few distinct values, repeated
  on every document) memoised. Output identical to the current functions (checked on import of the patch).
- ``sqlite-outbox-range``: ``domain.storage.outbox_store`` reading "after a position" with an index range on
  SQLite (see `_sqlite_outbox_range`). Only valid for the SQLite write model the sync scenario uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from sqlalchemy import ColumnElement, and_

from domain.outbox import OutboxPosition
from domain.storage import outbox_store
from domain.storage.tables import outbox
from read_index import analysis, documents

_SPACES = re.compile(r"\s+")
MEMO_MAX_LENGTH = 64


def _fast_analysis() -> None:
    original_fold, original_stemmed = analysis.fold, analysis.stemmed

    def fold(text: str) -> str:
        if text.isascii():
            return _SPACES.sub(" ", text.lower()).strip()
        return original_fold(text)

    def words(text: str) -> list[str]:
        return analysis._WORD.findall(analysis._POSSESSIVE.sub("", fold(text)))

    def stemmed_uncached(text: str) -> str:
        return " ".join(analysis._english().stemWords(words(text)))

    memo = lru_cache(maxsize=65_536)(stemmed_uncached)

    def stemmed(text: str) -> str:
        return memo(text) if len(text) <= MEMO_MAX_LENGTH else stemmed_uncached(text)

    for sample in ("Crème  Brûlée", "Rustic Oak Coffee Tables", "Bob's Batteries", "Fjord & Field"):
        if (fold(sample), stemmed(sample)) != (original_fold(sample), original_stemmed(sample)):
            raise RuntimeError(f"fast-analysis differs from read_index.analysis on {sample!r}")
    analysis.fold, analysis.words, analysis.stemmed = fold, words, stemmed
    documents.fold, documents.stemmed = fold, stemmed  # type: ignore[attr-defined]


def _sqlite_outbox_range() -> None:
    """SQLite only (every txid is 0 there): ``txid = 0 AND sequence > s`` is an index range; the row-value
    ``(txid, sequence) > (0, s)`` makes SQLite scan every row with ``txid >= 0``, i.e. the whole outbox."""

    def after(position: OutboxPosition) -> ColumnElement[bool]:
        return and_(outbox.c.txid == position.txid, outbox.c.sequence > position.sequence)

    outbox_store._after = after


EXPERIMENTS: dict[str, Callable[[], None]] = {
    "fast-analysis": _fast_analysis,
    "sqlite-outbox-range": _sqlite_outbox_range,
}


def apply(names: list[str]) -> None:
    for name in names:
        EXPERIMENTS[name]()
