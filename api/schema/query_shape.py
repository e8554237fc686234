"""Validation rules that bound a query's shape: how deep its selections nest and how many aliases it uses.

Measured on valid documents only (the protection runs graphql's own rules first), so every fragment spread
names a known fragment. Each refusal is an error without a path, which the HTTP edge types as VALIDATION; the
messages are the ones strawberry's QueryDepthLimiter and MaxAliasesLimiter have always given here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    ValidationRule,
)

from domain.model.quoting import quoted

Fragments = dict[str, FragmentDefinitionNode]


def max_depth_rule(max_depth: int) -> type[ValidationRule]:
    """Refuses selections nested deeper than `max_depth` fields (introspection fields are not followed): one
    error, located there, per selection that starts beyond the limit."""

    class QueryDepthLimit(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            fragments = _fragments(node)
            operations = {
                (definition.name.value if definition.name else "anonymous"): definition
                for definition in node.definitions
                if isinstance(definition, OperationDefinitionNode)
            }
            for name, operation in operations.items():
                for selection in _beyond(operation.selection_set, fragments, max_depth, 0, frozenset()):
                    message = f"{quoted(name)} exceeds maximum operation depth of {max_depth}"
                    self.report_error(GraphQLError(message, selection))

    return QueryDepthLimit


def max_aliases_rule(max_aliases: int) -> type[ValidationRule]:
    """Refuses a document whose operations alias more than `max_aliases` fields, counted as executed (a
    fragment counts each time it is spread)."""

    class QueryAliasLimit(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            fragments = _fragments(node)
            total = sum(
                _aliases(definition.selection_set, fragments, frozenset())
                for definition in node.definitions
                if isinstance(definition, OperationDefinitionNode)
            )
            if total > max_aliases:
                self.report_error(GraphQLError(f"{total} aliases found. Allowed: {max_aliases}"))

    return QueryAliasLimit


def _fragments(document: DocumentNode) -> Fragments:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _beyond(
    selection_set: SelectionSetNode, fragments: Fragments, limit: int, depth: int, spread: frozenset[str]
) -> Iterator[SelectionNode]:
    """The selections that start deeper than `limit`; `depth` counts the fields above `selection_set`, and
    `spread` the fragments already followed on the way (a cycle ends there)."""
    for selection in selection_set.selections:
        if depth > limit:
            yield selection
        elif isinstance(selection, FieldNode):
            if selection.selection_set is not None and not selection.name.value.startswith("__"):
                yield from _beyond(selection.selection_set, fragments, limit, depth + 1, spread)
        elif isinstance(selection, InlineFragmentNode):
            yield from _beyond(selection.selection_set, fragments, limit, depth, spread)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spread:
            name = selection.name.value
            yield from _beyond(fragments[name].selection_set, fragments, limit, depth, spread | {name})


def _aliases(selection_set: SelectionSetNode, fragments: Fragments, spread: frozenset[str]) -> int:
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            count += selection.alias is not None
            if selection.selection_set is not None:
                count += _aliases(selection.selection_set, fragments, spread)
        elif isinstance(selection, InlineFragmentNode):
            count += _aliases(selection.selection_set, fragments, spread)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in spread:
                count += _aliases(fragments[name].selection_set, fragments, spread | {name})
    return count
