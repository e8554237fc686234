"""The command path answers exactly as graphql-core's execution does, and hands back what it does not handle
before anything runs."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import ExecutionResult

from api.schema.bulk import BULK_MUTATIONS
from api.schema.context import RequestContext
from api.schema.input_commands import COMMANDS
from api.schema.schema import ServedSchema
from api.settings import Settings
from domain.batches import ErrorPolicy
from domain.bus import CommandContext
from domain.model import commands
from domain.model.errors import ErrorCode, Problem, ValidationFailed
from domain.ports import Outcome
from tests.unit.api.both_paths import assert_same, direct, graphql_core_answer, planned
from tests.unit.api.fakes import FakeBackends

SCOPES = ("catalog:write", "inventory:write", "orders:write")


class RecordingBus:
    """Answers every command with an outcome (or the refusal it was told to give) and remembers what it got."""

    def __init__(self, refusal: Exception | None = None) -> None:
        self.received: list[tuple[commands.Command, CommandContext | ErrorPolicy | None]] = []
        self.refusal = refusal

    async def dispatch(self, command: commands.Command, context: CommandContext | None = None) -> Outcome:
        self.received.append((command, context))
        if self.refusal is not None:
            raise self.refusal
        return Outcome("p-1", 3, "token-1")

    max_batch_rows = 10

    async def dispatch_rows(self, rows: list[Any], policy: ErrorPolicy, **_: Any) -> list[Any]:
        self.received.extend((row.command, policy) for row in rows)
        return [Outcome(f"p-{i}", 1, f"c2.0.{i}.{i}") for i, _ in enumerate(rows)]


@pytest.fixture(scope="module")
def served() -> ServedSchema:
    return ServedSchema(Settings.model_validate({"fast_path": True}))


def _context(bus: RecordingBus, scopes: tuple[str, ...] = SCOPES) -> RequestContext:
    backends = FakeBackends()
    backends.bus = bus  # type: ignore[assignment]
    token = backends.authenticator.issue(scopes, "tool-1")
    return RequestContext(backends, f"Bearer {token}")  # type: ignore[arg-type]


async def both(
    served: ServedSchema, query: str, variables: dict[str, Any] | None, *, refusal: Exception | None = None
) -> tuple[ExecutionResult, list[Any], bool]:
    """Runs the document through graphql-core and through the served schema; asserts the same answer and the
    same commands. Returns the served answer, its commands and whether the command path answered."""
    answers, received = [], []
    for general in (True, False):
        bus = RecordingBus(refusal)
        context = _context(bus)
        if general:
            answers.append(await graphql_core_answer(served, query, variables, context))
        else:
            answers.append(await served.execute(query, variables, context, None))
        received.append(bus.received)
    slow, fast = answers
    assert_same(fast, slow)
    assert received[0] == received[1]
    return fast, received[1], planned(served, query)


CREATE = """
mutation Create($input: CreateProductInput!) {
  createProduct(input: $input) { ok aggregateId version consistencyToken errors { code field message } }
}"""

PRODUCT = {
    "sku": "OAK-1",
    "name": "Oak chair",
    "description": "Solid oak",
    "categoryPath": ["Furniture", "Chairs"],
    "price": {"amount": "19.90", "currency": "EUR"},
    "attributes": [{"name": "color", "value": "oak"}],
    "idempotencyKey": "k-1",
}


async def test_a_command_document_takes_the_command_path_and_answers_the_same(served: ServedSchema) -> None:
    result, received, planned = await both(served, CREATE, {"input": PRODUCT})
    assert planned
    assert result.data == {
        "createProduct": {"ok": True, "aggregateId": "p-1", "version": 3, "consistencyToken": "token-1", "errors": []}
    }
    command, context = received[0]
    assert command == commands.CreateProduct(
        sku="OAK-1", name="Oak chair", description="Solid oak", brand=None, category_path=("Furniture", "Chairs"),
        price_amount="19.90", price_currency="EUR", attributes=(("color", "oak"),),
    )  # fmt: skip
    assert context == CommandContext("tool-1", "k-1")


async def test_aliases_typenames_and_fragments_on_the_result_are_planned(served: ServedSchema) -> None:
    query = """
    fragment Outcome on CommandResult { ok id: aggregateId }
    mutation($p: CreateProductInput!) { made: createProduct(input: $p) { __typename ...Outcome errors { code } } }"""
    result, _, planned = await both(served, query, {"p": PRODUCT})
    assert planned
    assert result.data == {"made": {"__typename": "CommandResult", "ok": True, "id": "p-1", "errors": []}}


async def test_a_refusal_is_a_typed_result_on_both_paths(served: ServedSchema) -> None:
    refusal = ValidationFailed.of([Problem(ErrorCode.VALIDATION, "must not be empty", "name")])
    result, _, planned = await both(served, CREATE, {"input": PRODUCT}, refusal=refusal)
    assert planned
    assert result.data is not None
    assert result.data["createProduct"]["errors"] == [
        {"code": "VALIDATION", "field": "name", "message": "must not be empty"}
    ]


async def test_an_unexpected_failure_is_located_at_the_field_with_null_data(served: ServedSchema) -> None:
    result, received, _ = await both(served, CREATE, {"input": PRODUCT}, refusal=RuntimeError("disk on fire"))
    assert len(received) == 1
    assert result.data is None
    assert result.errors is not None
    assert result.errors[0].path == ["createProduct"]
    assert isinstance(result.errors[0].original_error, RuntimeError)


@pytest.mark.parametrize(
    "variables",
    [
        None,
        {},
        {"input": None},
        {"input": {**PRODUCT, "price": {"amount": "19.90"}}},
        {"input": {**PRODUCT, "sku": 7}},
        {"input": {**PRODUCT, "unknown": 1}},
        {"input": "not an object"},
    ],
    ids=["no-variables", "missing", "null", "missing-field", "wrong-type", "unknown-field", "not-an-object"],
)
async def test_bad_variables_get_graphql_cores_errors_and_run_nothing(
    served: ServedSchema, variables: dict[str, Any] | None
) -> None:
    result, received, _ = await both(served, CREATE, variables)
    assert received == []
    assert result.data is None
    assert result.errors


@pytest.mark.parametrize(
    "query",
    [
        'mutation { receiveStock(input: {sku: "OAK-1", quantity: 5}) { ok } }',
        'mutation($q: Int!) { receiveStock(input: {sku: "OAK-1", quantity: $q}) { ok } }',
        'mutation($i: ReceiveStockInput! = {sku: "OAK-1", quantity: 5}) { receiveStock(input: $i) { ok } }',
        "mutation($i: ReceiveStockInput!, $skip: Boolean!) { receiveStock(input: $i) @skip(if: $skip) { ok } }",
        "mutation($i: ReceiveStockInput!) { a: receiveStock(input: $i) { ok } b: receiveStock(input: $i) { ok } }",
    ],
    ids=["literal", "variable-inside-literal", "default", "directive", "two-fields"],
)
async def test_other_shapes_take_graphql_cores_path_and_agree(served: ServedSchema, query: str) -> None:
    variables = {"i": {"sku": "OAK-1", "quantity": 5}, "q": 5, "skip": False}
    result, received, planned = await both(served, query, variables)
    assert not planned
    assert result.errors is None
    assert received


UPDATE_VARIANT = """
mutation($input: UpdateProductVariantInput!) { updateProductVariant(input: $input) { ok errors { code field } } }"""


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ({}, {"price": None, "clear_price": False}),
        ({"price": None}, {"price": None, "clear_price": True}),
        ({"price": {"amount": "9.5", "currency": "EUR"}},
         {"price": commands.PriceRequest(amount="9.5", currency="EUR"), "clear_price": False}),
    ],
    ids=["absent-leaves-it", "null-clears-it", "given-sets-it"],
)  # fmt: skip
async def test_a_variants_price_absent_null_or_given_is_told_apart_on_both_paths(
    served: ServedSchema, price: dict[str, Any], expected: dict[str, Any]
) -> None:
    variables = {"input": {"productId": "p-1", "sku": "A-M", "options": [{"name": "size", "value": "M"}], **price}}
    _, received, planned = await both(served, UPDATE_VARIANT, variables)
    assert planned
    [(command, _)] = received
    assert command == commands.UpdateProductVariant(product_id="p-1", sku="A-M", options=(("size", "M"),), **expected)


async def test_a_product_with_variants_slug_and_images_is_one_planned_command(served: ServedSchema) -> None:
    variant = {
        "sku": "OAK-1-S",
        "options": [{"name": "size", "value": "S"}],
        "price": {"amount": "21", "currency": "EUR"},
    }
    image = {"url": "https://img.example.com/oak.jpg", "alt": "Oak", "width": 10, "height": 20}
    product = {**PRODUCT, "slug": "oak-chair", "variants": [variant], "images": [image]}
    _, received, planned = await both(served, CREATE, {"input": product})
    assert planned
    [(command, _)] = received
    assert command.variants == (
        commands.VariantRequest(sku="OAK-1-S", options=(("size", "S"),),
                                price=commands.PriceRequest(amount="21", currency="EUR")),
    )  # fmt: skip
    assert command.images == (commands.ImageRequest(url="https://img.example.com/oak.jpg", alt="Oak", width=10,
                                                    height=20),)  # fmt: skip
    assert command.slug == "oak-chair"


BULK = """
mutation($inputs: [ReceiveStockInput!]!) {
  bulkReceiveStock(inputs: $inputs) { ok written consistencyToken rows { index ok errors { code field } } }
}"""
BULK_WITH_POLICY = """
mutation($inputs: [ReceiveStockInput!]!, $policy: BulkErrorPolicy) {
  bulkReceiveStock(inputs: $inputs, errorPolicy: $policy) { ok written rows { index ok } }
}"""


@pytest.mark.parametrize(
    ("query", "policy"),
    [(BULK, ErrorPolicy.REJECT_FAILED_ROWS), (BULK_WITH_POLICY, ErrorPolicy.REJECT_EVERYTHING)],
    ids=["default-policy", "policy-given"],
)
async def test_a_bulk_document_takes_the_command_path_and_answers_the_same(
    served: ServedSchema, query: str, policy: ErrorPolicy
) -> None:
    inputs = [{"sku": "OAK-1", "quantity": 5}, {"sku": "OAK-2", "quantity": 1}]
    result, received, planned = await both(served, query, {"inputs": inputs, "policy": "REJECT_EVERYTHING"})
    assert planned
    assert result.data is not None
    assert result.data["bulkReceiveStock"]["written"] == 2
    assert received == [
        (commands.ReceiveStock(sku="OAK-1", quantity=5), policy),
        (commands.ReceiveStock(sku="OAK-2", quantity=1), policy),
    ]


async def test_every_mutation_has_a_command_and_every_command_a_mutation(served: ServedSchema) -> None:
    """A bulk mutation's rows are commands of a single mutation."""
    assert served.graphql.mutation_type is not None
    assert set(COMMANDS) | set(BULK_MUTATIONS) == set(served.graphql.mutation_type.fields)
    assert set(BULK_MUTATIONS.values()) <= set(COMMANDS)


