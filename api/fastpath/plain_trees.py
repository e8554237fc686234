"""A faster completion of plain result trees, with graphql-core's own semantics whenever it matters.

graphql-core completes every field of a result on its own: a resolve info, a resolver call, a check for
awaitables and a coercion per field; for a page of products with facets (hundreds of fields) that bookkeeping
costs more than the Elasticsearch request behind it (docs/performance.md).

Below a root resolver, every field of this schema is *plain*: it has the default resolver and reads one key of
a dict (or attribute of an object) the root resolver already returned. For such a subtree this executor
compiles the selection once (per document, cached) into a few nested closures that build the response
directly. Anything it does not handle, such as directives, fragments on abstract types, a resolver of its own,
or a value that is null where the schema says non-null or that fails coercion, makes it fall back to
graphql-core for that subtree, which then reports errors exactly as it always does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import partial
from typing import Any, ClassVar

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLString,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from api.bounded_cache import BoundedCache
from api.schema.document_size import retained_bytes
from api.schema.scalars import PASS_THROUGH_SCALARS

Complete = Callable[[Any], Any]
PLAN_CACHE_SIZE = 2048
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


class CompletionFallback(Exception):
    """The fast path cannot complete this value exactly as graphql-core would."""


class _NotPlain(Exception):
    """The selection needs something the fast path does not do."""


class PlainTreeExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with plain subtrees completed by compiled plans. Use a subclass made by
    `plain_tree_executor()`, which owns its plan cache (this class alone completes everything the usual way)."""

    plans: ClassVar[PlanCache | None] = None

    def complete_value(  # noqa: PLR0917 - graphql-core's signature
        self,
        return_type: GraphQLOutputType,
        field_details_list: list[FieldDetails],
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if self.plans is not None and result is not None and not isinstance(result, Exception):
            plan = self.plans.get(return_type, field_details_list, info.fragments)
            if plan is not None:
                with suppress(Exception):  # graphql-core completes it again and reports any error its way
                    return plan(result)
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)


def plain_tree_executor(max_bytes: int, cache_size: int = PLAN_CACHE_SIZE) -> type[PlainTreeExecutor]:
    """An executor class with a plan cache of its own (graphql-core instantiates the class per request)."""

    class Executor(PlainTreeExecutor):
        plans = PlanCache(cache_size, max_bytes)

    return Executor


class PlanCache:
    """Plans by the identity of the field nodes they were compiled for (kept alive here, so ids stay unique);
    bounded by entries and by the bytes the nodes' documents keep alive."""

    def __init__(self, size: int, max_bytes: int) -> None:
        self.entries: BoundedCache[tuple[int, ...], tuple[tuple[Any, ...], Complete | None]] = BoundedCache(
            size, max_bytes
        )

    def compiled(self) -> int:
        """How many selections have a plan (the others go graphql-core's way)."""
        return sum(1 for _, plan in self.entries.values() if plan is not None)

    def get(
        self,
        return_type: GraphQLOutputType,
        field_details_list: list[FieldDetails],
        fragments: dict[str, FragmentDefinitionNode],
    ) -> Complete | None:
        owners = (return_type, *(details.node for details in field_details_list))
        key = tuple(map(id, owners))
        entry = self.entries.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], owners, strict=True)):
            return entry[1]
        plan = _compile_root(return_type, field_details_list, fragments)
        self.entries.put(key, (owners, plan), retained_bytes(field_details_list[0].node))
        return plan


def _compile_root(
    return_type: GraphQLOutputType,
    field_details_list: list[FieldDetails],
    fragments: dict[str, FragmentDefinitionNode],
) -> Complete | None:
    if any(details.defer_usage is not None or details.fragment_variable_values for details in field_details_list):
        return None
    return plain_completion(return_type, [details.node for details in field_details_list], fragments)


def plain_completion(
    return_type: GraphQLOutputType, nodes: list[FieldNode], fragments: dict[str, FragmentDefinitionNode]
) -> Complete | None:
    """The compiled completion of a value of `return_type` selected by `nodes`; None if it is not plain. The
    function raises when a value needs graphql-core's completion (a null where the schema says non-null, a
    value that fails coercion)."""
    try:
        return _Compiler(fragments).function(return_type, nodes)
    except _NotPlain:
        return None


