"""Documents of one root field run as what they are, one command or one read, without graphql-core's generic
execution.

A mutation request names one command field (or one bulk command field) and passes its input (its inputs) as a
variable; a query names one root field (`product`, `searchProducts`...) with its arguments as variables. That is
how clients send them. graphql-core handles such a request like any other (an executor and its per-request
bookkeeping, a depth walk of every variable value before coercing it, an async reduction over the root fields,
strawberry's resolver wrapping and argument conversion again), which is the larger part of a command's GraphQL
cost and of a by-id read's (docs/performance.md, findings 16, 23 and 30).

For a document of that shape this module makes a plan once (cached by the checked document): the variable
types and their coercion, the field's strawberry arguments, and the compiled completion of its selection. A
request then coerces its variables as graphql-core's own `coerce_input_value` does (`variable_coercion`, which
hands anything but a plain value to `coerce_input_value` itself), leaves out the arguments whose variable it
does not give (the resolver's default applies, which is the schema's), converts them with strawberry's
`convert_arguments` (which uses the input builders), runs the command through `mutations.run_command` (a bulk
command through `bulk.run_bulk`) or the read through its `root_queries` function, as the resolvers do, and
completes the result with the plan. An argument whose input objects all have builders is coerced straight into
its Python value (`variable_coercion.Into`) and not converted again; a value that coercion declines goes
graphql-core's way and is converted.

Anything else takes graphql-core's path, which reports errors its usual way: a document of another shape
(several fields, literals, defaults, directives, fragments the completion cannot compile, an input type that
nests itself) gets no plan, and a request whose variables are invalid, or null or missing where the type is
non-null, is handed back (`None`) before anything runs. A read whose result the compiled completion cannot
complete exactly as graphql-core would (a null where the schema says non-null) is handed back too, and runs
again on graphql-core's path: a read has no effect to repeat; a command's result is always plain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    Undefined,
    VariableNode,
    coerce_input_value,
    is_input_type,
    located_error,
    type_from_ast,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import StrawberryArgument, convert_arguments
from strawberry.types.field import StrawberryField

from api.bounded_cache import BoundedCache
from api.fastpath.plain_trees import CompletionFallback, plain_completion
from api.fastpath.variable_coercion import Coerce, Declined, Into, coercer
from api.schema.bulk import BULK_MUTATIONS, run_bulk
from api.schema.document_size import retained_bytes
from api.schema.input_commands import COMMANDS
from api.schema.mutations import run_command
from api.schema.root_queries import ROOT_QUERIES

PLAN_CACHE_SIZE = 256

Complete = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Argument:
    name: str
    variable: str
    type: GraphQLInputType
    coerce: Coerce | None
    """Its values' coercion made once for the type (`variable_coercion`); None: graphql-core's for every value."""
    python_name: str | None
    """Set when `coerce` gives the argument's Python value (its input objects built): its name among the
    resolver's arguments."""

    def coerced(self, value: Any) -> tuple[Any, bool]:
        """The value as graphql-core coerces it, or Undefined when graphql-core refuses it; and whether it is
        the Python value already."""
        if self.coerce is not None:
            try:
                return self.coerce(value), self.python_name is not None
            except Declined:
                pass
        return coerce_input_value(value, self.type), False

    @property
    def required(self) -> bool:
        """Non-null: a null or missing value is graphql-core's to refuse."""
        return isinstance(self.type, GraphQLNonNull)


