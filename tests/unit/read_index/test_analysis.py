"""The text preparation shared by documents and queries."""

from __future__ import annotations

import pytest

from read_index.analysis import fold, stem, stemmed, words


@pytest.mark.parametrize(
    ("form", "base"),
    [
        ("chairs", "chair"),
        ("sofas", "sofa"),
        ("batteries", "battery"),
        ("glasses", "glass"),
        ("shoes", "shoe"),
        ("running", "run"),
        ("lamps", "lamp"),
    ],
)
def test_word_forms_share_their_stem(form: str, base: str) -> None:
    assert stem(form) == stem(base)


def test_different_words_keep_different_stems() -> None:
    assert stem("table") != stem("tablet")


def test_fold_drops_accents_case_and_extra_spaces() -> None:
    assert fold("  Crème   BRÛLÉE Straße ") == "creme brulee strasse"


def test_words_split_on_punctuation_and_drop_possessives() -> None:
    assert words("Bob's 3-seater sofa, (oak)!") == ["bob", "3", "seater", "sofa", "oak"]


def test_stemmed_text_is_what_documents_and_queries_share() -> None:
    assert stemmed("Oak Dining Chairs") == stemmed("oak dining chair") == "oak dine chair"


def test_text_without_words_stems_to_nothing() -> None:
    assert stemmed('*?\\ "()') == ""
