"""The served schema: queries, mutations, their scalars, its protection and how its operations run.

`ServedSchema.execute` is the HTTP endpoint's path. Both ways start alike: the checked document from
`Protection` (cached by query text), and the operation it names; a request that fails there is answered from
those checks. Then, with the fast path (`settings.fast_path`), `api.fastpath.direct_execution` runs it (a
command plan for a one-command mutation document, graphql-core with compiled plain trees for the rest);
without it, strawberry's own `schema.execute` does, with the checked document handed over by the protection's
extension. Both share the resolvers, so they behave alike.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import ExecutionResult, FieldNode, GraphQLError, GraphQLSchema, execute, get_operation_ast
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from api.fastpath.direct_execution import DirectExecution
from api.fastpath.plain_trees import plain_tree_executor
from api.schema.mutations import Mutation
from api.schema.protection import Protection
from api.schema.queries import Query
from api.schema.scalars import SCALARS
from api.settings import Settings


def resolve_plain(source: Any, name: str) -> object:
    """Reads a field from the reader's plain data: dicts by key (absent means null), anything else by attribute."""
    if type(source) is dict:
        return source.get(name)
    return getattr(source, name)


class CatalogSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Errors are logged (unexpected ones) and shown (typed) at the HTTP edge, once; see api.app."""


class ServedSchema:
    def __init__(self, settings: Settings) -> None:
        self.protection = Protection(settings)
        executor = plain_tree_executor() if settings.fast_path else None
        self.strawberry = CatalogSchema(
            query=Query,
            mutation=Mutation,
            extensions=[self.protection.extension],
            config=StrawberryConfig(
                scalar_map=SCALARS,
                default_resolver=resolve_plain,
                disable_field_suggestions=not settings.introspection,
            ),
            execution_context_class=executor,
        )
        # graphql-core's schema, which strawberry keeps as `_schema` (it offers no other way to it)
        self.graphql: GraphQLSchema = self.strawberry._schema
        self.direct = DirectExecution(self.strawberry, executor) if executor is not None else None

    def as_sdl(self) -> str:
        return self.strawberry.as_str()

    def operation_label(self, query: str, operation_name: str | None) -> str | None:
        """What a request runs, for logs: the operation's name (given, or named in the document), else its first
        root field (`searchProducts`); None for a document that does not parse."""
        checked = self.protection.check(self.graphql, query)
        operation = get_operation_ast(checked.document, operation_name) if checked.document else None
        if operation is None:
            return operation_name
        if operation.name is not None:
            return operation.name.value
        first = operation.selection_set.selections[0] if operation.selection_set.selections else None
        return first.name.value if isinstance(first, FieldNode) else operation_name

    async def execute(
        self, query: str, variables: dict[str, Any] | None, context: Any, operation_name: str | None
    ) -> ExecutionResult:
        """Runs a query or mutation; never raises for a bad request (the errors say what is wrong)."""
        checked = self.protection.check(self.graphql, query)
        if checked.document is None or checked.errors:
            return ExecutionResult(None, checked.errors)
        operation = get_operation_ast(checked.document, operation_name)
        if operation is None:  # graphql-core words the refusal (unknown name, or a name needed), running nothing
            refused = execute(self.graphql, checked.document, operation_name=operation_name)
            assert isinstance(refused, ExecutionResult)
            return refused
        if self.direct is not None:
            return await self.direct.execute(checked.document, operation, variables, context, operation_name)
        result = await self.strawberry.execute(query, variables, context, operation_name=operation_name)
        return ExecutionResult(result.data, result.errors)


def build_schema(settings: Settings) -> ServedSchema:
    return ServedSchema(settings)
