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
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    execute,
    get_operation_ast,
    get_variable_values,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from api.fastpath.direct_execution import DirectExecution
from api.fastpath.plain_trees import plain_tree_executor
from api.schema.bulk import BulkMutation
from api.schema.mutations import Mutation
from api.schema.protection import Protection
from api.schema.queries import Query
from api.schema.scalars import SCALARS
from api.settings import Settings

VARIABLE_ERRORS_REPORTED = 50
"""As many as graphql-core's `execute` reports (its `max_coercion_errors`), so both paths word a refusal alike."""


def resolve_plain(source: Any, name: str) -> object:
    """Reads a field from the reader's plain data: dicts by key (absent means null), anything else by attribute."""
    if type(source) is dict:
        return source.get(name)
    return getattr(source, name)


@strawberry.type(name="Mutation")
class RootMutation(Mutation, BulkMutation):
    """Every mutation: the single commands and the bulk ones."""


class CatalogSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Errors are logged (unexpected ones) and shown (typed) at the HTTP edge, once; see api.app."""


class ServedSchema:
    def __init__(self, settings: Settings) -> None:
        self.protection = Protection(settings)
        executor = plain_tree_executor(settings.query_cache_bytes) if settings.fast_path else None
        self.strawberry = CatalogSchema(
            query=Query,
            mutation=RootMutation,
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
        self.direct = (
            DirectExecution(
                self.strawberry,
                executor,
                hide_suggestions=self.protection.hide_suggestions,
                plan_cache_bytes=settings.query_cache_bytes,
            )
            if executor is not None
            else None
        )

    def as_sdl(self) -> str:
        return self.strawberry.as_str()

    def checked_operation(
        self, query: str, operation_name: str | None
    ) -> tuple[OperationDefinitionNode, dict[str, FragmentDefinitionNode]] | None:
        """The operation a request runs and the document's fragments, when the query passes every check; None
        otherwise (running it reports why)."""
        checked = self.protection.check(self.graphql, query)
        if checked.document is None or checked.errors:
            return None
        operation = get_operation_ast(checked.document, operation_name)
        if operation is None:
            return None
        definitions = checked.document.definitions
        return operation, {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}

    def accepts(self, query: str) -> bool:
        """Whether the query passes every check (its operations may run)."""
        checked = self.protection.check(self.graphql, query)
        return checked.document is not None and not checked.errors

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
        hide_suggestions = self.protection.hide_suggestions
        if operation is None:  # graphql-core words the refusal (unknown name, or a name needed), running nothing
            refused = execute(
                self.graphql, checked.document, operation_name=operation_name, hide_suggestions=hide_suggestions
            )
            assert isinstance(refused, ExecutionResult)
            return refused
        if self.direct is not None:
            return await self.direct.execute(checked.document, operation, variables, context, operation_name)
        if hide_suggestions:
            refused_variables = self._refused_variables(operation, variables)
            if refused_variables is not None:
                return refused_variables
        result = await self.strawberry.execute(query, variables, context, operation_name=operation_name)
        return ExecutionResult(result.data, result.errors)

    def _refused_variables(
        self, operation: OperationDefinitionNode, variables: dict[str, Any] | None
    ) -> ExecutionResult | None:
        """The variables' refusal, worded without suggestions, as graphql-core's `execute` would word it; None when
        they are valid. strawberry's `execute` offers no way to hide suggestions, so its path checks them first."""
        if not operation.variable_definitions:
            return None
        coerced = get_variable_values(
            self.graphql,
            operation.variable_definitions,
            variables or {},
            max_errors=VARIABLE_ERRORS_REPORTED,
            hide_suggestions=True,
        )
        return ExecutionResult(None, coerced) if isinstance(coerced, list) else None


def build_schema(settings: Settings) -> ServedSchema:
    return ServedSchema(settings)
