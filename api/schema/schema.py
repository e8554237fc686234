"""The served schema: queries, mutations, their scalars, its protection and its executor.

`ServedSchema.execute` is the HTTP endpoint's path: the checked document from `Protection` (cached by query
text), then, for a mutation document that is one command, its `CommandPlan`; for everything else graphql-core's
`execute` with `PlainTreeExecutor`. No per-request extension machinery. The
strawberry schema (`.strawberry`) stays usable as such: `schema.execute` applies the same protection through
an extension. Both share the resolvers, so they behave alike.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeGuard, cast

import strawberry
from graphql import ExecutionResult, GraphQLError, GraphQLSchema, OperationType, execute, get_operation_ast
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry.types.base import StrawberryObjectDefinition

from api.schema.command_path import CommandPaths
from api.schema.execution import plain_tree_executor
from api.schema.input_builders import install as install_input_builders
from api.schema.mutations import Mutation
from api.schema.protection import Protection
from api.schema.queries import Query
from api.schema.scalars import SCALARS
from api.settings import Settings

IS_AWAITABLE = cast(Callable[[Any], TypeGuard[Awaitable[Any]]], optimized_is_awaitable)


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
        self.executor = plain_tree_executor()
        self.strawberry = CatalogSchema(
            query=Query,
            mutation=Mutation,
            extensions=[self.protection.extension],
            config=StrawberryConfig(
                scalar_map=SCALARS,
                default_resolver=resolve_plain,
                disable_field_suggestions=not settings.introspection,
            ),
            execution_context_class=self.executor,
        )
        self.graphql: GraphQLSchema = self.strawberry._schema
        converter = self.strawberry.schema_converter
        definitions = [
            concrete.definition
            for concrete in converter.type_map.values()
            if isinstance(concrete.definition, StrawberryObjectDefinition)
        ]
        install_input_builders(definitions, converter.config, converter.scalar_registry)
        self.commands = CommandPaths(self.graphql, converter)

    def as_sdl(self) -> str:
        return self.strawberry.as_str()

    def operation_label(self, query: str, operation_name: str | None) -> str | None:
        """The name of the operation a request runs, for logs: given, or else named in the document."""
        checked = self.protection.check(self.graphql, query)
        operation = get_operation_ast(checked.document, operation_name) if checked.document else None
        if operation is not None and operation.name is not None:
            return operation.name.value
        return operation_name

    async def execute(
        self, query: str, variables: dict[str, Any] | None, context: Any, operation_name: str | None
    ) -> ExecutionResult:
        """Runs a query or mutation; never raises for a bad request (the errors say what is wrong)."""
        checked = self.protection.check(self.graphql, query)
        if checked.document is None or checked.errors:
            return ExecutionResult(None, checked.errors)
        operation = get_operation_ast(checked.document, operation_name)
        if operation is not None and operation.operation is OperationType.SUBSCRIPTION:
            return ExecutionResult(None, [GraphQLError("subscriptions are not served", operation)])
        if operation is not None and operation.operation is OperationType.MUTATION:
            plan = self.commands.plan(checked.document, operation)
            answered = None if plan is None else await plan.run(variables, context)
            if answered is not None:
                return answered
        result = execute(
            self.graphql,
            checked.document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            executor_class=self.executor,
            is_awaitable=IS_AWAITABLE,
        )
        if inspect.isawaitable(result):
            result = await result
        assert isinstance(result, ExecutionResult)
        return result


def build_schema(settings: Settings) -> ServedSchema:
    return ServedSchema(settings)