class _Compiler:
    """Generates Python source for completing one selection and compiles it once.

    Each object type of the selection gets a function that reads its fields in a straight line (a dict lookup,
    a type check) and builds the response with one dict display, several times faster than a generic loop.
    Only names and literals enter the source: response keys and python names (GraphQL names, written with
    `repr`) and the generated names `n<i>` of objects bound in the namespace (types, functions, enum tables).
    """

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self._fragments = fragments
        self._namespace: dict[str, Any] = {"partial": partial, "Fallback": CompletionFallback}
        self._count = 0

    def function(self, type_: GraphQLOutputType, nodes: list[FieldNode]) -> Complete:
        """A function completing a value of `type_` (null included) selected by `nodes`."""
        lines = ["def complete(value):", *self._value(type_, nodes, "value", 1), "    return value"]
        return self._compile(lines, f"value of {type_}")

    def _object(self, type_: GraphQLObjectType, nodes: list[FieldNode]) -> Complete:
        grouped: dict[str, list[FieldNode]] = {}
        for node in nodes:
            if node.selection_set is None:
                raise _NotPlain
            _collect(type_, node.selection_set, self._fragments, grouped, set())
        lines = ["def complete(source):", "    get = source.get if type(source) is dict else partial(getattr, source)"]
        keys = []
        for i, (key, field_nodes) in enumerate(grouped.items()):
            keys.append(f"{key!r}: v{i}")
            name = field_nodes[0].name.value
            if name == "__typename":
                lines.append(f"    v{i} = {type_.name!r}")
                continue
            definition = type_.fields.get(name)
            if definition is None or definition.args or not getattr(definition.resolve, "_is_default", False):
                raise _NotPlain
            python_name = definition.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].python_name
            lines.append(f"    v{i} = get({python_name!r})")
            lines += self._value(definition.type, field_nodes, f"v{i}", 1)
        lines.append("    return {" + ", ".join(keys) + "}")
        return self._compile(lines, f"object {type_.name}")

    def _value(self, type_: GraphQLOutputType, nodes: list[FieldNode], var: str, depth: int) -> list[str]:
        """Lines that turn the raw value in `var` into its completed value, or raise."""
        pad = "    " * depth
        if isinstance(type_, GraphQLNonNull):
            return [
                f"{pad}if {var} is None:",
                f"{pad}    raise Fallback",
                *self._present(type_.of_type, nodes, var, depth),
            ]
        return [f"{pad}if {var} is not None:", *self._present(type_, nodes, var, depth + 1)]

    def _present(self, type_: GraphQLOutputType, nodes: list[FieldNode], var: str, depth: int) -> list[str]:
        """Lines completing a `var` known not to be null."""
        pad = "    " * depth
        if isinstance(type_, GraphQLList):
            item = self._bind(self.function(type_.of_type, nodes))
            return [
                f"{pad}if type({var}) is not list and type({var}) is not tuple:",
                f"{pad}    raise Fallback",
                f"{pad}{var} = [{item}(element) for element in {var}]",
            ]
        if isinstance(type_, GraphQLObjectType):
            return [f"{pad}{var} = {self._bind(self._object(type_, nodes))}({var})"]
        if isinstance(type_, GraphQLEnumType):
            names = {definition.value: name for name, definition in type_.values.items()}
            return [f"{pad}{var} = {self._bind(names)}[{var}]"]
        if not isinstance(type_, GraphQLScalarType):
            raise _NotPlain
        coerce = self._bind(partial(_coerced, type_))
        if type_.name == GraphQLInt.name:
            check = f"type({var}) is int and {_INT_MIN} <= {var} <= {_INT_MAX}"
        elif type_.name in _PASS_THROUGH:
            check = f"type({var}) is {self._bind(_PASS_THROUGH[type_.name])}"
        else:
            return [f"{pad}{var} = {coerce}({var})"]
        return [f"{pad}if not ({check}):", f"{pad}    {var} = {coerce}({var})"]

    def _bind(self, value: object) -> str:
        name = f"n{self._count}"
        self._count += 1
        self._namespace[name] = value
        return name

    def _compile(self, lines: list[str], label: str) -> Complete:
        namespace = dict(self._namespace)
        exec(compile("\n".join(lines), f"<completion of {label}>", "exec"), namespace)
        complete: Complete = namespace["complete"]
        return complete


_PASS_THROUGH: dict[str, type] = {
    GraphQLString.name: str,
    GraphQLID.name: str,
    GraphQLBoolean.name: bool,
    GraphQLFloat.name: float,
    **PASS_THROUGH_SCALARS,
}


def _coerced(type_: GraphQLScalarType, value: Any) -> Any:
    coerced = type_.coerce_output_value(value)
    if coerced is None:
        raise CompletionFallback
    return coerced


def _collect(
    type_: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    grouped: dict[str, list[FieldNode]],
    visited: set[str],
) -> None:
    """Groups the selections by response key, as graphql-core's field collection does for an object type."""
    for selection in selection_set.selections:
        if selection.directives:
            raise _NotPlain
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            grouped.setdefault(key, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            _require_condition(type_, selection.type_condition.name.value if selection.type_condition else None)
            _collect(type_, selection.selection_set, fragments, grouped, visited)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in visited:
                continue
            visited.add(name)
            fragment = fragments.get(name)
            if fragment is None or fragment.directives or _has_variables(fragment):
                raise _NotPlain
            _require_condition(type_, fragment.type_condition.name.value)
            _collect(type_, fragment.selection_set, fragments, grouped, visited)
        else:
            raise _NotPlain


def _require_condition(type_: GraphQLObjectType, condition: str | None) -> None:
    """Only fragments on this very type (or untyped) are plain; abstract conditions go the general way."""
    if condition is not None and condition != type_.name:
        raise _NotPlain


def _has_variables(fragment: FragmentDefinitionNode) -> bool:
    definitions: Iterable[Any] = getattr(fragment, "variable_definitions", None) or ()
    return bool(list(definitions))
