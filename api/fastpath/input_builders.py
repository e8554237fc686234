"""Input objects built straight from graphql-core's coerced values, through strawberry's own `from_input` hook.

Without the hook, strawberry converts every argument generically on every request: for each field of each
input object it resolves the field's annotation, converts the name and dispatches on the type, which costs
more than the rest of a mutation's GraphQL work (docs/performance.md, finding 9). The types do not change after
the schema is built, so `install` works each input type out once and leaves behind a builder that only copies
values: names are mapped, lists copied, nested inputs built by their own builders. Types with anything it does
not know (enums, generics, lazy or `Maybe` fields, a `from_input` of their own) keep strawberry's path.

The hook is set on the input types' definitions, which every schema built from them shares: a process that
builds a fast-path schema converts inputs this way in any schema it builds afterwards, and a later `install`
finds the builders an earlier one left.

`install` also hands back, by GraphQL type name, how each of those types is made from its fields by their Python
names (`variable_coercion.Into`): a command plan's coercion then builds the objects as it coerces, and strawberry's
conversion is skipped altogether (docs/performance.md, finding 38).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING
from typing import Any
from weakref import WeakSet

from strawberry.scalars import is_scalar
from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    has_object_definition,
)

from api.fastpath.variable_coercion import Into

Convert = Callable[[Any, InputContext], Any]
Build = Callable[[type, Mapping[str, Any], InputContext], Any]


class _Unsupported(Exception):
    """A type this module leaves to strawberry's generic conversion."""


# The builders `install` has set, so that a later call (another schema in the same process) knows them.
_installed: WeakSet[Callable[..., Any]] = WeakSet()


def install(
    definitions: Iterable[StrawberryObjectDefinition], config: StrawberryConfig, scalars: Any
) -> dict[str, Into]:
    """Gives each input type of `definitions` a builder, where every field type is one this module handles.

    Returns how each input type that has one (given now or by an earlier call) is made from its fields' values,
    by its GraphQL name.
    """
    inputs = [d for d in definitions if d.is_input]
    builders: dict[type, Build] = {}
    for definition in inputs:
        if definition.from_input is None:
            try:
                _builder(definition, config, scalars, builders)
            except _Unsupported:
                continue
    made = {}
    for definition in inputs:
        if definition.from_input is None and definition.origin in builders:
            definition.from_input = builders[definition.origin]
            _installed.add(definition.from_input)
        if definition.from_input in _installed:
            made[config.name_converter.from_input_object(definition)] = _into(definition, config)
    return made


def _into(definition: StrawberryObjectDefinition, config: StrawberryConfig) -> Into:
    """How the type is made from its fields' Python values by their Python names: as its builder makes it."""
    implicit = _implicit(definition)
    origin = definition.origin

    def make(values: dict[str, Any]) -> Any:
        return origin(**(implicit | values))

    return Into({config.name_converter.from_field(field): field.python_name for field in definition.fields}, make)


def _implicit(definition: StrawberryObjectDefinition) -> dict[str, None]:
    """As strawberry does: a field without a default is None until the value says otherwise (graphql-core has
    already refused values missing a non-null field)."""
    return {
        field.python_name: None
        for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    }


def _builder(
    definition: StrawberryObjectDefinition, config: StrawberryConfig, scalars: Any, builders: dict[type, Build]
) -> Build:
    """The builder of `definition`, made once and kept in `builders` (with those of the inputs it nests)."""
    origin = definition.origin
    if origin in builders:
        return builders[origin]
    made_before = set(builders)
    # An input that nests itself, directly or not, finds its entry here while it is being made (nested inputs
    # look their builder up when called, so the placeholder itself is never called).
    builders[origin] = _placeholder
    try:
        builders[origin] = _make_builder(definition, config, scalars, builders)
    except _Unsupported:
        for made in set(builders) - made_before:  # and the inputs made for it, which may nest it in turn
            del builders[made]
        raise
    return builders[origin]


def _placeholder(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
    raise AssertionError("an input builder was called before it was made")


def _make_builder(
    definition: StrawberryObjectDefinition, config: StrawberryConfig, scalars: Any, builders: dict[type, Build]
) -> Build:
    implicit = _implicit(definition)
    fields = [
        (
            config.name_converter.from_field(field),
            field.python_name,
            _converter(field.resolve_type(type_definition=definition), config, scalars, builders),
        )
        for field in definition.fields
    ]

    def build(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        kwargs = dict(implicit)
        for graphql_name, python_name, convert in fields:
            if graphql_name in value:
                item = value[graphql_name]
                kwargs[python_name] = item if convert is None or item is None else convert(item, context)
        return cls(**kwargs)

    return build


def _converter(type_: Any, config: StrawberryConfig, scalars: Any, builders: dict[type, Build]) -> Convert | None:
    """How a non-null value of `type_` becomes its Python value; None when it is used as it is."""
    if isinstance(type_, StrawberryMaybe):
        raise _Unsupported
    if isinstance(type_, StrawberryOptional):
        return _converter(type_.of_type, config, scalars, builders)
    if isinstance(type_, StrawberryList):
        item = _converter(type_.of_type, config, scalars, builders)
        if item is None:  # a copy: graphql-core hands every request the same default list
            return lambda value, _context: list(value)
        return lambda value, context: [None if element is None else item(element, context) for element in value]
    if is_scalar(type_, scalars):
        return None
    if has_object_definition(type_) and type_.__strawberry_definition__.is_input:
        nested: type = type_
        _builder(type_.__strawberry_definition__, config, scalars, builders)
        return lambda value, context: builders[nested](nested, value, context)
    raise _Unsupported
