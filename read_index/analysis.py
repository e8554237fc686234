"""Text analysis done in Python, identically for documents and queries.

The managed local node is Elasticsearch's integ-test distribution, which has no ``analysis-common`` module: no
``english`` analyzer, no stemmers, no ``asciifolding``, no ``edge_ngram`` (and no ``mapper-extras``: no
``search_as_you_type``, no ``scaled_float``). So the index keeps to the built-in ``standard`` analyzer and the
``lowercase`` normalizer, and this module prepares the text that goes into the ``search.*`` fields and the text
of each query the same way: accents folded, case folded, words split, plurals stemmed. Because both sides go
through the same function, matching is exact whatever the engine's distribution.

The stemmer is Snowball's English stemmer (Porter2, from PyStemmer), the algorithm family of Elasticsearch's
``english`` analyzer: "chairs", "running" and "batteries" match "chair", "run" and "battery".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"['\u2019]s\b")


def fold(text: str) -> str:
    """Accents removed, case folded, runs of white space made one space: 'Crème  Brûlée' -> 'creme brulee'."""
    # str.split() splits on exactly the characters `\s` matches, and is several times faster than the regex
    return " ".join(_fold_characters(text).split())


def _fold_characters(text: str) -> str:
    """Accents removed and case folded; white space left as it is."""
    if text.isascii():  # most catalog text: nothing to decompose, and far cheaper than NFKD
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@lru_cache(maxsize=1)
def _english() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """The English stem of one folded word."""
    return str(_english().stemWord(word))


def words(text: str) -> list[str]:
    """The folded words of a text, possessives dropped ("Bob's" -> "bob")."""
    return folded_words(_fold_characters(text))


def folded_words(folded: str) -> list[str]:
    """`words` of a text already folded (by `fold`)."""
    if "'" in folded or "\u2019" in folded:  # the substitution costs more than the test that skips it
        folded = _POSSESSIVE.sub("", folded)
    return _WORD.findall(folded)


def stemmed(text: str) -> str:
    """The text as the ``search.*`` fields hold it and as queries against them are written."""
    return stemmed_words(words(text))


def stemmed_words(folded_words: list[str]) -> str:
    """``stemmed`` for words already split by :func:`words`."""
    return " ".join(_english().stemWords(folded_words))


@lru_cache(maxsize=1 << 16)
def stemmed_label(text: str) -> str:
    """``stemmed`` for the short texts a catalog repeats (brands, categories, attribute values), remembered."""
    return stemmed(text)
