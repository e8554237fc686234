"""Text analysis done in Python, identically for documents and queries.

The managed local node is Elasticsearch's integ-test distribution, which has no ``analysis-common`` module: no
``english`` analyzer, no stemmers, no ``asciifolding``, no ``edge_ngram`` (and no ``mapper-extras``: no
``search_as_you_type``, no ``scaled_float``). So the index keeps to the built-in ``standard`` analyzer and the
``lowercase`` normalizer, and this module prepares the text that goes into the ``search.*`` fields and the text
of each query the same way: accents folded, case folded, words split, plurals stemmed. Because both sides go
through the same function, matching is exact whatever the engine's distribution.

The stemmer folds plurals only, in the spirit of Harman's S-stemmer (Lucene's *minimal English*), but also
strips the ``s`` of "shoes" and "trees": in product search, folding plurals ("chairs" -> "chair", "batteries" ->
"battery", "glasses" -> "glass") finds what shoppers mean, while an aggressive stemmer (Porter: "running" ->
"run", "organic" -> "organ") mostly costs precision. Fuzzy matching covers the rest ("boxes" -> "boxe" ~ "box").
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"['\u2019]s\b")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Accents removed, case folded, runs of white space made one space: 'Crème  Brûlée' -> 'creme brulee'."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SPACES.sub(" ", bare.casefold()).strip()


def stem(word: str) -> str:
    """The plural stem of one folded word."""
    if len(word) < 3 or word[-1] != "s" or word[-2] in "ius":
        return word
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ies") and len(word) > 4 and word[-4] not in "ae":
        return word[:-3] + "y"
    return word[:-1]


def words(text: str) -> list[str]:
    """The folded words of a text, possessives dropped ("Bob's" -> "bob")."""
    return _WORD.findall(_POSSESSIVE.sub("", fold(text)))


def stemmed(text: str) -> str:
    """The text as the ``search.*`` fields hold it and as queries against them are written."""
    return " ".join(stem(word) for word in words(text))
