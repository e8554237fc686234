"""The query cost limit: a validation rule that refuses queries whose result could grow too large.

A field costs 1 plus the cost of its selections; a field with a `first` argument multiplies the cost of its
selections by that page size (the literal, the variable's default, the argument's default, or the largest page
when a variable has no default). Introspection fields are free; depth and size have their own limits.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)

PAGE_ARGUMENT = "first"
MAX_PAGE_SIZE = 100


def cost_limit_rule(max_cost: int) -> type[ValidationRule]:
    class QueryCostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            root = _root_type(self.context, node.operation)
            if root is None:
                return
            defaults = {
                definition.variable.name.value: definition.default_value
                for definition in node.variable_definitions or ()
            }
            cost = _selection_cost(self.context, root, node.selection_set, defaults, frozenset())
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"the query could return about {cost} values, more than the limit of {max_cost}; "
                        "ask for fewer fields or smaller pages",
                        node,
                    )
                )

    return QueryCostLimit


def _root_type(context: ValidationContext, operation: OperationType) -> GraphQLObjectType | None:
    schema = context.schema
    return {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation]


def _selection_cost(
    context: ValidationContext,
    parent: GraphQLObjectType,
    selection_set: SelectionSetNode,
    defaults: dict[str, Any],
    fragments_seen: frozenset[str],
) -> int:
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += _field_cost(context, parent, selection, defaults, fragments_seen)
        elif isinstance(selection, InlineFragmentNode):
            total += _selection_cost(context, parent, selection.selection_set, defaults, fragments_seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = context.get_fragment(name)
            if fragment is not None and name not in fragments_seen:
                target = context.schema.get_type(fragment.type_condition.name.value)
                if isinstance(target, GraphQLObjectType):
                    total += _selection_cost(context, target, fragment.selection_set, defaults, fragments_seen | {name})
    return total


def _field_cost(
    context: ValidationContext,
    parent: GraphQLObjectType,
    node: FieldNode,
    defaults: dict[str, Any],
    fragments_seen: frozenset[str],
) -> int:
    name = node.name.value
    definition = parent.fields.get(name)
    if name.startswith("__") or definition is None:
        return 0
    if node.selection_set is None:
        return 1
    child = get_named_type(definition.type)
    if not isinstance(child, GraphQLObjectType):
        return 1
    inner = _selection_cost(context, child, node.selection_set, defaults, fragments_seen)
    multiplier = 1
    if PAGE_ARGUMENT in definition.args:
        multiplier = _page_size(node, definition.args[PAGE_ARGUMENT].default_value, defaults)
    return 1 + multiplier * inner


def _page_size(node: FieldNode, argument_default: Any, defaults: dict[str, Any]) -> int:
    value: Any = next((arg.value for arg in node.arguments or () if arg.name.value == PAGE_ARGUMENT), None)
    if isinstance(value, VariableNode):
        value = defaults.get(value.name.value)
        if value is None:
            return MAX_PAGE_SIZE
    if isinstance(value, IntValueNode):
        return max(0, min(int(value.value), MAX_PAGE_SIZE))
    if value is None and isinstance(argument_default, int):
        return max(0, min(argument_default, MAX_PAGE_SIZE))
    return MAX_PAGE_SIZE
