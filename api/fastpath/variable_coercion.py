"""A command plan's variables coerced by a function made once per input type, giving what graphql-core's
`coerce_input_value` gives for every value it accepts as it stands.

`coerce_input_value` walks each value generically: for every field of every row it dispatches on the kind of
type, tracks defaults and out names, and calls the scalar's coercion through a try block. For a bulk mutation's
`inputs` (hundreds of rows of nested inputs) that was the largest share of the GraphQL work left
(docs/performance.md, finding 23). The types do not change after the schema is built, so `coercer` works each
type out once: an input object's fields, which are required and their coerced defaults, its field's coercers;
String, ID, Int and Boolean values checked inline, any other scalar and every enum by the type's own
`coerce_input_value`.

Where graphql-core would do more than copy, check and fill in defaults (a single value given for a list, a
number given for an ID or a String, an Int given as a float) or would refuse the value, the coercer declines
(`Declined`) and the plan hands the request to graphql-core, which coerces it or words the refusal. A type this
module does not know (a oneOf input, an input object with its own out type) gets no coercer at all.

Given how input objects are made (`Into`, from the input builders), a coercer also builds them as it coerces:
each object's fields go by their Python names to its constructor, so a value comes out as strawberry's
conversion of graphql-core's coercion would make it, in one walk instead of two. A type without one, or with a
default that the objects would share (a list, an input object), gets no such coercer, nor does an enum.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLString,
    Undefined,
)
from graphql.utilities.coerce_input_value import coerce_default_value

Coerce = Callable[[Any], Any]


class Declined(Exception):
    """graphql-core would coerce this value otherwise than by copying it, or refuse it: its path decides."""


class _Unknown(Exception):
    """A type this module does not coerce."""


@dataclass(frozen=True, slots=True)
class Into:
    """How an input object type's Python object is made: its fields' Python names by GraphQL name, and the
    constructor taking the coerced values by those names (the fields left out take their defaults)."""

    names: Mapping[str, str]
    make: Callable[[dict[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class _Making:
    """What one `coercer` call shares down its types: the input objects' coercers made so far, by type name (an
    input object met twice, or nesting itself, gets one), and how to build input objects (None: as dicts)."""

    made: dict[str, Coerce]
    into: Mapping[str, Into] | None


def coercer(type_: GraphQLInputType, into: Mapping[str, Into] | None = None) -> Coerce | None:
    """The coercion of values of `type_`, made once; None when the type is one this module leaves to graphql-core.
    With `into`, input objects come out built, and a type that has no entry in it gets no coercer."""
    try:
        return _coercer(type_, _Making({}, into))
    except _Unknown:
        return None


def _coercer(type_: GraphQLInputType, making: _Making) -> Coerce:
    if isinstance(type_, GraphQLNonNull):
        inner = _of_value(type_.of_type, making)

        def non_null(value: Any) -> Any:
            if value is None:
                raise Declined
            return inner(value)

        return non_null
    return _nullable(_of_value(type_, making))


def _nullable(coerce: Coerce) -> Coerce:
    return lambda value: None if value is None else coerce(value)


def _of_value(type_: GraphQLInputType, making: _Making) -> Coerce:
    """How a non-null value of `type_` is coerced."""
    if isinstance(type_, GraphQLList):
        items_required = isinstance(type_.of_type, GraphQLNonNull)
        item = _of_value(type_.of_type.of_type, making) if items_required else _coercer(type_.of_type, making)

        def listed(value: Any) -> list[Any]:
            if type(value) is not list:  # graphql-core makes a single value a list of one
                raise Declined
            if items_required and None in value:
                raise Declined
            return [item(element) for element in value]

        return listed
    if isinstance(type_, GraphQLInputObjectType):
        return _input_object(type_, making)
    if (plain := _PLAIN_LEAVES.get(type_)) is not None:
        return plain
    if isinstance(type_, GraphQLEnumType) and making.into is not None:
        raise _Unknown  # strawberry's conversion makes its Python enum
    if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
        return _leaf(type_)
    raise _Unknown


def _leaf(type_: GraphQLScalarType | GraphQLEnumType) -> Coerce:
    coerce = type_.coerce_input_value

    def leaf(value: Any) -> Any:
        try:
            return coerce(value)
        except Exception as error:  # as graphql-core catches it: the value is refused
            raise Declined from error

    return leaf


_DECLINED_IF: dict[GraphQLInputType, str] = {
    GraphQLString: "type(item) is not str",  # graphql-core converts an ID given as a number: its path decides
    GraphQLID: "type(item) is not str",
    GraphQLBoolean: "type(item) is not bool",
    GraphQLInt: "type(item) is not int or not MIN_INT <= item <= MAX_INT",
}
"""When a String, ID, Boolean or Int value is not one graphql-core takes as it stands, as a condition on `item`:
checked by the leaf coercers below and, inline, by an input object's own code for its fields of these types."""

