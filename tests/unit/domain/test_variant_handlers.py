"""Variants, slugs and skus through the handlers on the in-memory unit of work: what the store is asked, what
each refusal names, and how racing commands settle."""

from __future__ import annotations

from domain.model.commands import (
    AddProductVariant,
    AdjustStock,
    ChangeProductPrice,
    CreateProduct,
    DiscontinueProductVariant,
    OrderLineRequest,
    PlaceOrder,
    PriceRequest,
    ReceiveStock,
    UpdateProductDetails,
    UpdateProductVariant,
    VariantRequest,
)
from tests.unit.domain.scenario import Scenario


def sized(sku: str, size: str) -> VariantRequest:
    return VariantRequest(sku=sku, options=(("size", size),))


def shirt(sku: str = "SHIRT", *sizes: str, slug: str | None = None, name: str = "Linen shirt") -> CreateProduct:
    variants = tuple(sized(f"{sku}-{size}", size) for size in sizes or ("M", "L"))
    return CreateProduct(sku=sku, name=name, price_amount="49.00", price_currency="EUR", variants=variants, slug=slug)


async def test_a_product_without_a_slug_gets_one_made_from_its_name_and_the_next_free_suffix() -> None:
    scenario = Scenario()
    first = await scenario.run(shirt("A"))
    second = await scenario.run(shirt("B"))
    third = await scenario.run(shirt("C", name="Linen  Shirt!"))
    slugs = [scenario.store.products[o.aggregate_id].details.slug for o in (first, second, third)]
    assert slugs == ["linen-shirt", "linen-shirt-2", "linen-shirt-3"]


async def test_a_made_slug_taken_by_a_concurrent_command_is_tried_again_with_the_next_one() -> None:
    scenario = Scenario()

    async def concurrent_create() -> None:
        await scenario.run(shirt("RIVAL"))

    scenario.store.before_commit = concurrent_create
    outcome = await scenario.run(shirt("A"))
    assert scenario.store.products[outcome.aggregate_id].details.slug == "linen-shirt-2"


async def test_a_given_slug_another_product_has_is_a_duplicate_of_the_slug() -> None:
    scenario = Scenario()
    await scenario.run(shirt("A", slug="linen"))
    assert await scenario.refusal(shirt("B", slug="linen")) == [("DUPLICATE", "slug")]
    other = await scenario.run(shirt("C"))
    update = UpdateProductDetails(product_id=other.aggregate_id, slug="linen")
    assert await scenario.refusal(update) == [("DUPLICATE", "slug")]


async def test_skus_are_unique_across_products_and_variants_naming_each_field_that_collides() -> None:
    scenario = Scenario()
    await scenario.run(shirt("A", "M", "L"))
    await scenario.product("MUG-1")
    refusal = await scenario.refusal(
        CreateProduct(
            sku="A-M",
            name="Other",
            price_amount="1",
            price_currency="EUR",
            variants=(sized("B-S", "S"), sized("MUG-1", "M"), sized("A-L", "L")),
        )
    )
    assert refusal == [("DUPLICATE", "sku"), ("DUPLICATE", "variants.1.sku"), ("DUPLICATE", "variants.2.sku")]
    assert await scenario.refusal(CreateProduct(sku="A", name="x", price_amount="1", price_currency="EUR")) == [
        ("DUPLICATE", "sku")
    ]


async def test_an_added_variant_whose_sku_another_product_has_is_a_duplicate_of_its_sku() -> None:
    scenario = Scenario()
    product_id = (await scenario.run(shirt("A"))).aggregate_id
    await scenario.product("MUG-1")
    refusal = await scenario.refusal(AddProductVariant(product_id=product_id, variant=sized("MUG-1", "S")))
    assert refusal == [("DUPLICATE", "variant.sku")]


async def test_stock_and_orders_take_a_variants_sku() -> None:
    scenario = Scenario()
    await scenario.run(shirt("A", "M", "L"))
    await scenario.run(ReceiveStock(sku="A-M", quantity=5))
    await scenario.run(ReceiveStock(sku="A-L", quantity=2))
    await scenario.run(AdjustStock(sku="A-L", delta=-1, reason="count"))
    placed = await scenario.order(("A-M", 2), ("A-L", 1))
    assert (scenario.stock("A-M"), scenario.stock("A-L")) == ((5, 2), (1, 1))
    lines = scenario.store.orders[placed.aggregate_id].lines
    assert [(line.sku, line.variant_name, line.options) for line in lines] == [
        ("A-M", "Linen shirt / M", (("size", "M"),)),
        ("A-L", "Linen shirt / L", (("size", "L"),)),
    ]


async def test_a_product_sku_of_a_product_with_variants_is_refused_where_a_variant_is_meant() -> None:
    scenario = Scenario()
    await scenario.run(shirt("A"))
    assert await scenario.refusal(ReceiveStock(sku="A", quantity=1)) == [("VALIDATION", "sku")]
    order = PlaceOrder(customer_id="c-1", lines=(OrderLineRequest(sku="A", quantity=1),))
    assert await scenario.refusal(order) == [("VALIDATION", "lines.0.sku")]


async def test_variant_commands_add_update_reprice_and_discontinue() -> None:
    scenario = Scenario()
    product_id = (await scenario.run(shirt("A", "M", "L"))).aggregate_id
    await scenario.run(AddProductVariant(product_id=product_id, variant=sized("A-S", "S"), expected_version=1))
    await scenario.run(
        UpdateProductVariant(product_id=product_id, sku="A-S", price=PriceRequest(amount="45", currency="EUR"))
    )
    await scenario.run(ChangeProductPrice(product_id=product_id, sku="A-L", price_amount="55", price_currency="EUR"))
    await scenario.run(UpdateProductVariant(product_id=product_id, sku="A-S", clear_price=True))
    outcome = await scenario.run(DiscontinueProductVariant(product_id=product_id, sku="A-M"))
    assert outcome.version == 6
    snapshot = scenario.store.products[product_id].snapshot()
    assert [(v["sku"], v["price"]["amount"], v["status"]) for v in snapshot["variants"]] == [
        ("A-M", "49.00", "DISCONTINUED"),
        ("A-L", "55.00", "ACTIVE"),
        ("A-S", "49.00", "ACTIVE"),
    ]
    assert scenario.store.events()[1:] == [
        "ProductVariantAdded",
        "ProductVariantUpdated",
        "ProductPriceChanged",
        "ProductVariantUpdated",
        "ProductVariantDiscontinued",
    ]


async def test_variant_commands_refuse_with_their_code_and_field() -> None:
    scenario = Scenario()
    product_id = (await scenario.run(shirt("A", "M"))).aggregate_id
    assert await scenario.refusal(AddProductVariant(product_id="nope", variant=sized("X", "S"))) == [
        ("NOT_FOUND", "productId")
    ]
    stale = AddProductVariant(product_id=product_id, variant=sized("A-S", "S"), expected_version=9)
    assert await scenario.refusal(stale) == [("CONFLICT", "expectedVersion")]
    assert await scenario.refusal(UpdateProductVariant(product_id=product_id, sku="A-X", clear_price=True)) == [
        ("NOT_FOUND", "sku")
    ]
    assert await scenario.refusal(DiscontinueProductVariant(product_id=product_id, sku="A-M")) == [
        ("INVALID_STATE", "sku")
    ]
