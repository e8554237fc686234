"""A checked operation run directly: a document of one root field (a command, a read) from its cached plan
(`root_plans`), anything else through graphql-core's `execute` with plain trees completed by compiled plans. No
per-request extension machinery: the served schema has done the checks (protection, operation) before."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeGuard, cast

import strawberry
from graphql import DocumentNode, ExecutionResult, OperationDefinitionNode, execute
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.types.base import StrawberryObjectDefinition

from api.fastpath.input_builders import install as install_input_builders
from api.fastpath.plain_trees import PlainTreeExecutor
from api.fastpath.root_plans import RootPlans

IS_AWAITABLE = cast(Callable[[Any], TypeGuard[Awaitable[Any]]], optimized_is_awaitable)


class DirectExecution:
    """Built once per schema, after the strawberry schema (built with `executor`, from `plain_tree_executor()`),
    whose converter it reads and whose input types get their builders here."""

    def __init__(
        self,
        schema: strawberry.Schema,
        executor: type[PlainTreeExecutor],
        *,
        hide_suggestions: bool = False,
        plan_cache_bytes: int,
    ) -> None:
        self.graphql = schema._schema
        self.executor = executor
        self.hide_suggestions = hide_suggestions
        converter = schema.schema_converter
        definitions = [
            concrete.definition
            for concrete in converter.type_map.values()
            if isinstance(concrete.definition, StrawberryObjectDefinition)
        ]
        self.into = install_input_builders(definitions, converter.config, converter.scalar_registry)
        self.roots = RootPlans(self.graphql, converter, self.into, plan_cache_bytes)

    async def execute(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any] | None,
        context: Any,
        operation_name: str | None,
    ) -> ExecutionResult:
        plan = self.roots.plan(document, operation)
        answered = None if plan is None else await plan.run(variables, context)
        if answered is not None:
            return answered
        result = execute(
            self.graphql,
            document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            executor_class=self.executor,
            is_awaitable=IS_AWAITABLE,
            hide_suggestions=self.hide_suggestions,
        )
        if inspect.isawaitable(result):
            result = await result
        assert isinstance(result, ExecutionResult)
        return result
