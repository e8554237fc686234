"""Which GraphQL answers a browser or a CDN may keep, and the headers that say so.

Only an anonymous GET (no Authorization header) of a query whose root fields are all public catalog reads, and
whose answer is a success (200, no errors), is public: `Cache-Control: public, max-age=N`
(`CATALOG_PUBLIC_MAX_AGE_SECONDS`), an `ETag` (a hash of the body), and `Vary: Authorization`. A request naming
that ETag in `If-None-Match` is answered 304 without a body. Everything else the endpoint answers, orders,
authenticated requests, mutations and errors included, is `no-store` (`api.http_answers`).
"""

from __future__ import annotations

import hashlib

from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

from api.http_answers import JSON_HEADERS, Answer, Headers

PUBLIC_ROOT_FIELDS = frozenset(
    {"product", "productBySku", "searchProducts", "suggestProducts", "stockLevel", "__typename", "__schema", "__type"}
)
"""Root fields whose answers are the same for everyone: the catalog. A new root field is private until named."""


class CachePolicy:
    def __init__(self, max_age_seconds: int) -> None:
        self._cache_control = f"public, max-age={max_age_seconds}".encode()

    def public(self, body: bytes) -> Answer:
        """A successful public answer, with the headers that let caches keep it."""
        headers: Headers = (
            (b"cache-control", self._cache_control),
            (b"etag", entity_tag(body)),
            (b"vary", b"Authorization"),
        )
        return Answer(200, body, JSON_HEADERS + headers)

    @staticmethod
    def revalidated(answer: Answer, if_none_match: str | None) -> Answer:
        """304 without a body when `if_none_match` names the public answer's ETag; the answer otherwise."""
        tag = dict(answer.headers).get(b"etag")
        if tag is None or if_none_match is None or not _matches(if_none_match, tag.decode()):
            return answer
        return Answer(304, b"", tuple((name, value) for name, value in answer.headers if name != b"content-type"))


def entity_tag(body: bytes) -> bytes:
    return b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'


def public_fields_only(selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]) -> bool:
    """Whether every root field an operation selects (through fragments too) is a public one."""
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value not in PUBLIC_ROOT_FIELDS:
                return False
        elif isinstance(selection, InlineFragmentNode):
            if not public_fields_only(selection.selection_set, fragments):
                return False
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None or not public_fields_only(fragment.selection_set, fragments):
                return False
    return True


def _matches(if_none_match: str, tag: str) -> bool:
    """RFC 9110's weak comparison of `tag` with each entity tag listed in If-None-Match (or `*`)."""
    listed = {candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")}
    return "*" in listed or tag in listed