def test_a_second_served_schema_builds_its_inputs_as_the_first(served: ServedSchema) -> None:
    """The input builders live on the types' definitions, which every schema of the process shares: a schema built
    after the first must still be told how its inputs are made, or its plans would quietly convert twice."""
    again = ServedSchema(Settings.model_validate({"fast_path": True}))
    assert served.direct is not None
    assert again.direct is not None
    assert "CreateProductInput" in served.direct.into
    assert again.direct.into.keys() == served.direct.into.keys()


def test_plans_of_different_documents_share_their_arguments_coercers(served: ServedSchema) -> None:
    """A coercer depends on its type only, and compiling one costs about a millisecond: made once, not per plan."""

    def plan_of(query: str) -> Any:
        checked = served.protection.check(served.graphql, query)
        assert checked.document is not None
        (operation,) = checked.document.definitions
        return direct(served).roots.plan(checked.document, operation)  # type: ignore[arg-type]

    bulk = "mutation {name}($rows: [CreateProductInput!]!) {{ bulkCreateProducts(inputs: $rows) {{ {fields} }} }}"
    first = plan_of(bulk.format(name="A", fields="ok"))
    second = plan_of(bulk.format(name="B", fields="written rows { index }"))
    assert first is not second
    assert first.arguments[0].coerce is not None
    assert first.arguments[0].coerce is second.arguments[0].coerce