@dataclass(frozen=True, slots=True)
class RootPlan:
    operation: OperationType
    field: str
    node: FieldNode
    nullable: bool
    arguments: list[_Argument]
    strawberry_arguments: list[StrawberryArgument]
    complete: Complete
    converter: GraphQLCoreConverter

    @property
    def key(self) -> str:
        return self.node.alias.value if self.node.alias else self.node.name.value

    async def run(self, variables: dict[str, Any] | None, context: Any) -> ExecutionResult | None:
        """The field's result; None when the request needs graphql-core's path (nothing run, or a read to run
        again there)."""
        arguments = self._coerced(variables or {})
        if arguments is None:
            return None
        coerced, built = arguments
        converter = self.converter
        try:
            kwargs = convert_arguments(coerced, self.strawberry_arguments, converter.scalar_registry, converter.config)
            kwargs.update(built)
            return ExecutionResult({self.key: self.complete(await self._resolve(context, kwargs))})
        except Exception as error:
            if isinstance(error, CompletionFallback) and self.operation is OperationType.QUERY:
                return None
            # as graphql-core reports it: located, and null up to the nearest nullable field
            return ExecutionResult(
                {self.key: None} if self.nullable else None, [located_error(error, [self.node], [self.key])]
            )

    def _coerced(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The arguments as graphql-core's `get_argument_values` gives them, but those coerced into their Python
        values, which come apart by their Python names; None if graphql-core would refuse them."""
        coerced: dict[str, Any] = {}
        built: dict[str, Any] = {}
        for argument in self.arguments:
            value = values.get(argument.variable)
            if value is None:
                if argument.required:
                    return None
                if argument.variable in values:
                    coerced[argument.name] = None
                continue
            coerced_value, is_built = argument.coerced(value)
            if coerced_value is Undefined:
                return None
            if is_built:
                built[argument.python_name] = coerced_value  # type: ignore[index]
            else:
                coerced[argument.name] = coerced_value
        return coerced, built

    async def _resolve(self, context: Any, kwargs: dict[str, Any]) -> Any:
        if self.operation is OperationType.QUERY:
            return await ROOT_QUERIES[self.field](context, **kwargs)
        if self.field in BULK_MUTATIONS:
            return await run_bulk(context, BULK_MUTATIONS[self.field], kwargs["inputs"], kwargs.get("error_policy"))
        return await run_command(context, self.field, **kwargs)


class RootPlans:
    """Plans by checked document (kept alive here, so ids stay unique), including the documents without one;
    bounded by entries and by the bytes the documents keep alive, like the checked documents themselves."""

    def __init__(
        self,
        schema: GraphQLSchema,
        converter: GraphQLCoreConverter,
        into: Mapping[str, Into],
        max_bytes: int,
        size: int = PLAN_CACHE_SIZE,
    ) -> None:
        self._schema = schema
        self._converter = converter
        self._into = into
        # Coercers depend on the type alone, and compiling one costs about a millisecond (a bulk mutation's
        # inputs): made once per type, not once per document. Validated documents give a variable its argument's
        # type or a stricter non-null form of it, so the schema bounds the keys.
        self._coercers: dict[tuple[str, bool], Coerce | None] = {}
        self.plans: BoundedCache[tuple[int, str | None], tuple[DocumentNode, RootPlan | None]] = BoundedCache(
            size, max_bytes
        )

    def plan(self, document: DocumentNode, operation: OperationDefinitionNode) -> RootPlan | None:
        key = (id(document), operation.name.value if operation.name else None)
        entry = self.plans.get(key)
        if entry is not None and entry[0] is document:
            return entry[1]
        plan = self._make(document, operation)
        self.plans.put(key, (document, plan), retained_bytes(document))
        return plan

    def _make(self, document: DocumentNode, operation: OperationDefinitionNode) -> RootPlan | None:
        kind = operation.operation
        root_type = self._schema.mutation_type if kind is OperationType.MUTATION else self._schema.query_type
        if kind is OperationType.SUBSCRIPTION or operation.directives or root_type is None:
            return None
        selections = operation.selection_set.selections
        if len(selections) != 1 or not isinstance(selections[0], FieldNode) or selections[0].directives:
            return None
        node = selections[0]
        name = node.name.value
        definition = root_type.fields.get(name)
        if definition is None:
            return None
        nullable = not isinstance(definition.type, GraphQLNonNull)
        if kind is OperationType.MUTATION:
            # (a nullable root would make a failed command's data {key: null}; the contract has none)
            known = (name in COMMANDS or name in BULK_MUTATIONS) and not nullable
        else:
            known = name in ROOT_QUERIES
        if not known:
            return None
        field: StrawberryField = definition.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        names = self._converter.config.name_converter
        python_names = {names.get_graphql_name(argument): argument.python_name for argument in field.arguments}
        arguments = self._arguments(operation, node, python_names)
        if arguments is None:
            return None
        # an argument left out takes its default (bulk mutations' errorPolicy): the resolver's own, as strawberry
        # leaves it out of the arguments it converts
        given = {argument.name for argument in arguments}
        if not given <= set(definition.args) or any(
            name not in given and argument.default_value is Undefined for name, argument in definition.args.items()
        ):
            return None
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        complete = plain_completion(definition.type, [node], fragments)
        if complete is None:
            return None
        return RootPlan(kind, name, node, nullable, arguments, field.arguments, complete, self._converter)

    def _arguments(
        self, operation: OperationDefinitionNode, node: FieldNode, python_names: dict[str, str]
    ) -> list[_Argument] | None:
        """Each argument given as a whole variable, each variable used once, none with a default."""
        declared: dict[str, GraphQLInputType] = {}
        for definition in operation.variable_definitions or ():
            type_ = type_from_ast(self._schema, definition.type)
            if definition.default_value is not None or definition.directives or not is_input_type(type_):
                return None
            declared[definition.variable.name.value] = type_
        arguments = []
        for argument in node.arguments or ():
            value = argument.value
            if not isinstance(value, VariableNode) or value.name.value not in declared:
                return None
            type_ = declared.pop(value.name.value)
            if _nests_itself(type_):
                return None
            name = argument.name.value
            building = self._coercer(type_, building=True) if name in python_names else None
            coerce: Coerce | None
            python_name: str | None
            if building is not None:
                coerce, python_name = building, python_names[name]
            else:
                coerce, python_name = self._coercer(type_), None
            arguments.append(_Argument(name, value.name.value, type_, coerce, python_name))
        return None if declared else arguments

    def _coercer(self, type_: GraphQLInputType, *, building: bool = False) -> Coerce | None:
        """`variable_coercion.coercer` of the type, building input objects or not, made once."""
        key = (str(type_), building)
        if key not in self._coercers:
            self._coercers[key] = coercer(type_, self._into if building else None)
        return self._coercers[key]


def _nests_itself(type_: Any, seen: frozenset[str] = frozenset()) -> bool:
    """Whether values of `type_` can nest without bound: graphql-core then checks their depth before coercing."""
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    if not isinstance(type_, GraphQLInputObjectType):
        return False
    if type_.name in seen:
        return True
    return any(_nests_itself(field.type, seen | {type_.name}) for field in type_.fields.values())
