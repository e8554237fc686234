"""The query cost limit: a validation rule that refuses queries whose result could grow too large.

A field costs 1 plus the cost of its selections; a field with a `first` argument multiplies the cost of its
selections by that page size (the literal, the variable's default, the argument's default, or the largest page
when a variable has no default). Introspection fields are free; depth and size have their own limits.

A search's `filter` adds `FILTER_VALUE_COST` per value it filters by (each brand, each attribute name and value):
each is written into several facet contexts of the one Elasticsearch request (`read_index/facet_layout.py`).
Literal lists count as written; a list (or the whole filter) given as a variable counts at the most the reader
accepts (`read_index/search.py`), since validation runs once per query text, before variables are known.

A bulk mutation's `inputs` multiply the cost of its selections by its rows: a literal list's length, or for a
variable the most rows a batch may have (`bulk_max_rows`); a longer list is refused when it runs.
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
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
)

from read_index.search import MAX_ATTRIBUTE_FILTERS, MAX_ATTRIBUTE_VALUES, MAX_FILTER_VALUES

PAGE_ARGUMENT = "first"
MAX_PAGE_SIZE = 100
FILTER_ARGUMENT = "filter"
ROWS_ARGUMENT = "inputs"
FILTER_VALUE_COST = 10
_MOST_ATTRIBUTE_VALUES = MAX_ATTRIBUTE_FILTERS + MAX_ATTRIBUTE_VALUES  # a name each, and their values
_MOST_FILTER_VALUES = MAX_FILTER_VALUES + _MOST_ATTRIBUTE_VALUES  # brands, and attributes
_MAX_ROWS = "$bulk rows"  # the bound, passed among the variables' defaults: no variable can have this name


def cost_limit_rule(max_cost: int, max_rows: int = 1000) -> type[ValidationRule]:
    class QueryCostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            root = _root_type(self.context, node.operation)
            if root is None:
                return
            defaults: dict[str, Any] = {
                definition.variable.name.value: definition.default_value
                for definition in node.variable_definitions or ()
            }
            defaults[_MAX_ROWS] = max_rows
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
    filtering = FILTER_VALUE_COST * _filter_values(node) if FILTER_ARGUMENT in definition.args else 0
    if node.selection_set is None:
        return 1 + filtering
    child = get_named_type(definition.type)
    if not isinstance(child, GraphQLObjectType):
        return 1 + filtering
    inner = _selection_cost(context, child, node.selection_set, defaults, fragments_seen)
    multiplier = 1
    if PAGE_ARGUMENT in definition.args:
        multiplier = _page_size(node, definition.args[PAGE_ARGUMENT].default_value, defaults)
    if ROWS_ARGUMENT in definition.args:
        rows = next((arg.value for arg in node.arguments or () if arg.name.value == ROWS_ARGUMENT), None)
        multiplier = _count(_items(rows), defaults[_MAX_ROWS])
    return 1 + filtering + multiplier * inner


def _filter_values(node: FieldNode) -> int:
    """How many values the field's `filter` argument filters by: brands, attribute names and their values."""
    value = next((arg.value for arg in node.arguments or () if arg.name.value == FILTER_ARGUMENT), None)
    if isinstance(value, VariableNode):
        return _MOST_FILTER_VALUES
    if not isinstance(value, ObjectValueNode):
        return 0  # absent or null
    fields = {field.name.value: field.value for field in value.fields}
    brands = _count(_items(fields.get("brands")), MAX_FILTER_VALUES)
    attributes = _items(fields.get("attributes"))
    if isinstance(attributes, VariableNode):
        return brands + _MOST_ATTRIBUTE_VALUES
    return brands + sum(_attribute_values(item) for item in attributes)


def _attribute_values(item: ValueNode) -> int:
    if isinstance(item, VariableNode):
        return 1 + MAX_FILTER_VALUES
    if not isinstance(item, ObjectValueNode):
        return 0
    values = next((field.value for field in item.fields if field.name.value == "values"), None)
    return 1 + _count(_items(values), MAX_FILTER_VALUES)


def _items(value: ValueNode | None) -> list[ValueNode] | VariableNode:
    """The items of a list argument (a single value is a list of one), or the variable that stands for it."""
    if value is None or isinstance(value, NullValueNode):
        return []
    if isinstance(value, VariableNode):
        return value
    return list(value.values) if isinstance(value, ListValueNode) else [value]


def _count(items: list[ValueNode] | VariableNode, most: int) -> int:
    return most if isinstance(items, VariableNode) else len(items)


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
