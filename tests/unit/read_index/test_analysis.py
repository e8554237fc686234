"""The text preparation shared by documents and queries."""

from __future__ import annotations

import pytest

from read_index.analysis import fold, stem, stemmed, words


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("chairs", "chair"),
        ("sofas", "sofa"),
        ("batteries", "battery"),
        ("glasses", "glass"),
        ("glass", "glass"),
        ("bus", "bus"),
        ("shoes", "shoe"),
        ("trees", "tree"),
        ("series", "sery"),
        ("analysis", "analysis"),
        ("is", "is"),
        ("chair", "chair"),
    ],
)
def test_stem_folds_plurals_only(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_fold_drops_accents_case_and_extra_spaces() -> None:
    assert fold("  Crème   BRÛLÉE Straße ") == "creme brulee strasse"


def test_words_split_on_punctuation_and_drop_possessives() -> None:
    assert words("Bob's 3-seater sofa, (oak)!") == ["bob", "3", "seater", "sofa", "oak"]


def test_stemmed_text_is_what_documents_and_queries_share() -> None:
    assert stemmed("Oak Dining Chairs") == stemmed("oak dining chair") == "oak dining chair"


def test_text_without_words_stems_to_nothing() -> None:
    assert stemmed('*?\\ "()') == ""