_NAMESPACE = {"Declined": Declined, "Undefined": Undefined, "MIN_INT": GRAPHQL_MIN_INT, "MAX_INT": GRAPHQL_MAX_INT}
"""What the compiled coercers' code refers to."""


def _compiled(lines: list[str], label: str, namespace: dict[str, Any]) -> Coerce:
    """The function `coerce` that `lines` define, compiled in `namespace` (which the caller may fill in later)."""
    exec(compile("\n".join(lines), f"<coercion of {label}>", "exec"), namespace)
    coerce: Coerce = namespace["coerce"]
    return coerce


_PLAIN_LEAVES = {
    type_: _compiled(["def coerce(item):", f"    if {declined}:", "        raise Declined", "    return item"],
                     str(type_), {**_NAMESPACE})
    for type_, declined in _DECLINED_IF.items()
}  # fmt: skip


def _input_object(type_: GraphQLInputObjectType, making: _Making) -> Coerce:
    """The coercion of an input object's values, compiled: one function whose statements check, copy and fill in
    each field in turn (a bulk create's rows hold thirteen input objects each, and a loop over the fields calling
    a coercer per field cost a fifth more of the coercion), declining exactly where `_coercer` of the field
    would."""
    if type_.is_one_of or type_.out_type is not GraphQLInputObjectType.out_type:
        raise _Unknown
    into = making.into
    made = making.made.get(type_.name)
    if made is not None:
        return made
    built = None if into is None else into.get(type_.name)
    if into is not None and built is None:
        raise _Unknown
    namespace = {**_NAMESPACE, "KNOWN": frozenset(type_.fields), "make": None if built is None else built.make}
    lines = [
        "def coerce(value):",
        "    if type(value) is not dict or not value.keys() <= KNOWN:",  # not an object, or a field it lacks
        "        raise Declined",
        "    get = value.get",
        "    out = {}",
    ]
    called: dict[str, Callable[[], Coerce]] = {}  # made once this type's coercer is known: it may nest itself
    for number, (name, field) in enumerate(type_.fields.items()):
        required = isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        default = Undefined if required else coerce_default_value(field)
        if built is not None and not _immutable(default):
            raise _Unknown
        out_name = field.out_name or name if built is None else built.names[name]
        lines += [f"    item = get({name!r}, Undefined)", "    if item is Undefined:"]
        if required:
            lines.append("        raise Declined")
        elif default is not Undefined:
            namespace[f"default_{number}"] = default
            lines.append(f"        out[{out_name!r}] = default_{number}")
        else:
            lines.append("        pass")
        lines += ["    else:", *_field_value_lines(field.type, f"coerce_{number}", out_name, called, making)]
    lines.append("    return out" if built is None else "    return make(out)")
    coerce = _compiled(lines, type_.name, namespace)
    making.made[type_.name] = coerce
    namespace.update((name, make_coercer()) for name, make_coercer in called.items())
    return coerce


def _field_value_lines(
    type_: GraphQLInputType, name: str, out_name: str, called: dict[str, Callable[[], Coerce]], making: _Making
) -> list[str]:
    """The statements that check a field's given `item` and put its value in `out`: inline for String, ID, Int
    and Boolean, else by calling the coercer `name` (put in `called`), a non-null one's null declined first."""
    named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    non_null = named is not type_
    declined = _DECLINED_IF.get(named)
    if declined is not None:
        check = declined if non_null else f"item is not None and ({declined})"
        return [f"        if {check}:", "            raise Declined", f"        out[{out_name!r}] = item"]
    if non_null:
        called[name] = lambda: _of_value(named, making)
        return ["        if item is None:", "            raise Declined", f"        out[{out_name!r}] = {name}(item)"]
    called[name] = lambda: _coercer(type_, making)
    return [f"        out[{out_name!r}] = {name}(item)"]


def _immutable(default: Any) -> bool:
    """A default that objects can share: graphql-core hands every request the same default value."""
    return default is Undefined or default is None or type(default) in (str, int, float, bool)
