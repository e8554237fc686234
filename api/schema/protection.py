"""What keeps a query from costing too much: size, depth, aliases, cost, introspection; and the document cache.

`Protection.check` parses a query text with a token limit and validates it with graphql's specified rules, then
with the limits (depth and aliases from `query_shape`, cost from `query_cost`, and graphql's rule against
introspection when it is switched off). With introspection off, refusals also keep the schema to themselves:
graphql-core's "Did you mean ...?" suggestions are left out (`hide_suggestions`), here and wherever the served
schema coerces variables. Public graphql-core only. The outcome is cached by a hash of the text, bounded by
entries and by the bytes its documents keep alive (`document_size`; least recently used out), so the repeated
queries of a storefront are parsed and validated once and large distinct ones cannot pile up. (The HTTP edge
bounds the text itself, `CATALOG_MAX_QUERY_BYTES`, before it gets here.) The served schema
calls it before anything runs, on either path; `GuardedDocuments` hands the checked document to strawberry's
`schema.execute`. Each refusal is an error without a path, which the HTTP edge types as VALIDATION.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    parse,
    specified_rules,
    validate,
)
from strawberry.extensions import SchemaExtension

from api.bounded_cache import BoundedCache
from api.schema.document_size import retained_bytes, text_bytes
from api.schema.query_cost import cost_limit_rule
from api.schema.query_shape import max_aliases_rule, max_depth_rule
from api.settings import Settings

CACHE_SIZE = 1024


class Checked:
    """A query text's document (None when it does not parse) and its errors (empty when it may run)."""

    __slots__ = ("document", "errors")

    def __init__(self, document: DocumentNode | None, errors: list[GraphQLError]) -> None:
        self.document = document
        self.errors = errors


class Protection:
    """The limits of one schema, built once, and its cache of checked documents."""

    def __init__(self, settings: Settings, cache_size: int = CACHE_SIZE) -> None:
        limits: list[type[ASTValidationRule]] = [
            max_depth_rule(settings.max_query_depth),
            max_aliases_rule(settings.max_query_aliases),
            cost_limit_rule(settings.max_query_cost, settings.bulk_max_rows),
        ]
        if not settings.introspection:
            limits.append(NoSchemaIntrospectionCustomRule)
        self.limits = tuple(limits)
        self.hide_suggestions = not settings.introspection
        self.max_tokens = settings.max_query_tokens
        self.checked: BoundedCache[bytes, Checked] = BoundedCache(cache_size, settings.query_cache_bytes)

    def check(self, schema: GraphQLSchema, query: str) -> Checked:
        key = query_key(query)
        checked = self.checked.get(key)
        if checked is not None:
            return checked
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLError as error:
            checked = Checked(None, [error])
            weight = text_bytes(query)
        else:
            checked = Checked(document, self._validate(schema, document))
            weight = retained_bytes(document)
        self.checked.put(key, checked, weight)
        return checked

    def _validate(self, schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
        """The limits are measured on valid documents only (the depth rule assumes known fragments)."""
        hide = self.hide_suggestions
        errors = validate(schema, document, specified_rules, hide_suggestions=hide)
        return errors or validate(schema, document, self.limits, hide_suggestions=hide)

    def extension(self) -> SchemaExtension:
        """A per-request extension for `schema.execute` (strawberry calls this factory)."""
        return GuardedDocuments(self)


def query_key(query: str) -> bytes:
    """The cache key of a query text: its SHA-256 (the text itself would be one more copy to keep)."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()


class GuardedDocuments(SchemaExtension):
    def __init__(self, protection: Protection) -> None:
        super().__init__()
        self._protection = protection

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            checked = self._protection.check(context.schema._schema, context.query)
            if checked.document is None:  # strawberry parses it again and reports the same error
                context.parse_options["max_tokens"] = self._protection.max_tokens
            else:
                context.graphql_document = checked.document
                context.pre_execution_errors = checked.errors
        yield
