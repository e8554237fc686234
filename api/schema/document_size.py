"""What a parsed GraphQL document keeps alive, in bytes: the estimate the query caches are bounded by.

A graphql-core document's nodes keep their location, which holds the whole source text and the chain of every
token lexed from it (comments included, each with its own copy of its text). So whatever part of a document a
cache keeps (the document, a field node of it, a plan that closes over one) keeps all of that. Measured with
tracemalloc on checked documents of this schema: 400 to 720 bytes per token beside the text, so the estimate
takes 1 KiB (tests/unit/api/test_document_size.py checks that it covers what a document keeps).
"""

from __future__ import annotations

import sys

from graphql import Node, Token

BYTES_PER_TOKEN = 1024


def retained_bytes(node: Node) -> int:
    """The estimated bytes that `node` (any node of a document parsed with locations) keeps alive."""
    location = node.loc
    if location is None:
        return BYTES_PER_TOKEN
    return text_bytes(location.source.body) + BYTES_PER_TOKEN * _tokens(location.start_token)


def text_bytes(text: str) -> int:
    """A text and one copy of it (comment and string tokens copy their part of the source)."""
    return 2 * sys.getsizeof(text)


def _tokens(token: Token) -> int:
    """The length of the token chain `token` belongs to (doubly linked, from the start of the source to its end)."""
    count = 0
    before = token.prev
    while before is not None:
        count += 1
        before = before.prev
    after: Token | None = token
    while after is not None:
        count += 1
        after = after.next
    return count
